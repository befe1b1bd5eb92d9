"""The regulator event log on SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from sealpost.adapters.db.tables.events import regulator_events
from sealpost.domain.events import RegulatorEvent


class SqlEventLog:
    """Appends regulator events and counts them."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def append(self, event: RegulatorEvent) -> None:
        with self._engine.begin() as conn:
            conn.execute(regulator_events.insert().values(**_row(event)))

    def count_by_kind(self, since: datetime | None = None) -> dict[str, int]:
        query = sa.select(regulator_events.c.kind, sa.func.count()).group_by(regulator_events.c.kind)
        if since is not None:
            query = query.where(regulator_events.c.occurred_at >= since)
        with self._engine.connect() as conn:
            return {kind: int(n) for kind, n in conn.execute(query)}

    def recent(self, kind: str | None = None, limit: int = 100) -> list[RegulatorEvent]:
        query = sa.select(regulator_events).order_by(regulator_events.c.id.desc()).limit(limit)
        if kind is not None:
            query = query.where(regulator_events.c.kind == kind)
        with self._engine.connect() as conn:
            return [_event(row._mapping) for row in conn.execute(query)]


def _row(event: RegulatorEvent) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "occurred_at": event.occurred_at,
        "company": event.company,
        "outlet": event.outlet,
        "courier_id": event.courier_id,
        "county_code": event.county_code,
        "reason": event.reason,
        "detail": dict(event.detail),
    }


def _event(row: sa.RowMapping) -> RegulatorEvent:
    return RegulatorEvent(
        kind=row["kind"],
        occurred_at=row["occurred_at"],
        company=row["company"],
        outlet=row["outlet"],
        courier_id=row["courier_id"],
        county_code=row["county_code"],
        reason=row["reason"],
        detail=row["detail"] or {},
    )
