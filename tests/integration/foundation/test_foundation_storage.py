"""The foundation's storage: migrations and the regulator event log, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from sealpost.adapters.db.events_repo import SqlEventLog
from sealpost.adapters.db.migrate import is_up_to_date, upgrade
from sealpost.domain import events as ev


def test_migrations_reach_every_head_and_are_idempotent(engine: Engine, db_url: str) -> None:
    assert is_up_to_date(engine)
    upgrade(db_url)  # a second run changes nothing
    assert is_up_to_date(engine)
    assert "regulator_events" in sa.inspect(engine).get_table_names()


def test_migrations_and_table_definitions_agree(engine: Engine) -> None:
    """Every table module and the hand-written migrations describe the same schema (no drift)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from sealpost.adapters.db.metadata import metadata
    from sealpost.adapters.db.tables import load_all
    from sealpost.adapters.db.tables.records import ONLY_ON

    load_all()
    dialect = engine.dialect.name

    def on_this_dialect(obj: object, name: str | None, kind: str, reflected: bool, other: object) -> bool:
        only = getattr(obj, "info", {}).get(ONLY_ON)  # an index that exists on one dialect only
        return only is None or only == dialect

    with engine.connect() as conn:  # SQLite's expression indexes (records_0003) are not reflected
        opts = {"compare_type": True, "include_object": on_this_dialect}
        context = MigrationContext.configure(conn, opts=opts)
        assert compare_metadata(context, metadata) == []


def test_event_log_appends_and_counts(engine: Engine) -> None:
    log = SqlEventLog(engine)
    t0 = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    log.append(
        ev.RegulatorEvent(ev.INTERCEPTION, t0, company="EMS", county_code="110105", detail={"category": 1})
    )
    log.append(ev.RegulatorEvent(ev.INTERCEPTION, t0 + timedelta(hours=1), company="SF"))
    log.append(ev.RegulatorEvent(ev.ID_REFUSED, t0 + timedelta(hours=2), reason="sender_refused_id"))
    assert log.count_by_kind() == {ev.INTERCEPTION: 2, ev.ID_REFUSED: 1}
    assert log.count_by_kind(since=t0 + timedelta(minutes=30)) == {ev.INTERCEPTION: 1, ev.ID_REFUSED: 1}
    recent = log.recent(ev.INTERCEPTION)
    assert [e.company for e in recent] == ["SF", "EMS"]
    assert recent[1].detail == {"category": 1}


def test_events_refuse_personal_detail_keys() -> None:
    with pytest.raises(ValueError, match="not allowed"):
        ev.RegulatorEvent(ev.INTERCEPTION, datetime.now(UTC), detail={"sender_phone": "13812345678"})
    with pytest.raises(ValueError, match="timezone"):
        ev.RegulatorEvent(ev.INTERCEPTION, datetime(2026, 1, 1))
