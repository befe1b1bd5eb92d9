"""Fixtures for the sender area: an API client on a fresh database (SQLite, then PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from senders_support import NOW

from sealpost.api.app import create_app
from sealpost.bootstrap import Container, build_container
from sealpost.config import Settings
from sealpost.ports.clock import FixedClock


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
