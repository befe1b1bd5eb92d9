"""Fixtures for the pipeline's integration tests: a container on the test database (SQLite and
PostgreSQL through ``db_url``) with a fast keyring, and a registered terminal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from records_support import SimTerminal, make_container, make_settings, register_terminal
from sealpost.bootstrap import Container


@pytest.fixture
def container(tmp_path: Path, db_url: str) -> Iterator[Container]:
    c = make_container(make_settings(tmp_path / "data", db_url))
    yield c
    c.close()


@pytest.fixture
def terminal(container: Container) -> SimTerminal:
    return register_terminal(container)
