"""The enterprise-side relay store on SQL (:class:`sealpost.ports.relay.EnterpriseStore`).

``relay_records`` holds waybill numbers, masked views and outcomes only; a test scans every
column of it for the clear personal data that went through the relay.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine, RowMapping
from sqlalchemy.dialects import postgresql, sqlite

from sealpost.adapters.db.tables.records import relay_records
from sealpost.ports.relay import RelayEntry

_UPDATED = ("company", "waybill_no", "status", "reason", "masked", "received_at", "relayed_at")


class SqlEnterpriseStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name

    def save(self, entries: Sequence[RelayEntry]) -> None:
        if not entries:
            return
        rows = [_row(e) for e in entries]
        insert = (postgresql.insert if self._dialect == "postgresql" else sqlite.insert)(relay_records)
        stmt = insert.on_conflict_do_update(
            index_elements=["client_id", "record_id"],
            set_={name: getattr(insert.excluded, name) for name in _UPDATED},
        )
        with self._engine.begin() as conn:
            conn.execute(stmt, rows)

    def find(self, client_id: str, *, waybill_no: str | None = None, limit: int = 100) -> list[RelayEntry]:
        query = (
            sa.select(relay_records)
            .where(relay_records.c.client_id == client_id)
            .order_by(relay_records.c.relayed_at.desc(), relay_records.c.record_id)
            .limit(limit)
        )
        if waybill_no is not None:
            query = query.where(relay_records.c.waybill_no == waybill_no)
        with self._engine.connect() as conn:
            return [_entry(row._mapping) for row in conn.execute(query)]


def _row(e: RelayEntry) -> dict[str, Any]:
    return {
        "client_id": e.client_id,
        "record_id": e.record_id,
        "company": e.company,
        "waybill_no": e.waybill_no,
        "status": e.status,
        "reason": e.reason,
        "masked": dict(e.masked) if e.masked is not None else None,
        "received_at": e.received_at,
        "relayed_at": e.relayed_at,
    }


def _entry(row: RowMapping) -> RelayEntry:
    return RelayEntry(
        client_id=row["client_id"],
        record_id=str(row["record_id"]),
        company=row["company"],
        status=row["status"],
        relayed_at=row["relayed_at"],
        waybill_no=row["waybill_no"],
        reason=row["reason"],
        masked=row["masked"],
        received_at=row["received_at"],
    )
