"""SQL storage of wrapped per-day data keys (:class:`~sealpost.ports.keystore.DataKeyRepository`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import Engine, RowMapping
from sqlalchemy.exc import IntegrityError

from sealpost.adapters.db.tables.keys import data_keys
from sealpost.ports.keystore import WrappedDataKey


class SqlDataKeyRepository:
    """Each call is its own short transaction (callers must not hold a SQLite write lock meanwhile)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, day: date) -> WrappedDataKey | None:
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(data_keys).where(data_keys.c.key_day == day)).first()
        return _key(row._mapping) if row is not None else None

    def insert_if_absent(
        self, day: date, *, suite: str, kek_kid: str, wrapped: bytes, created_at: datetime
    ) -> WrappedDataKey:
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    data_keys.insert().values(
                        key_day=day, suite=suite, kek_kid=kek_kid, wrapped=wrapped, created_at=created_at
                    )
                )
        except IntegrityError:
            pass  # another worker (or a tombstone) was first: read back whichever row won
        row = self.get(day)
        if row is None:  # pragma: no cover - the insert or the conflicting row must be there
            raise RuntimeError(f"data key for {day} vanished")
        return row

    def destroy(self, day: date, at: datetime) -> bool:
        with self._engine.begin() as conn:
            result = conn.execute(
                data_keys.update()
                .where(data_keys.c.key_day == day, data_keys.c.wrapped.is_not(None))
                .values(wrapped=None, kek_kid=None, destroyed_at=at)
            )
            if result.rowcount:
                return True
            exists = conn.execute(sa.select(data_keys.c.key_day).where(data_keys.c.key_day == day)).first()
            if exists is None:  # never used: leave a tombstone so the day cannot be written later
                conn.execute(
                    data_keys.insert().values(
                        key_day=day, suite="", kek_kid=None, wrapped=None, created_at=at, destroyed_at=at
                    )
                )
        return False

    def list(self) -> list[WrappedDataKey]:
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(data_keys).order_by(data_keys.c.key_day)).all()
        return [_key(r._mapping) for r in rows]

    def rewrap_all(self, rewrap: Callable[[WrappedDataKey], tuple[str, bytes]]) -> int:
        count = 0
        with self._engine.begin() as conn:
            query = sa.select(data_keys).where(data_keys.c.wrapped.is_not(None)).order_by(data_keys.c.key_day)
            if conn.dialect.name == "postgresql":
                query = query.with_for_update()
            for row in conn.execute(query).all():
                key = _key(row._mapping)
                kek_kid, blob = rewrap(key)
                conn.execute(
                    data_keys.update()
                    .where(data_keys.c.key_day == key.day)
                    .values(kek_kid=kek_kid, wrapped=blob)
                )
                count += 1
        return count


def _key(row: RowMapping) -> WrappedDataKey:
    return WrappedDataKey(
        day=row["key_day"],
        suite=row["suite"],
        kek_kid=row["kek_kid"],
        wrapped=bytes(row["wrapped"]) if row["wrapped"] is not None else None,
        created_at=row["created_at"],
        destroyed_at=row["destroyed_at"],
    )
