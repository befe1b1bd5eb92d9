"""Benchmark: end-to-end ingest through the HTTP API, against a raw bulk insert of the same rows.

``sealpost bench ingest --records N [--db sqlite|postgres] [--batch 1000] [--workers K] [--clients C]
[--proofs tree|full]``

1. A fresh database (a SQLite file, or a new PostgreSQL database) is migrated; terminals, an
   agreement customer and one-time identity references (for the share of QR senders) are made.
2. The API runs as its own process (``sealpost serve``: uvicorn, ``K`` workers).
3. ``C`` load-generator processes (the terminals) build realistic records — Faker zh_CN names and
   addresses, mainland mobiles, real GB/T 2260 county codes, S10 waybill numbers — and seal them in
   terminal sessions **before** the timed phase (sealing is the terminals' work, not the
   platform's; on this machine they would share its two cores). Then, all at once, each posts its
   batches (``POST /v1/records?proofs=tree``, terminal token + batch signature), ``--inflight`` at
   a time, optionally paced to ``--rate`` records/s, and checks the receipts: every record answered
   once, each signed tree's root rebuilt from all its receipts and its platform signature verified
   once, and a receipt's own inclusion proof walked for a random one in ``--proof-sample`` (the
   figures say how many). In ``tree`` form (the default, :func:`check_tree_receipts`) the answer
   carries the signed tree head once and each fresh receipt its leaf index: the sampled receipts'
   paths are computed from the rebuilt tree; ``--proofs full`` asks for every receipt with its own
   path and signature (:func:`check_receipts`).
4. Figures: records/s end to end (first request → last verified receipt), receipt latency as the
   terminal sees it (request sent → verified receipt) p50/p99/max, refused records, stored count,
   the API processes' CPU time per record (user + system, all workers: on a shared machine it is
   steadier than the rate, and ``1e6 / µs × cores`` bounds what the API alone could do), the load
   generators' CPU per record, and on PostgreSQL the database server's CPU per stored record (all
   its processes, :func:`sealpost.bench.processes.postgres_cpu_seconds`; SQLite works inside the
   API processes: null);
   then the **baseline**: the very rows the run stored, bulk-inserted into an identical table on
   the same database (binary COPY in 1,000-row batches on PostgreSQL, ``executemany`` on SQLite, one
   transaction per batch), and the ratio between the two.

Records are sealed ahead of time, so their ``collected_at`` is older than their send time: the
server runs with a long receipt deadline (``SEALPOST_RECEIPT_DEADLINE_S``) so this artefact of the
benchmark does not flag them late. Last line: one JSON object.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import multiprocessing as mp
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

from sealpost.bench.processes import (
    create_throwaway_pg,
    drop_throwaway_pg,
    free_port,
    group_cpu_seconds,
    postgres_cpu_seconds,
)
from sealpost.bench.report import percentile, report
from sealpost.native import compiled_modules
from sealpost.services.ingest import tune_gc_for_batches

ITEMS: tuple[tuple[str, str], ...] = (
    ("连衣裙", "服装鞋帽"),
    ("运动鞋", "服装鞋帽"),
    ("羊毛衫", "服装鞋帽"),
    ("手机壳", "数码电子"),
    ("蓝牙耳机", "数码电子"),
    ("数据线", "数码电子"),
    ("书籍", "图书音像"),
    ("文件", "文件资料"),
    ("合同", "文件资料"),
    ("茶叶", "食品"),
    ("火锅底料", "食品"),
    ("坚果礼盒", "食品"),
    ("洗发水", "日用品"),
    ("毛巾", "日用品"),
    ("收纳盒", "家居用品"),
    ("手枪钻", "五金工具"),
    ("积木玩具", "玩具"),
    ("面霜", "化妆品"),
    ("汽车脚垫", "汽车配件"),
    ("笔记本", "办公用品"),
)


# ----------------------------------------------------------------------------------- set-up


@dataclass
class TerminalCreds:
    terminal_id: str
    token: str
    private_key: bytes
    company: str
    outlet: str
    courier_id: str


def _people(n: int, seed: int) -> list[tuple[str, str, str]]:
    """(name, mobile, address) triples from Faker zh_CN, phones checked against the real ranges."""
    from faker import Faker

    from sealpost.services.record_rules import phone_ok

    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    out: list[tuple[str, str, str]] = []
    while len(out) < n:
        phone = fake.phone_number()
        if not phone_ok(phone):
            continue
        building = f"{fake.random_int(1, 30)}号楼{fake.random_int(1, 6)}单元{fake.random_int(101, 2806)}室"
        out.append((fake.name(), phone, fake.address().rsplit(" ", 1)[0] + building))
    return out


#: What ``--keep`` leaves in the work folder so that ``--reuse`` can run against it again.
KEPT_FILE = "bench-ingest.json"


class KeptStoreError(ValueError):
    """``--reuse`` names no kept store, or one that does not fit the run."""


def _setup_database(db: str, work: Path, reuse: bool) -> tuple[str | None, str | None]:
    """(database URL for the server or None for the default SQLite file, PostgreSQL db name); a
    kept store (``reuse``) is the one its ``--keep`` run recorded."""
    if reuse:
        kept = orjson.loads((work / KEPT_FILE).read_bytes())
        if kept["db"] != db:
            raise KeptStoreError(f"{work} holds a {kept['db']} store, not {db}")
        return kept["url"], kept["pg_name"]
    if db == "sqlite":
        return None, None
    return create_throwaway_pg()


def kept_store(path: Path) -> Path:
    """The work folder of an earlier ``--keep`` run (:class:`KeptStoreError` if ``path`` is not one)."""
    if not (path / KEPT_FILE).is_file() or not (path / "data").is_dir():
        raise KeptStoreError(f"{path} is not a folder kept by `sealpost bench ingest --keep`")
    return path.resolve()


def _unused_waybill_service(engine: Any) -> str:
    """An S10 service indicator ("EA", "EC"…) no stored waybill number uses yet, so a run against a
    kept store never collides with an earlier run's numbers ("EB" is the prefill's)."""
    import sqlalchemy as sa

    from sealpost.adapters.db.tables.records import records as table

    with engine.connect() as conn:
        for second in "ACDEFGHIJKLMNOPQRSTUVWXYZ":
            service = "E" + second
            low, high = service, service[0] + chr(ord(second) + 1)
            query = sa.select(table.c.waybill_no).where(table.c.waybill_no >= low, table.c.waybill_no < high)
            if conn.execute(query.limit(1)).first() is None:
                return service
    raise KeptStoreError("every service indicator E? is taken in this store: use a fresh one")


def _issue_refs(container: Any, courier_id: str, count: int) -> list[str]:
    """Identity references as the identity-QR verifier leaves them, written in bulk."""
    import sqlalchemy as sa

    from sealpost.adapters.db.identity_refs_repo import IDENTITY_FIELD, new_ref
    from sealpost.adapters.db.tables.records import identity_refs
    from sealpost.domain.identity import check_character
    from sealpost.domain.masking import mask_id_number, mask_name
    from sealpost.ports.identity_refs import REF_TTL

    now = container.clock.now()
    fields = container.crypto.fields
    refs: list[str] = []
    rows: list[dict[str, Any]] = []
    rng = random.Random(11)
    for i in range(count):
        body = (
            f"110105{rng.randint(1950, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{i % 1000:03d}"
        )
        number = body + check_character(body)
        name = rng.choice("赵钱孙李周吴郑王") + rng.choice(["伟", "芳", "娜", "秀英", "敏", "静", "强", "磊"])
        ref = new_ref()
        blob = orjson.dumps(
            {"name": name, "document_type": "resident_id", "document_number": number, "sender_id": ""}
        )
        rows.append(
            {
                "ref": ref,
                "courier_id": courier_id,
                "source": "qr",
                "sender_id": str(uuid.uuid4()),
                "document_type": "resident_id",
                "masked": {"name": mask_name(name), "document_number": mask_id_number(number)},
                "adult": True,
                "identity_enc": fields.encrypt(ref, IDENTITY_FIELD, blob),
                "issued_at": now,
                "expires_at": now + REF_TTL * 6,  # the run may outlast 10 minutes on slow machines
            }
        )
        refs.append(ref)
    with container.engine.begin() as conn:
        for start in range(0, len(rows), 1000):
            conn.execute(sa.insert(identity_refs), rows[start : start + 1000])
    return refs


# ----------------------------------------------------------------------------------- load generator


@dataclass
class LoadPlan:
    base_url: str
    creds: TerminalCreds
    records: int
    batch: int
    inflight: int
    rate: float
    refs: list[str]
    customer_id: str
    seed: int
    waybill_start: int
    proof_sample: int = 50
    waybill_service: str = "EA"  # the S10 service indicator of the run's waybill numbers
    proofs: str = "tree"  # the answer form asked for: ``tree`` (signed tree head once) or ``full``


def _generate(plan: LoadPlan, platform_public: bytes, suite: str) -> list[tuple[bytes, str, list[str]]]:
    """Sealed batches ready to post: (body, batch signature, the record ids in it)."""
    from sealpost.adapters.crypto import get_suite
    from sealpost.client.sealing import SealingSession, uuid7
    from sealpost.domain.records import Party, PersonalFields, format_time, terminal_batch_message
    from sealpost.domain.waybill_numbers import s10_number
    from sealpost.services.record_rules import current_counties

    rng = random.Random(plan.seed)
    counties = sorted(current_counties())
    people = _people(2000, plan.seed)
    shop = people[0]
    crypto = get_suite(suite)
    c = plan.creds
    session = SealingSession(
        terminal_id=c.terminal_id,
        signing_private=c.private_key,
        platform_public=platform_public,
        suite=suite,
        max_records=10**7,
        max_age_s=10**6,
    )
    refs = iter(plan.refs)
    serial = itertools.count(plan.waybill_start)
    batches: list[tuple[bytes, str, list[str]]] = []
    remaining = plan.records
    while remaining > 0:
        n = min(plan.batch, remaining)
        remaining -= n
        wire = []
        ids: list[str] = []
        collected = format_time(datetime.now(UTC))
        for _ in range(n):
            item, category = rng.choice(ITEMS)
            ref = next(refs, None)
            recipient = rng.choice(people)
            meta: dict[str, Any] = {
                "record_id": uuid7(),
                "terminal_id": c.terminal_id,
                "company": c.company,
                "outlet": c.outlet,
                "courier_id": c.courier_id,
                "waybill_no": s10_number(plan.waybill_service, next(serial), "CN"),
                "origin_county": rng.choice(counties),
                "destination_county": rng.choice(counties),
                "item_name": item,
                "item_category": category,
                "quantity": rng.randint(1, 3),
                "weight_g": rng.randint(50, 20000),
                "declared_value_fen": rng.randint(0, 100000),
                "inspected": True,
                "collected_at": collected,
            }
            if ref is not None:
                meta.update(sender_kind="qr", identity_ref=ref)
                sender = rng.choice(people)
            else:
                meta.update(sender_kind="agreement", agreement_customer_id=plan.customer_id)
                sender = shop
            personal = PersonalFields(
                sender=Party("" if ref is not None else "示例旗舰店", sender[1], sender[2]),
                recipient=Party(recipient[0], recipient[1], recipient[2]),
            )
            ids.append(meta["record_id"])
            wire.append(session.seal(meta, personal))
        body = orjson.dumps({"version": 1, "sessions": {session.label: session.claim}, "records": wire})
        signature = base64.b64encode(crypto.sign(c.private_key, terminal_batch_message(body))).decode()
        batches.append((body, signature, ids))
    session.close()
    return batches


@dataclass
class ReceiptCheck:
    """What checking one response's receipts found."""

    bad: int = 0  # receipts that fail a check (unknown or repeated id, not in the signed tree, bad signature)
    missing: int = 0  # records sent in the batch that got neither a receipt nor a rejection
    proofs_checked: int = 0  # per-record inclusion proofs walked (the sample, plus partial groups)
    trees_rebuilt: int = 0  # signed trees whose root was rebuilt from all their receipts


def check_receipts(
    receipts: list[dict[str, Any]],
    sent_ids: list[str],
    rejected_ids: list[str | None],
    signing_keys: dict[str, bytes],
    verified: set[tuple[bytes, int, bytes]],
    sample_every: int,
    rng: random.Random,
) -> ReceiptCheck:
    """Check a response's receipts without walking every proof.

    * Every record sent got a receipt or a rejection, every receipt is for a record sent, once.
    * Receipts are grouped by the signed tree they name (root, size, signature). When a group is
      the whole tree (``tree_size`` receipts with indexes 0..n-1, the normal case: one tree per
      request), the root is rebuilt from all their leaf hashes and must equal the signed root:
      that proves every receipt's bytes at its index as strongly as walking each proof, for one
      tree build (~n hashes) instead of n·log n. Otherwise (e.g. a retried record's receipt from an
      older batch) every receipt's own inclusion proof is walked.
    * The platform signature over (root, size) is verified once per tree (Ed25519: ~64 µs).
    * Each receipt's own proof (the path the terminal would keep) is additionally walked for a
      random sample of one in ``sample_every`` (0: none), to check the paths the server sends.
    """
    from sealpost.adapters.crypto import get_suite
    from sealpost.client.receipts import ALGORITHMS, receipt_leaf_hash
    from sealpost.domain.merkle import MerkleTree, verify_inclusion
    from sealpost.domain.records import batch_signing_message, proof_from_receipt, unb64

    out = ReceiptCheck()
    expected = set(sent_ids)
    seen: set[str] = set()
    groups: dict[tuple[str, int, str, str, str], list[tuple[int, bytes, dict[str, Any]]]] = {}
    for receipt in receipts:
        rid = receipt.get("record_id")
        if not isinstance(rid, str) or rid not in expected or rid in seen:
            out.bad += 1
            continue
        seen.add(rid)
        try:
            sig = receipt["signature"]
            proof = receipt["proof"]
            hash_alg = ALGORITHMS[sig["alg"]][1]
            key = (proof["batch_root"], int(proof["tree_size"]), sig["sig"], sig["kid"], sig["alg"])
            groups.setdefault(key, []).append(
                (int(proof["index"]), receipt_leaf_hash(receipt, hash_alg), receipt)
            )
        except (KeyError, TypeError, ValueError):
            out.bad += 1
    answered = seen | {r for r in rejected_ids if r is not None}
    out.missing = len(expected - answered)
    for (root_text, size, sig_text, kid, alg), members in groups.items():
        suite_name, hash_alg = ALGORITHMS[alg]
        try:
            root = unb64(root_text)
            signature = unb64(sig_text)
        except ValueError:
            out.bad += len(members)
            continue
        if (root, size, signature) not in verified:
            try:
                get_suite(suite_name).verify(signing_keys[kid], batch_signing_message(root, size), signature)
            except Exception:  # any failure (unknown kid, bad signature) makes the receipts bad
                out.bad += len(members)
                continue
            verified.add((root, size, signature))
        whole = len(members) == size and sorted(i for i, _, _ in members) == list(range(size))
        if whole:
            members.sort(key=lambda m: m[0])
            out.trees_rebuilt += 1
            if MerkleTree([leaf for _, leaf, _ in members], hash_alg).root != root:
                out.bad += len(members)
                continue
            sample = [m for m in members if sample_every and rng.randrange(sample_every) == 0]
        else:
            sample = members
        for _, leaf, receipt in sample:
            out.proofs_checked += 1
            try:
                proof, claimed_root = proof_from_receipt(receipt)
            except ValueError:
                out.bad += 1
                continue
            if claimed_root != root or not verify_inclusion(leaf, proof, root, hash_alg):
                out.bad += 1
    return out


def check_tree_receipts(
    tree_head: Any,
    receipts: list[dict[str, Any]],
    sent_ids: list[str],
    rejected_ids: list[str | None],
    signing_keys: dict[str, bytes],
    verified: set[tuple[bytes, int, bytes]],
    sample_every: int,
    rng: random.Random,
) -> ReceiptCheck:
    """Check a ``?proofs=tree`` answer's receipts (``tree_head`` is its ``tree``).

    * Every record sent got a receipt or a rejection, every receipt is for a record sent, once.
    * Fresh receipts (leaf index, no path): they must name the signed tree head and fill its
      indexes 0..n-1 exactly; the root is rebuilt from all their leaf hashes (~n hashes) and must
      equal the signed root, whose signature is verified once per tree. Each receipt's own audit
      path is computed from the rebuilt tree and walked for a random sample of one in
      ``sample_every`` (0: none): the per-receipt proof a terminal keeps.
    * Full-form receipts (records stored by an earlier batch: a retry) go through
      :func:`check_receipts`.
    """
    from sealpost.adapters.crypto import get_suite
    from sealpost.client.receipts import ALGORITHMS, receipt_leaf_hash
    from sealpost.domain.merkle import MerkleTree, verify_inclusion
    from sealpost.domain.records import batch_signing_message, unb64

    out = ReceiptCheck()
    expected = set(sent_ids)
    seen: set[str] = set()
    fresh: list[dict[str, Any]] = []
    full: list[dict[str, Any]] = []
    for receipt in receipts:
        rid = receipt.get("record_id")
        if not isinstance(rid, str) or rid not in expected or rid in seen:
            out.bad += 1
            continue
        seen.add(rid)
        proof = receipt.get("proof")
        (fresh if isinstance(proof, dict) and "path" not in proof else full).append(receipt)
    out.missing = len(expected - seen - {r for r in rejected_ids if r is not None})
    if full:
        sub = check_receipts(
            full, [r["record_id"] for r in full], [], signing_keys, verified, sample_every, rng
        )
        out.bad += sub.bad
        out.proofs_checked += sub.proofs_checked
        out.trees_rebuilt += sub.trees_rebuilt
    if not fresh:
        return out
    try:
        root_text, size, sig = tree_head["batch_root"], int(tree_head["tree_size"]), tree_head["signature"]
        suite_name, hash_alg = ALGORITHMS[sig["alg"]]
        root, signature = unb64(root_text), unb64(sig["sig"])
        leaves: list[bytes | None] = [None] * size
        for receipt in fresh:
            proof = receipt["proof"]
            index = proof["index"]
            if not isinstance(index, int) or not 0 <= index < size:
                raise ValueError("leaf index outside the tree")
            if proof["batch_root"] != root_text or proof["tree_size"] != size or leaves[index] is not None:
                raise ValueError("receipt outside the signed tree, or an index twice")
            leaves[index] = receipt_leaf_hash(receipt, hash_alg)
        if (root, size, signature) not in verified:
            get_suite(suite_name).verify(
                signing_keys[sig["kid"]], batch_signing_message(root, size), signature
            )
            verified.add((root, size, signature))
    except Exception:  # any failure (malformed head, unknown kid, bad signature, index) fails them all
        out.bad += len(fresh)
        return out
    whole = [leaf for leaf in leaves if leaf is not None]
    if len(whole) != size:
        out.bad += len(fresh)
        return out
    tree = MerkleTree(whole, hash_alg)
    out.trees_rebuilt += 1
    if tree.root != root:
        out.bad += len(fresh)
        return out
    if sample_every:  # one leaf in sample_every, chosen at random (at least one per tree)
        for index in rng.sample(range(size), max(1, size // sample_every)):
            out.proofs_checked += 1
            if not verify_inclusion(whole[index], tree.proof(index), root, hash_alg):
                out.bad += 1
    return out


def _load_worker(plan: LoadPlan, start: Any, ready: Any, results: Any) -> None:
    """One terminal process: generate, wait for the start signal, post, check receipts, report."""
    with httpx.Client(base_url=plan.base_url, timeout=120.0) as http:
        keys = http.get("/v1/keys/platform").json()
    suite = keys["suite"]
    signing_keys = {kid: base64.b64decode(k) for kid, k in keys["signing_keys"].items()}
    batches = _generate(plan, base64.b64decode(keys["sealing_key"]["public"]), suite)
    # Like the API server (tune_gc_for_batches): each answer makes ~30 objects per receipt, and
    # the default thresholds would re-walk the pre-sealed batches on every young collection.
    tune_gc_for_batches()
    ready.put(len(batches))
    start.wait()
    queue = list(reversed(batches))
    lock = threading.Lock()
    latencies: list[tuple[float, int]] = []
    stats = {
        "receipts": 0,
        "rejected": 0,
        "errors": 0,
        "bad_receipts": 0,
        "missing_receipts": 0,
        "proofs_checked": 0,
        "trees_rebuilt": 0,
        "answer_bytes": 0,
    }
    verified_roots: set[tuple[bytes, int, bytes]] = set()
    began = time.perf_counter()
    cpu_began = time.process_time()
    interval = (plan.batch / plan.rate) if plan.rate > 0 else 0.0

    def sender(k: int) -> None:
        rng = random.Random(plan.seed * 100 + k)
        with httpx.Client(base_url=plan.base_url, timeout=120.0) as client:
            while True:
                with lock:
                    if not queue:
                        return
                    body, signature, ids = queue.pop()
                    sent_index = len(batches) - len(queue) - 1
                n = len(ids)
                if interval:
                    due = began + sent_index * interval
                    delay = due - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                t0 = time.perf_counter()
                for _attempt in range(5):
                    try:
                        response = client.post(
                            "/v1/records",
                            params={"proofs": plan.proofs},
                            content=body,
                            headers={
                                "authorization": f"Bearer {plan.creds.token}",
                                "content-type": "application/json",
                                "x-sealpost-signature": signature,
                                # a connection per batch, like terminals that post now and then:
                                # a few kept-alive connections would pin the whole load on the
                                # API workers that happened to accept them (one may get all)
                                "connection": "close",
                            },
                        )
                        if response.status_code < 500:
                            break
                    except httpx.TransportError:
                        time.sleep(0.2)
                else:
                    with lock:
                        stats["errors"] += n
                    continue
                answer = orjson.loads(response.content)
                receipts = answer.get("receipts", []) if response.status_code == 200 else []
                rejected = answer.get("rejected", []) if response.status_code == 200 else []
                rejected_ids = [r.get("record_id") for r in rejected]
                # a root two threads verify at once is merely verified twice
                if plan.proofs == "tree":
                    check = check_tree_receipts(
                        answer.get("tree"),
                        receipts,
                        ids,
                        rejected_ids,
                        signing_keys,
                        verified_roots,
                        plan.proof_sample,
                        rng,
                    )
                else:
                    check = check_receipts(
                        receipts, ids, rejected_ids, signing_keys, verified_roots, plan.proof_sample, rng
                    )
                latency = time.perf_counter() - t0
                with lock:
                    latencies.append((latency, len(receipts)))
                    stats["receipts"] += len(receipts)
                    stats["rejected"] += len(rejected)
                    stats["bad_receipts"] += check.bad
                    stats["missing_receipts"] += check.missing
                    stats["proofs_checked"] += check.proofs_checked
                    stats["trees_rebuilt"] += check.trees_rebuilt
                    stats["answer_bytes"] += len(response.content)

    threads = [threading.Thread(target=sender, args=(k,)) for k in range(plan.inflight)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    finished = time.perf_counter()
    results.put(
        {
            "began": time.time() - (finished - began),
            "ended": time.time(),
            "latencies": latencies,
            "cpu_s": time.process_time() - cpu_began,
            **stats,
        }
    )


# ----------------------------------------------------------------------------------- baseline


def _raw_insert(engine: Any, batch: int, terminal_ids: list[str]) -> tuple[int, float]:
    """Bulk-insert the rows this run stored (its terminals' records, not prefilled ones) again
    into an identical, empty table: (rows, seconds)."""
    import sqlalchemy as sa

    from sealpost.adapters.db.records_repo import columns_of, copy_record_columns, insert_record_columns
    from sealpost.adapters.db.tables.records import records

    pg = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        if pg:
            conn.exec_driver_sql("DROP TABLE IF EXISTS records_raw")
            conn.exec_driver_sql("CREATE TABLE records_raw (LIKE records INCLUDING ALL)")
        else:
            conn.exec_driver_sql("DROP TABLE IF EXISTS records_raw")
            schema = conn.exec_driver_sql(  # (its triggers act on updates and deletes only)
                "SELECT sql FROM sqlite_master WHERE tbl_name = 'records' AND sql IS NOT NULL"
                " AND type IN ('table', 'index') ORDER BY type DESC"
            ).all()
            for (sql,) in schema:  # the same table, constraints and indexes, under new names
                conn.exec_driver_sql(sql.replace("records", "records_raw"))
    with engine.connect() as conn:
        query = sa.select(records).where(records.c.terminal_id.in_(terminal_ids))
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for row in rows:
        row["record_id"] = str(row["record_id"])
        row["batch_id"] = str(row["batch_id"])
    started = time.perf_counter()
    for start in range(0, len(rows), batch):  # the record store's own write path, batch by batch
        with engine.begin() as conn:
            columns = columns_of(rows[start : start + batch])
            if pg:
                copy_record_columns(conn, "records_raw", columns)
            else:
                insert_record_columns(conn, "records_raw", columns)
    elapsed = time.perf_counter() - started
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE records_raw")
    return len(rows), elapsed


# ----------------------------------------------------------------------------------- prefill

#: SQLite: prefilled rows between merges of their blind-index tokens (two thirds of a day of a
#: 10 M-record, 30-day prefill: each merge stays within a day or two of the tokens).
_PREFILL_MERGE_EVERY = 200_000

#: Ciphertext lengths of the personal fields as the field cipher stores them (12-byte nonce +
#: UTF-8 plaintext + 16-byte tag), measured on bench rows: (min, max) per column.
_PREFILL_CIPHERTEXT = (
    ("sender_name_enc", 37, 47),
    ("sender_phone_enc", 46, 46),
    ("sender_address_enc", 85, 115),
    ("sender_id_number_enc", 53, 53),
    ("recipient_name_enc", 37, 47),
    ("recipient_phone_enc", 46, 46),
    ("recipient_address_enc", 85, 115),
)
#: A stored receipt body as the platform writes it (canonical JSON, ~740 bytes); the prefill
#: varies its record id, waybill number and times.
_PREFILL_RECEIPT: dict[str, Any] = {
    "collected_at": "",
    "company": "EMS",
    "item": {
        "category": "服装鞋帽",
        "declared_value_cny": 210,
        "name": "运动鞋",
        "quantity": 3,
        "weight_g": 12413,
    },
    "label_ref": "LXJPMQOQVZ3WLQFG",
    "marks": {"inspected": True, "real_name": True},
    "masked": {
        "recipient": {
            "address": "四川省成都市武侯区人民南路*座**号楼*单元***室",
            "county_code": "510107",
            "name": "纪*",
            "phone": "*******1940",
        },
        "sender": {
            "address": "青海省西宁市城中区长寿路*座**号楼*单元****室",
            "name": "王*",
            "phone": "*******6252",
        },
    },
    "received_at": "",
    "record_id": "",
    "route": {"destination_county": "510107", "origin_county": "320981", "sort_code": "51-01-07"},
    "version": 1,
    "waybill_no": "",
}


def _uuid7_int(ms: int, rng: random.Random) -> int:
    """A UUIDv7 (RFC 9562) as an integer: 48-bit Unix milliseconds, version, variant, random bits."""
    return (ms << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62) | rng.getrandbits(62)


def prefill(engine: Any, n: int, *, chunk: int = 20_000, days: int = 30, seed: int = 7) -> float:
    """Bulk-load ``n`` synthetic stored records (and their receipt batches) before a timed run, so
    the store can be measured at a realistic size ("holding at 10 million records"). Seconds taken.

    Rows have the sizes of real ones (ciphertexts ~1.3 kB per row in all, a ~740-byte receipt),
    random 16-byte blind-index keys (random keys are what makes those indexes expensive),
    time-ordered UUIDv7 record ids spread over the ``days`` before now (older than the run's),
    and S10 waybill numbers of another service indicator ("EB…CN") than the run's ("EA…"), so
    they never collide. One ``receipt_batches`` row per 1,000 rows carries the real Merkle root of
    their receipts (a prefilled record's receipt can be rebuilt), signed by nobody (random bytes,
    kid ``prefill``). Written with the store's own paths: binary COPY on PostgreSQL,
    ``executemany`` on SQLite, one transaction per ``chunk`` rows, indexes maintained as it goes.
    """
    import hashlib

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from sealpost.adapters.db.records_repo import RECORD_COLUMNS, RECORD_PG_TYPES, SqlRecordStore
    from sealpost.adapters.db.tables.records import receipt_batches
    from sealpost.domain.merkle import MerkleTree
    from sealpost.domain.records import canonical_json, format_time
    from sealpost.domain.waybill_numbers import s10_number
    from sealpost.services.record_rules import current_counties

    pg = engine.dialect.name == "postgresql"
    store = SqlRecordStore(engine)
    rng = random.Random(seed)
    counties = sorted(current_counties())
    pool = os.urandom(1 << 20)  # ciphertext bytes are random slices of this (incompressible)
    col = {name: i for i, name in enumerate(RECORD_COLUMNS)}
    template: list[Any] = [None] * len(RECORD_COLUMNS)
    fixed = {
        "company": "EMS",
        "outlet": "OUT-PREFILL",
        "courier_id": "c-prefill",
        "terminal_id": "t-prefill",
        "quantity": 1,
        "inspected": True if pg else 1,
        "sender_kind": "qr",
        "sender_document_type": "resident_id",
        "late": False if pg else 0,
    }
    for name, value in fixed.items():
        template[col[name]] = value
    enc = [(col[name], low, high) for name, low, high in _PREFILL_CIPHERTEXT]
    i_rid, i_wb, i_oc, i_dc = (
        col["record_id"],
        col["waybill_no"],
        col["origin_county"],
        col["destination_county"],
    )
    i_item, i_cat, i_w, i_v = (
        col["item_name"],
        col["item_category"],
        col["weight_g"],
        col["declared_value_fen"],
    )
    i_col, i_rec, i_lat = col["collected_at"], col["received_at"], col["latency_ms"]
    i_bid, i_bix, i_receipt = col["batch_id"], col["batch_index"], col["receipt"]
    i_bi = (col["bi_sender_id_number"], col["bi_sender_phone"], col["bi_recipient_phone"])
    cols = ", ".join(RECORD_COLUMNS)
    copy_sql = f"COPY records ({cols}) FROM STDIN (FORMAT BINARY)"
    insert_sql = f"INSERT INTO records ({cols}) VALUES ({', '.join('?' for _ in RECORD_COLUMNS)})"  # noqa: S608
    now_ms = int(time.time() * 1000) - 3_600_000
    start_ms = now_ms - days * 86_400_000
    step = (now_ms - start_ms) / max(n, 1)
    receipt = dict(_PREFILL_RECEIPT)
    limit = len(pool) - 128

    def rows(first: int, count: int) -> tuple[list[list[Any]], list[dict[str, Any]]]:
        out: list[list[Any]] = []
        batches: list[dict[str, Any]] = []
        leaves: list[bytes] = []
        batch_id: Any = None
        for k in range(first, first + count):
            if k % 1000 == 0 or batch_id is None:
                if leaves:
                    batches.append(_batch_row(batch_id, leaves))
                    leaves = []
                batch_uuid = uuid.UUID(int=_uuid7_int(int(start_ms + k * step), rng))
                batch_id = batch_uuid if pg else batch_uuid.hex
            ms = int(start_ms + k * step)
            rid = uuid.UUID(int=_uuid7_int(ms, rng))
            received = datetime.fromtimestamp(ms / 1000, UTC)
            collected = datetime.fromtimestamp((ms - 2000) / 1000, UTC)
            waybill = s10_number("EB", k % 100_000_000, "CN")
            item, category = ITEMS[k % len(ITEMS)]
            receipt["record_id"] = str(rid)
            receipt["waybill_no"] = waybill
            receipt["received_at"] = format_time(received)
            receipt["collected_at"] = format_time(collected)
            body = canonical_json(receipt)
            leaves.append(hashlib.sha256(b"\x00" + body).digest())
            v = template.copy()
            v[i_rid] = rid if pg else rid.hex
            v[i_wb] = waybill
            v[i_oc] = counties[rng.randrange(len(counties))]
            v[i_dc] = counties[rng.randrange(len(counties))]
            v[i_item], v[i_cat] = item, category
            v[i_w] = rng.randint(50, 20000)
            v[i_v] = rng.randint(0, 100000)
            if pg:
                v[i_col], v[i_rec] = collected, received
            else:
                v[i_col] = collected.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
                v[i_rec] = received.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
            v[i_lat] = 2000
            v[i_bid], v[i_bix], v[i_receipt] = batch_id, k % 1000, body
            for i, low, high in enc:
                o = rng.randrange(limit)
                v[i] = pool[o : o + rng.randint(low, high)]
            for i in i_bi:
                v[i] = rng.randbytes(16)
            out.append(v)
        if leaves:
            batches.append(_batch_row(batch_id, leaves))
        return out, batches

    def _batch_row(batch_id: Any, leaves: list[bytes]) -> dict[str, Any]:
        tree = MerkleTree(leaves)
        return {
            "batch_id": str(batch_id) if pg else str(uuid.UUID(hex=batch_id)),
            "signed_at": datetime.now(UTC),
            "source_kind": "terminal",
            "source_id": "t-prefill",
            "tree_size": tree.size,
            "root": tree.root,
            "kid": "prefill",
            "alg": "Ed25519",
            "signature": rng.randbytes(64),
            "leaf_hashes": b"".join(leaves),
        }

    started = time.perf_counter()
    columns = (
        TextColumn("预填 prefill"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} rows/s"),
        TimeRemainingColumn(),
    )
    with Progress(*columns) as progress:
        task = progress.add_task("prefill", total=n, rate="…")
        done = 0
        while done < n:
            count = min(chunk, n - done)
            values, batches = rows(done, count)
            with engine.begin() as conn:
                conn.execute(receipt_batches.insert(), batches)
                if pg:
                    import psycopg

                    driver = conn.connection.driver_connection
                    assert isinstance(driver, psycopg.Connection)
                    with driver.cursor() as cur, cur.copy(copy_sql) as copy:
                        copy.set_types(RECORD_PG_TYPES)
                        for row in values:
                            copy.write_row(row)
                else:
                    conn.exec_driver_sql(insert_sql, [tuple(row) for row in values])
            done += count
            if not pg and (done % _PREFILL_MERGE_EVERY == 0 or done == n):
                store.merge_blind_tokens()  # as the store's checkpoint thread would, in larger merges
            elapsed = time.perf_counter() - started
            progress.update(task, completed=done, rate=f"{done / elapsed:,.0f}")
    store.close()
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        if pg:
            conn.exec_driver_sql("ANALYZE records")
            with contextlib.suppress(Exception):
                conn.exec_driver_sql("CHECKPOINT")  # the timed run should not pay for the prefill's writes
        else:
            conn.exec_driver_sql("ANALYZE records")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - started


# ----------------------------------------------------------------------------------- the run


@contextlib.contextmanager
def _server(env: dict[str, str], port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "sealpost.cli", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the API server did not start; see {log}")
                time.sleep(0.3)
            yield proc
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


def run(
    records: int,
    db: str = "sqlite",
    batch: int = 1000,
    workers: int = 2,
    clients: int = 2,
    inflight: int = 2,
    rate: float = 0.0,
    qr_share: float = 0.3,
    keep: bool = False,
    proof_sample: int = 50,
    prefill_rows: int = 0,
    proofs: str = "tree",
    reuse: Path | None = None,
) -> dict[str, Any]:
    from sealpost.adapters.crypto import Keyring, get_suite, keyring_dir
    from sealpost.adapters.db.migrate import upgrade
    from sealpost.bootstrap import build_container
    from sealpost.config import Settings
    from sealpost.domain.organizations import generate_uscc
    from sealpost.services.agreement_customers import CustomerRegistration

    if reuse is not None and prefill_rows:
        raise KeptStoreError("--prefill and --reuse: the kept store is filled already")
    work = kept_store(reuse) if reuse is not None else Path(tempfile.mkdtemp(prefix="sealpost-bench-ingest-"))
    keep = keep or reuse is not None
    url, pg_name = _setup_database(db, work, reuse is not None)
    port = free_port()
    env = {
        **os.environ,
        "SEALPOST_ENV": "development",
        "SEALPOST_DATA_DIR": str(work / "data"),
        "SEALPOST_LOG_LEVEL": "warning",
        "SEALPOST_WORKERS": str(workers),
        "SEALPOST_RECEIPT_DEADLINE_S": "86400",
        "SEALPOST_HOST": "127.0.0.1",
    }
    if url:
        env["SEALPOST_DATABASE_URL"] = url
    settings = Settings(data_dir=work / "data", database_url=url, env="development", _env_file=None)
    try:
        print(
            f"准备 preparing: {records:,} records, {db}, batch {batch}, {workers} server workers, "
            f"{clients} load processes × {inflight} in flight",
            flush=True,
        )
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(settings.effective_database_url)
        Keyring.open_or_create(
            keyring_dir(settings), settings.keyring_passphrase.get_secret_value(), suite=settings.crypto_suite
        )
        container = build_container(settings, configure_logs=False)
        prefill_s = prefill(container.engine, prefill_rows) if prefill_rows else 0.0
        stored_before = container.records.count()
        service = _unused_waybill_service(container.engine)
        suite = get_suite(settings.crypto_suite)
        customer = CustomerRegistration(container.agreement_customers, container.clock).register(
            company="EMS",
            org_name="示例电子商务有限公司",
            uscc=generate_uscc(random.Random()),  # a customer of its own (a kept store has earlier runs')
            agreement_no="EMS-AQ-BENCH",
            agreement_start=container.clock.now().date().replace(month=1, day=1),
            agreement_end=container.clock.now().date().replace(year=container.clock.now().year + 1),
            responsible_name="张三",
            responsible_document_number="11010519491231002X",
        )
        per_client = [records // clients + (1 if i < records % clients else 0) for i in range(clients)]
        plans: list[LoadPlan] = []
        for i, n in enumerate(per_client):
            pair = suite.new_signing_key()
            terminal, token = container.terminals.register(
                company="EMS",
                outlet=f"OUT-{i:03d}",
                courier_id=f"c-bench-{i}",
                suite=suite.name,
                public_key=pair.public,
                now=container.clock.now(),
            )
            refs = _issue_refs(container, terminal.courier_id, int(n * qr_share))
            plans.append(
                LoadPlan(
                    base_url=f"http://127.0.0.1:{port}",
                    creds=TerminalCreds(
                        terminal.terminal_id, token, pair.private, "EMS", terminal.outlet, terminal.courier_id
                    ),
                    records=n,
                    batch=batch,
                    inflight=inflight,
                    rate=rate / clients if rate > 0 else 0.0,
                    refs=refs,
                    customer_id=customer.customer_id,
                    seed=1000 + i,
                    waybill_start=1 + i * 10_000_000,
                    waybill_service=service,
                    proof_sample=proof_sample,
                    proofs=proofs,
                )
            )
        container.close()
        with _server(env, port, work / "server.log") as server:
            ctx = mp.get_context("spawn")
            start, ready, results = ctx.Event(), ctx.Queue(), ctx.Queue()
            procs = [ctx.Process(target=_load_worker, args=(p, start, ready, results)) for p in plans]
            for p in procs:
                p.start()
            for _ in procs:
                ready.get(timeout=3600)
            print("封装完成，开始计时 sealed: timed phase starts", flush=True)
            cpu_before = group_cpu_seconds(server.pid)
            db_cpu_before = postgres_cpu_seconds() if db == "postgres" else None
            start.set()
            outs = [results.get(timeout=7200) for _ in procs]
            server_cpu = group_cpu_seconds(server.pid) - cpu_before
            db_cpu = postgres_cpu_seconds() - db_cpu_before if db_cpu_before is not None else None
            for p in procs:
                p.join(60)
        began = min(o["began"] for o in outs)
        ended = max(o["ended"] for o in outs)
        receipts = sum(o["receipts"] for o in outs)
        per_record = sorted(lat for o in outs for lat, n in o["latencies"] for _ in range(n))
        container = build_container(settings, configure_logs=False)
        stored = container.records.count() - stored_before
        raw_rows, raw_seconds = _raw_insert(container.engine, batch, [p.creds.terminal_id for p in plans])
        container.close()
        elapsed = ended - began
        e2e = receipts / elapsed if elapsed > 0 else 0.0
        raw_rate = raw_rows / raw_seconds if raw_seconds > 0 else 0.0
        figures: dict[str, Any] = {
            "db": db,
            "records": records,
            "receipts": receipts,
            "stored": stored,
            "prefilled_rows": prefill_rows,
            "stored_before": stored_before,
            "prefill_rows_per_s": round(prefill_rows / prefill_s) if prefill_s else None,
            "rejected": sum(o["rejected"] for o in outs),
            "failed": sum(o["errors"] for o in outs),
            "bad_receipts": sum(o["bad_receipts"] for o in outs),
            "missing_receipts": sum(o["missing_receipts"] for o in outs),
            # every tree's root rebuilt from all its receipts + one signature check per tree;
            # each receipt's own proof path walked for a random 1-in-proof_sample sample
            "trees_rebuilt": sum(o["trees_rebuilt"] for o in outs),
            "proofs": proofs,
            "answer_bytes_per_record": round(sum(o["answer_bytes"] for o in outs) / receipts)
            if receipts
            else None,
            "proof_sample_1_in": proof_sample or None,
            "proofs_checked": sum(o["proofs_checked"] for o in outs),
            "batch": batch,
            "server_workers": workers,
            "load_processes": clients,
            "inflight_per_process": inflight,
            "target_rate_per_s": rate or None,
            "qr_share": qr_share,
            # hot-path modules compiled by mypyc (``make native``; 0: pure Python). The server
            # runs with this process's environment, so it imports the same build.
            "native_modules": len(compiled_modules()),
            "elapsed_s": round(elapsed, 2),
            "records_per_s": round(e2e),
            "receipt_p50_ms": round(percentile(per_record, 50) * 1000, 1),
            "receipt_p99_ms": round(percentile(per_record, 99) * 1000, 1),
            "receipt_max_ms": round(per_record[-1] * 1000, 1) if per_record else None,
            "server_cpu_us_per_record": round(server_cpu / receipts * 1e6) if receipts else None,
            # the load generators share the machine's cores: what posting and verifying cost them
            "client_cpu_us_per_record": (
                round(sum(o["cpu_s"] for o in outs) / receipts * 1e6) if receipts else None
            ),
            # every PostgreSQL server process (backends, WAL writer, checkpointer...; whatever else
            # the server does meanwhile too) per stored record; SQLite's work is in the API processes
            "db_cpu_us_per_record": round(db_cpu / stored * 1e6) if db_cpu is not None and stored else None,
            "raw_insert_rows_per_s": round(raw_rate),
            "ratio_to_raw_insert": round(e2e / raw_rate, 3) if raw_rate else None,
            "cpu_count": os.cpu_count(),
            "load_avg_1m": round(os.getloadavg()[0], 2),
        }
        report(f"ingest end to end ({db})", figures)
        return figures
    finally:
        if pg_name and not keep:
            drop_throwaway_pg(pg_name)
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            (work / KEPT_FILE).write_bytes(orjson.dumps({"db": db, "url": url, "pg_name": pg_name}))
            print(f"kept: {work} {pg_name or ''} (run again on it: --reuse {work})", file=sys.stderr)
