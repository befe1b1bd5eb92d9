"""Shared fixtures.

``db_url`` runs a storage test twice: on a fresh SQLite file and on a fresh PostgreSQL database
(127.0.0.1:5432). Each test gets its own migrated database, copied from a template migrated once
per session. When PostgreSQL is unreachable the PostgreSQL half is skipped with the reason printed;
``make test`` (and so CI) starts PostgreSQL first, so CI never skips it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sealpost.adapters.db.engine import make_engine
from sealpost.adapters.db.migrate import upgrade
from sealpost.config import Settings

PG_ADMIN_URL = os.environ.get("SEALPOST_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_HOST_URL = PG_ADMIN_URL.rsplit("/", 1)[0]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--soak", action="store_true", default=False, help="run long soak/load tests (make soak)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--soak"):
        return
    skip = pytest.mark.skip(reason="soak test: run with `make soak`")
    for item in items:
        if "soak" in item.keywords:
            item.add_marker(skip)


def _pg_admin() -> object | None:
    import psycopg

    try:
        return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        return None


@pytest.fixture(scope="session")
def pg_available() -> bool:
    conn = _pg_admin()
    if conn is None:
        return False
    conn.close()  # type: ignore[attr-defined]
    return True


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    make_engine(url).dispose()
    return path


@pytest.fixture(scope="session")
def pg_template(pg_available: bool) -> Iterator[str | None]:
    if not pg_available:
        yield None
        return
    name = f"sealpost_tpl_{uuid.uuid4().hex[:10]}"
    conn = _pg_admin()
    conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[attr-defined]
    upgrade(f"postgresql+psycopg://{PG_HOST_URL.split('://', 1)[1]}/{name}")
    yield name
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[attr-defined]
    conn.close()  # type: ignore[attr-defined]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A fresh, migrated database: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "sealpost.db"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("pg_template")
    if template is None:
        pytest.skip(f"PostgreSQL unreachable at {PG_HOST_URL} (make test starts it)")
    name = f"sealpost_t_{uuid.uuid4().hex[:12]}"
    conn = _pg_admin()
    conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')  # type: ignore[attr-defined]
    try:
        yield f"postgresql+psycopg://{PG_HOST_URL.split('://', 1)[1]}/{name}"
    finally:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[attr-defined]
        conn.close()  # type: ignore[attr-defined]


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for a test: its own data folder, embedded SQLite, development secrets."""
    return Settings(env="test", data_dir=tmp_path / "data", _env_file=None)  # type: ignore[call-arg]
