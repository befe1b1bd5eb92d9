"""Helpers shared by the sender tests (a uniquely named module: pytest imports it by its bare name)."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from sealpost.bootstrap import Container
from sealpost.client.identity_qr import SenderDevice
from sealpost.domain.identity import check_character

#: Every sender test runs at this instant (ages and expiry are deterministic).
NOW = datetime(2026, 11, 28, 10, 0, 0, tzinfo=UTC)


def citizen_number(birth: date, *, region: str = "110105", sequence: int = 123) -> str:
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + check_character(body)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def enroll_typed(
    client: TestClient,
    device: SenderDevice,
    *,
    number: str,
    name: str = "张三丰",
    phone: str = "13812345678",
    **extra: str,
) -> Any:
    data = {
        "device_public_key": b64(device.public_key()),
        "number": number,
        "name": name,
        "phone": phone,
        **extra,
    }
    return client.post("/v1/senders/enroll", data=data)


def sender_and_courier(
    api: TestClient, container: Container, *, born: date = date(1988, 5, 1), courier_id: str = "courier-9"
) -> tuple[SenderDevice, str]:
    """An enrolled sender's phone (typed enrollment through ``api``) and a courier terminal's token."""
    device = SenderDevice.generate(platform_sealing_key=container.crypto.sealing_public_key())
    device.sender_id = UUID(enroll_typed(api, device, number=citizen_number(born)).json()["sender_id"])
    _terminal, token = container.terminals.register(
        company="SF", outlet="BJ-001", courier_id=courier_id, suite="intl", public_key=b"\x01" * 32, now=NOW
    )
    return device, token
