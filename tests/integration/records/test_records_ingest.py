"""Ingest on SQLite and PostgreSQL: sealed records in, signed receipts out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from records_support import (
    CLEAR_VALUES,
    SENDER_ID,
    SimTerminal,
    dump_storage_bytes,
    issue_ref,
    parsed,
    personal,
    sealed_batch,
)
from sealpost.adapters.db.tables.records import identity_refs, records
from sealpost.bootstrap import Container
from sealpost.client.receipts import verify_receipt
from sealpost.domain import events as ev
from sealpost.domain.records import PersonalFields, format_time
from sealpost.services.ingest import Source


def _source(t: SimTerminal) -> Source:
    return Source("terminal", t.terminal.terminal_id)


def _records(container: Container, t: SimTerminal, n: int) -> list[tuple[dict[str, Any], PersonalFields]]:
    out: list[tuple[dict[str, Any], PersonalFields]] = []
    for _ in range(n):
        ref = issue_ref(container, t.terminal.courier_id)
        out.append((t.meta(identity_ref=ref.ref), personal()))
    return out


def test_a_batch_is_stored_once_with_signed_receipts_that_verify(
    container: Container, terminal: SimTerminal
) -> None:
    session = terminal.session()
    batch = parsed(sealed_batch(session, _records(container, terminal, 5)))
    outcome = container.ingestor.ingest(batch, _source(terminal))
    assert outcome.rejected == []
    assert outcome.stored == 5
    receipts = outcome.receipt_list()
    keys = container.crypto.public_signing_keys()
    for receipt in receipts:
        verify_receipt(receipt, keys)
        assert receipt["masked"]["sender"]["name"] == "司马**"
        assert receipt["masked"]["recipient"]["phone"] == "*******5678"
        assert receipt["proof"]["tree_size"] == 5
    assert container.records.count() == 5
    # The stored receipt comes back identical (proof rebuilt from the batch's leaves).
    for receipt in receipts:
        assert container.records.get_receipt(receipt["record_id"]) == receipt
        assert container.records.get_by_waybill(receipt["waybill_no"]) == receipt


def test_a_retried_record_returns_the_same_receipt_and_is_stored_once(
    container: Container, terminal: SimTerminal
) -> None:
    session = terminal.session()
    items = _records(container, terminal, 3)
    first = container.ingestor.ingest(parsed(sealed_batch(session, items)), _source(terminal))
    # The terminal retries the same records (re-sealed, new counter), plus one new record.
    more = _records(container, terminal, 1)
    second = container.ingestor.ingest(parsed(sealed_batch(session, items + more)), _source(terminal))
    assert second.duplicates == 3 and second.stored == 1
    assert second.receipt_list()[:3] == first.receipt_list()
    assert container.records.count() == 4


def test_the_same_record_twice_in_one_batch_is_stored_once(
    container: Container, terminal: SimTerminal
) -> None:
    session = terminal.session()
    items = _records(container, terminal, 1)
    outcome = container.ingestor.ingest(parsed(sealed_batch(session, items + items)), _source(terminal))
    assert outcome.stored == 1
    a, b = outcome.receipt_list()
    assert a == b
    assert container.records.count() == 1


def test_a_bad_record_is_rejected_with_its_reason_and_the_rest_go_through(
    container: Container, terminal: SimTerminal
) -> None:
    session = terminal.session()
    good = _records(container, terminal, 3)
    ref = issue_ref(container, terminal.terminal.courier_id)
    bad = [
        (terminal.meta(identity_ref=ref.ref, destination_county="999999"), personal()),
        (terminal.meta(identity_ref="NOSUCHREF", quantity=1), personal()),
        (terminal.meta(identity_ref=ref.ref, waybill_no="EA123456784CN"), personal()),  # wrong check digit
        (terminal.meta(identity_ref=ref.ref, inspected=False), personal()),
        (terminal.meta(identity_ref=ref.ref, record_id="not-a-uuid"), personal()),
        (terminal.meta(identity_ref=ref.ref), personal(recipient_phone="12345")),
    ]
    payload = sealed_batch(session, [good[0], *bad, good[1], good[2]])
    payload["records"][2]["sealed"] = payload["records"][3]["sealed"]  # a box moved to another record
    outcome = container.ingestor.ingest(parsed(payload), _source(terminal))
    reasons = {r.index: r.reason for r in outcome.rejected}
    assert reasons == {
        1: "county_invalid",
        2: "unseal_failed",
        3: "waybill_invalid",
        4: "inspection_missing",
        5: "record_id_invalid",
        6: "recipient_phone_invalid",
    }
    assert [i for i, _ in outcome.receipts] == [0, 7, 8]
    assert container.records.count() == 3
    assert container.events.count_by_kind().get(ev.INSPECTION_REFUSED) == 1


def test_identity_refs_are_redeemed_once_for_their_courier(
    container: Container, terminal: SimTerminal
) -> None:
    session = terminal.session()
    ref = issue_ref(container, terminal.terminal.courier_id)
    other = issue_ref(container, "c-someone-else")
    batch = sealed_batch(
        session,
        [
            (terminal.meta(identity_ref=ref.ref), personal()),
            (terminal.meta(identity_ref=ref.ref), personal()),  # same ref, second parcel
            (terminal.meta(identity_ref=other.ref), personal()),
        ],
    )
    outcome = container.ingestor.ingest(parsed(batch), _source(terminal))
    assert [r.reason for r in outcome.rejected] == ["identity_ref_invalid", "identity_ref_invalid"]
    with container.engine.connect() as conn:
        used = conn.execute(
            sa.select(identity_refs.c.ref).where(identity_refs.c.redeemed_at.is_not(None))
        ).all()
    assert [r[0] for r in used] == [ref.ref]
    # A later batch cannot use it again.
    again = container.ingestor.ingest(
        parsed(sealed_batch(session, [(terminal.meta(identity_ref=ref.ref), personal())])), _source(terminal)
    )
    assert [r.reason for r in again.rejected] == ["identity_ref_invalid"]


def test_late_records_are_counted_and_raise_a_regulator_event(
    container: Container, terminal: SimTerminal
) -> None:
    session = terminal.session()
    ref = issue_ref(container, terminal.terminal.courier_id)
    collected = format_time(datetime.now(UTC) - timedelta(seconds=95))
    outcome = container.ingestor.ingest(
        parsed(
            sealed_batch(session, [(terminal.meta(identity_ref=ref.ref, collected_at=collected), personal())])
        ),
        _source(terminal),
    )
    assert outcome.late == 1
    with container.engine.connect() as conn:
        late, latency = conn.execute(sa.select(records.c.late, records.c.latency_ms)).one()
    assert late is True and 94_000 <= latency <= 120_000
    events = container.events.recent(ev.LATE_RECEIPT)
    assert len(events) == 1 and events[0].detail["latency_ms"] == latency


def test_sessions_from_another_or_revoked_terminal_are_refused(
    container: Container, terminal: SimTerminal
) -> None:
    from records_support import register_terminal

    intruder = register_terminal(container, courier_id="c-2002")
    session = intruder.session()
    ref = issue_ref(container, intruder.terminal.courier_id)
    batch = parsed(sealed_batch(session, [(intruder.meta(identity_ref=ref.ref), personal())]))
    outcome = container.ingestor.ingest(batch, _source(terminal))  # submitted under another terminal's token
    assert [r.reason for r in outcome.rejected] == ["terminal_mismatch"]
    # A forged session signature.
    payload = sealed_batch(terminal.session(), [(terminal.meta(identity_ref=ref.ref), personal())])
    claim = next(iter(payload["sessions"].values()))
    claim["signature"] = claim["signature"][:-4] + (
        "AAA=" if not claim["signature"].endswith("AAA=") else "BBB="
    )
    outcome = container.ingestor.ingest(parsed(payload), _source(terminal))
    assert [r.reason for r in outcome.rejected] == ["session_signature_invalid"]


@pytest.mark.parametrize("item", ["手枪", "仿真枪", "冰毒"])
def test_prohibited_items_are_rejected_at_ingest_with_an_interception_event(
    container: Container, terminal: SimTerminal, item: str
) -> None:
    ref = issue_ref(container, terminal.terminal.courier_id)
    outcome = container.ingestor.ingest(
        parsed(
            sealed_batch(
                terminal.session(), [(terminal.meta(identity_ref=ref.ref, item_name=item), personal())]
            )
        ),
        _source(terminal),
    )
    assert [r.reason for r in outcome.rejected] == ["item_prohibited"]
    assert container.events.count_by_kind().get(ev.INTERCEPTION) == 1


def test_no_plaintext_personal_data_at_rest(container: Container, terminal: SimTerminal) -> None:
    session = terminal.session()
    container.ingestor.ingest(
        parsed(sealed_batch(session, _records(container, terminal, 4))), _source(terminal)
    )
    with container.engine.connect() as conn:
        row = conn.execute(sa.select(records)).first()
    assert row is not None
    # The platform can read it back (it is encrypted, not lost)…
    rid = str(row._mapping["record_id"])
    assert (
        container.crypto.fields.decrypt_text(rid, "sender_id_number", row._mapping["sender_id_number_enc"])
        == SENDER_ID
    )
    assert row._mapping["bi_sender_id_number"] == container.crypto.blind.index("id_number", SENDER_ID)
    # …but no clear value is anywhere in the database's bytes (SQLite: its tokens file too).
    if container.engine.dialect.name == "sqlite":
        assert container.records.merge_blind_tokens() == 4
    data = dump_storage_bytes(container)
    for value in CLEAR_VALUES:
        assert value.encode("utf-8") not in data, value
