"""The production wiring: the container's crypto kit, the sealed collection record as the source of
the recipient's number, the SQL repository — bind and route through the API on both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from sealpost.adapters.db.tables.calls import calls_routes
from sealpost.adapters.db.tables.records import records
from sealpost.adapters.db.types import UtcDateTime
from sealpost.adapters.telephony import RECORD_FIELD_RECIPIENT_PHONE, calls_kit
from sealpost.api.app import create_app
from sealpost.api.auth import terminal_principal
from sealpost.bootstrap import build_container
from sealpost.config import Settings
from sealpost.domain.calls import PoolNumber
from sealpost.ports.terminals import Terminal

RECIPIENT = "13812345678"
COURIER = "13900001111"


def _record_row(record_id: str, waybill_no: str, phone_enc: bytes) -> dict[str, Any]:
    """A ``records`` row: the fields this test needs, placeholders of the right type elsewhere."""
    row: dict[str, Any] = {}
    for col in records.columns:
        if col.nullable:
            continue
        if isinstance(col.type, UtcDateTime | sa.DateTime):
            row[col.name] = datetime.now(UTC)
            continue
        python_type = col.type.python_type
        if python_type is str:
            row[col.name] = "x"
        elif python_type is bool:
            row[col.name] = False
        elif python_type is int:
            row[col.name] = 0
        elif python_type is bytes:
            row[col.name] = b"\x00"
    row.update(record_id=record_id, waybill_no=waybill_no, recipient_phone_enc=phone_enc, company="EMS")
    row["batch_id"] = str(uuid.uuid4())
    return row


def test_bind_and_route_with_the_real_kit(db_url: str, tmp_path: Path) -> None:
    settings = Settings(env="test", data_dir=tmp_path / "data", database_url=db_url, _env_file=None)
    container = build_container(settings, configure_logs=False)
    try:
        record_id = str(uuid.uuid4())
        enc = container.crypto.fields.encrypt_text(record_id, RECORD_FIELD_RECIPIENT_PHONE, RECIPIENT)
        with container.engine.begin() as conn:
            conn.execute(records.insert().values(**_record_row(record_id, "EA123456785CN", enc)))
        kit = calls_kit(container)
        assert calls_kit(container) is kit
        assert kit.recipients.recipient_phone("EA123456785CN") == RECIPIENT
        assert kit.recipients.recipient_phone("EA000000000CN") is None
        assert kit.recipients.recipient_phone("EA123456785CN", "EMS") == RECIPIENT
        assert kit.recipients.recipient_phone("EA123456785CN", "SF") is None
        kit.repo.add_pool_numbers([PoolNumber("17000000001", "3101", "axb")])
        app = create_app(container=container)
        app.dependency_overrides[terminal_principal] = lambda: Terminal(
            terminal_id="t-1",
            company="EMS",
            outlet="310115-001",
            courier_id="c-1",
            suite="intl",
            public_key=b"",
        )
        with TestClient(app) as client:
            res = client.post(
                "/v1/calls/bindings",
                json={"waybill_no": "EA123456785CN", "courier_phone": COURIER, "city": "310115"},
            )
            assert res.status_code == 201, res.text
            assert RECIPIENT not in res.text
            route = client.get("/v1/calls/route", params={"caller": COURIER, "x": "17000000001"}).json()
            assert route["callee"] == RECIPIENT
            route = client.get("/v1/calls/route", params={"caller": RECIPIENT, "x": "17000000001"}).json()
            assert route["callee"] == COURIER
        with container.engine.connect() as conn:
            sealed = [bytes(r[0]) for r in conn.execute(sa.select(calls_routes.c.callee_sealed))]
        assert len(sealed) == 2
        for blob in sealed:
            assert RECIPIENT.encode() not in blob
            assert COURIER.encode() not in blob
    finally:
        container.close()
