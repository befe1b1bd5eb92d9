"""What ingest stores for each record, column by column: every personal field decrypts to its
value under its own record id and field name, the blind indexes are the keyed tokens of the
right values, the stored receipt is the receipt's canonical leaf, and the clear metadata is the
record's (QR senders and agreement customers mixed in one batch, on SQLite and PostgreSQL)."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from records_support import (
    RECIPIENT_ADDRESS,
    RECIPIENT_NAME,
    SENDER_ADDRESS,
    SENDER_ID,
    SENDER_NAME,
    SimTerminal,
    issue_ref,
    parsed,
    personal,
    sealed_batch,
)
from sealpost.adapters.db.tables.records import records
from sealpost.bootstrap import Container
from sealpost.domain.organizations import generate_uscc
from sealpost.domain.records import receipt_leaf_bytes
from sealpost.ports.crypto import DecryptionFailed
from sealpost.services.agreement_customers import CustomerRegistration
from sealpost.services.ingest import Source

SHOP = "杭州示例电子商务有限公司"


def _customer_id(container: Container) -> str:
    return (
        CustomerRegistration(container.agreement_customers, container.clock)
        .register(
            company="EMS",
            org_name=SHOP,
            uscc=generate_uscc(random.Random(5)),
            agreement_no="EMS-AQ-2026-0009",
            agreement_start=date(2026, 1, 1),
            agreement_end=date(2027, 12, 31),
            responsible_name=SENDER_NAME,
            responsible_document_number=SENDER_ID,
        )
        .customer_id
    )


def test_every_stored_column_holds_the_records_own_values(
    container: Container, terminal: SimTerminal
) -> None:
    customer = _customer_id(container)
    courier = terminal.terminal.courier_id
    items: list[tuple[dict[str, Any], Any]] = []
    for k in range(6):
        phones = {"sender_phone": f"1380013{k:04d}", "recipient_phone": f"1391234{k:04d}"}
        if k % 2:
            meta = terminal.meta(sender_kind="agreement", agreement_customer_id=customer, quantity=k + 1)
        else:
            meta = terminal.meta(identity_ref=issue_ref(container, courier).ref, quantity=k + 1)
        items.append((meta, personal(**phones)))
    outcome = container.ingestor.ingest(
        parsed(sealed_batch(terminal.session(), items)), Source("terminal", terminal.terminal.terminal_id)
    )
    assert outcome.rejected == [] and outcome.stored == 6
    receipts = {r["record_id"]: r for r in outcome.receipt_list()}
    fields, blind = container.crypto.fields, container.crypto.blind
    with container.engine.connect() as conn:
        rows = {str(r.record_id): r._mapping for r in conn.execute(sa.select(records))}
    assert len(rows) == 6
    for k, (meta, p) in enumerate(items):
        row = rows[meta["record_id"]]
        rid = meta["record_id"]
        agreement = bool(k % 2)

        def clear(field: str, row: Any = row, rid: str = rid) -> str:
            return fields.decrypt_text(rid, field, row[f"{field}_enc"])

        assert clear("sender_name") == (SHOP if agreement else SENDER_NAME)
        assert clear("sender_phone") == p.sender.phone
        assert clear("sender_address") == SENDER_ADDRESS
        assert clear("recipient_name") == RECIPIENT_NAME
        assert clear("recipient_phone") == p.recipient.phone
        assert clear("recipient_address") == RECIPIENT_ADDRESS
        if agreement:
            assert row["sender_id_number_enc"] is None and row["bi_sender_id_number"] is None
        else:
            assert clear("sender_id_number") == SENDER_ID
            assert row["bi_sender_id_number"] == blind.index("id_number", SENDER_ID)
        assert row["bi_sender_phone"] == blind.index("phone", p.sender.phone)
        assert row["bi_recipient_phone"] == blind.index("phone", p.recipient.phone)
        # a field's ciphertext does not open as another record's or another field's
        other = items[(k + 1) % 6][0]["record_id"]
        for wrong_rid, wrong_field in ((other, "recipient_phone"), (rid, "sender_phone")):
            with pytest.raises(DecryptionFailed):
                fields.decrypt_text(wrong_rid, wrong_field, row["recipient_phone_enc"])
        receipt = receipts[rid]
        assert bytes(row["receipt"]) == receipt_leaf_bytes(receipt)
        assert (
            orjson.loads(row["receipt"])["masked"]["recipient"]["phone"] == "*******" + p.recipient.phone[-4:]
        )
        assert row["batch_index"] == receipt["proof"]["index"]
        assert str(row["batch_id"]) == outcome.batch_id
        assert (row["waybill_no"], row["quantity"], row["sender_kind"]) == (
            meta["waybill_no"],
            k + 1,
            meta["sender_kind"],
        )
        assert row["agreement_customer_id"] == (customer if agreement else None)
        assert row["sender_document_type"] == ("organisation" if agreement else "resident_id")
        assert row["late"] is False and 0 <= row["latency_ms"] < 60_000
        assert row["enterprise_client_id"] is None and row["inspected"] is True
