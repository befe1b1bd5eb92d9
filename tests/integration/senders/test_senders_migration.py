"""The senders_0001 migration creates exactly the tables the code declares (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from sealpost.adapters.db.metadata import metadata
from sealpost.adapters.db.tables import load_all

MINE = {"senders", "sender_devices", "sender_token_replay"}


def _table_of(diff: object) -> str | None:
    item = diff[0] if isinstance(diff, list) else diff
    for part in item if isinstance(item, tuple) else ():
        name = getattr(part, "name", None)
        table = getattr(part, "table", None)
        if table is not None and getattr(table, "name", None):
            return str(table.name)
        if name in MINE:
            return str(name)
        if isinstance(part, str) and part in MINE:
            return part
    return None


def test_senders_migration_matches_the_tables(engine: Engine) -> None:
    load_all()
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), metadata)
    mine = [d for d in diffs if _table_of(d) in MINE]
    assert mine == []
