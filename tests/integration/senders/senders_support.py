"""Helpers shared by the sender tests (a uniquely named module: pytest imports it by its bare name)."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient

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
