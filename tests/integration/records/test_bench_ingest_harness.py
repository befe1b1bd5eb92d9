"""The ingest benchmark's harness: the load generator's receipt check (a whole signed tree
rebuilt from its receipts, one signature check per tree, a sample of per-record proofs) and the
prefill of synthetic stored records."""

from __future__ import annotations

import base64
import copy
import random
from typing import Any

import pytest
from sqlalchemy import Engine

from sealpost.adapters.crypto import get_suite
from sealpost.adapters.db.records_repo import SqlRecordStore
from sealpost.bench.ingest import check_receipts, prefill
from sealpost.client.receipts import receipt_leaf_hash, verify_receipt
from sealpost.client.sealing import uuid7
from sealpost.domain.merkle import MerkleTree
from sealpost.domain.records import batch_signing_message

_BODY: dict[str, Any] = {
    "version": 1,
    "company": "EMS",
    "waybill_no": "EA100000017CN",
    "masked": {"sender": {"name": "王*"}, "recipient": {"name": "纪*", "county_code": "150722"}},
    "received_at": "2026-11-28T12:00:35.154Z",
}


def _signed(n: int, suite_name: str = "intl") -> tuple[list[dict[str, Any]], list[str], dict[str, bytes]]:
    suite = get_suite(suite_name)
    pair = suite.new_signing_key()
    bodies = []
    for _ in range(n):
        body = copy.deepcopy(_BODY)
        body["record_id"] = uuid7()
        bodies.append(body)
    tree = MerkleTree([receipt_leaf_hash(b) for b in bodies])
    sig = base64.b64encode(suite.sign(pair.private, batch_signing_message(tree.root, tree.size))).decode()
    for k, body in enumerate(bodies):
        body["proof"] = {
            "batch_root": base64.b64encode(tree.root).decode(),
            "path": [base64.b64encode(p).decode() for p in tree.proof(k).path],
            "index": k,
            "tree_size": tree.size,
        }
        body["signature"] = {"kid": "k1", "alg": "Ed25519", "sig": sig}
    return bodies, [b["record_id"] for b in bodies], {"k1": pair.public}


def _check(receipts: list[dict[str, Any]], ids: list[str], keys: dict[str, bytes], sample: int = 50) -> Any:
    return check_receipts(receipts, ids, [], keys, set(), sample, random.Random(1))


def test_a_whole_signed_tree_passes_with_one_rebuild_and_a_sample_of_proofs() -> None:
    receipts, ids, keys = _signed(300)
    for r in receipts:
        verify_receipt(r, keys)  # the fixture is what the client SDK accepts
    check = _check(receipts, ids, keys)
    assert (check.bad, check.missing, check.trees_rebuilt) == (0, 0, 1)
    assert 0 < check.proofs_checked < 30
    assert _check(receipts, ids, keys, sample=1).proofs_checked == 300
    assert _check(receipts, ids, keys, sample=0).proofs_checked == 0


def test_any_changed_receipt_fails_the_whole_tree() -> None:
    receipts, ids, keys = _signed(300)
    receipts[137]["masked"]["recipient"]["name"] = "纪某"
    assert _check(receipts, ids, keys, sample=0).bad == 300


def test_swapped_indexes_fail() -> None:
    receipts, ids, keys = _signed(10)
    receipts[2]["proof"]["index"], receipts[3]["proof"]["index"] = 3, 2
    assert _check(receipts, ids, keys, sample=0).bad == 10


def test_a_bad_signature_or_unknown_key_fails() -> None:
    receipts, ids, _keys = _signed(10)
    other = get_suite("intl").new_signing_key().public
    assert _check(receipts, ids, {"k1": other}).bad == 10
    assert _check(receipts, ids, {}).bad == 10


def test_missing_unknown_and_repeated_receipts_are_counted() -> None:
    receipts, ids, keys = _signed(10)
    check = check_receipts(receipts[:9], ids, [], keys, set(), 0, random.Random(1))
    assert check.missing == 1  # the partial group falls back to walking each proof: still valid
    assert check.bad == 0 and check.proofs_checked == 9
    rejected = check_receipts(receipts[:9], ids, [ids[9]], keys, set(), 0, random.Random(1))
    assert rejected.missing == 0
    assert _check([*receipts, receipts[0]], ids, keys).bad == 1
    assert _check(receipts, ids[:9], keys).bad >= 1


def test_a_wrong_path_in_a_sampled_proof_is_caught() -> None:
    receipts, ids, keys = _signed(16)
    receipts[5]["proof"]["path"][0] = receipts[5]["proof"]["path"][1]
    assert _check(receipts, ids, keys, sample=0).bad == 0  # the tree itself is intact
    assert _check(receipts, ids, keys, sample=1).bad == 1


def test_prefill_writes_rows_and_rebuildable_batches(engine: Engine, db_url: str) -> None:
    from sealpost.adapters.db.migrate import upgrade

    upgrade(db_url)
    prefill(engine, 2500, chunk=1000)
    store = SqlRecordStore(engine)
    assert store.count() == 2500
    with engine.connect() as conn:
        waybill = conn.exec_driver_sql("SELECT waybill_no FROM records LIMIT 1").scalar_one()
        size = conn.exec_driver_sql("SELECT sum(tree_size) FROM receipt_batches").scalar_one()
    assert size == 2500
    found = store.get_by_waybill(waybill)
    assert found is not None and found["waybill_no"] == waybill
    assert found["proof"]["tree_size"] in (1000, 500)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_prefill_waybills_never_collide_with_the_runs(engine: Engine, db_url: str) -> None:
    from sealpost.adapters.db.migrate import upgrade

    upgrade(db_url)
    prefill(engine, 1000, chunk=1000)
    with engine.connect() as conn:
        prefixes = {r[0] for r in conn.exec_driver_sql("SELECT substr(waybill_no, 1, 2) FROM records")}
    assert prefixes == {"EB"}


def test_blind_indexes_are_hash_on_postgresql_and_none_on_sqlite_records(engine: Engine) -> None:
    columns = ("bi_sender_id_number", "bi_sender_phone", "bi_recipient_phone")
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            found = dict(
                conn.exec_driver_sql(
                    "SELECT i.relname, am.amname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
                    " JOIN pg_class t ON t.oid = x.indrelid JOIN pg_am am ON am.oid = i.relam"
                    " WHERE t.relname = 'records' AND i.relname LIKE 'ix_records_%%bi_%%'"
                ).all()
            )
            assert found == {f"ix_records_{c}": "hash" for c in columns}
        else:  # the tokens live in a file of their own (adapters/db/blind_tokens.py)
            objects = dict(
                conn.exec_driver_sql(
                    "SELECT name, type FROM sqlite_master WHERE tbl_name = 'records' AND sql IS NOT NULL"
                ).all()
            )
            assert not [name for name in objects if "bi_" in name]
            assert {n for n, kind in objects.items() if kind == "trigger"} == {
                "records_blind_changed",
                "records_blind_deleted",
            }


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_rows_store_what_sqlalchemy_reads_back(engine: Engine, db_url: str) -> None:
    """The fast SQLite row form (straight-line UUID/time conversion, booleans bound as-is) reads
    back through the table's SQLAlchemy types as the values given, for UTC and non-UTC times."""
    import uuid
    from datetime import UTC, datetime, timedelta, timezone

    import sqlalchemy as sa

    from sealpost.adapters.db.records_repo import RECORD_COLUMNS, _sqlite_row, columns_of, sqlite_columns
    from sealpost.adapters.db.tables.records import records

    now = datetime(2026, 11, 28, 10, 0, 0, 123456, tzinfo=UTC)
    batch_id = str(uuid.uuid4())
    rows: list[dict[str, Any]] = []
    for k in range(4):
        row: dict[str, Any] = dict.fromkeys(RECORD_COLUMNS, b"x")
        row.update(
            record_id=str(uuid.uuid4()),
            company="EMS",
            waybill_no=f"EA{k:08d}0CN",
            batch_id=batch_id,
            batch_index=k,
            received_at=now,
            collected_at=(now - timedelta(seconds=k)).astimezone(timezone(timedelta(hours=8 * (k % 2)))),
            inspected=k != 2,
            late=k == 1,
            quantity=1,
            weight_g=10,
            declared_value_fen=0,
            latency_ms=5,
            inspection_photo_sha256=None,
            enterprise_client_id=None,
            sender_id=None,
            agreement_customer_id=None,
            sender_document_type=None,
            sender_id_number_enc=None,
            bi_sender_id_number=None,
        )
        for name in ("outlet", "courier_id", "terminal_id", "origin_county", "destination_county"):
            row[name] = "110105"
        row.update(item_name="书籍", item_category="图书音像", sender_kind="qr")
        rows.append(row)
    fast = list(zip(*sqlite_columns(columns_of(rows)), strict=True))
    assert fast == [_sqlite_row(r) for r in rows]
    cols = ", ".join(RECORD_COLUMNS)
    marks = ", ".join("?" for _ in RECORD_COLUMNS)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"INSERT INTO records ({cols}) VALUES ({marks})", fast)
    with engine.connect() as conn:
        back = {str(r.record_id): r for r in conn.execute(sa.select(records))}
    for row in rows:
        got = back[row["record_id"]]
        assert got.collected_at == row["collected_at"]
        assert got.received_at == now
        assert got.inspected is row["inspected"] and got.late is row["late"]
        assert str(got.batch_id) == batch_id
