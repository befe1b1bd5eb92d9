"""Fixtures for the sender area: an API client on a fresh database (SQLite, then PostgreSQL)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sealpost.api.app import create_app
from sealpost.bootstrap import Container, build_container
from sealpost.client.identity_qr import SenderDevice
from sealpost.config import Settings
from sealpost.domain.identity import check_character
from sealpost.ports.clock import FixedClock

#: Every sender test runs at this instant (ages and expiry are deterministic).
NOW = datetime(2026, 11, 28, 10, 0, 0, tzinfo=UTC)


def citizen_number(birth: date, *, region: str = "110105", sequence: int = 123) -> str:
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + check_character(body)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def sender_clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def sender_container(db_url: str, tmp_path: Path, sender_clock: FixedClock) -> Iterator[Container]:
    settings = Settings(
        env="test",
        data_dir=tmp_path / "data",
        database_url=db_url,
        _env_file=None,
    )
    container = build_container(settings, clock=sender_clock, configure_logs=False)
    yield container
    container.close()


@pytest.fixture
def sender_api(sender_container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container=sender_container)) as client:
        yield client


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
