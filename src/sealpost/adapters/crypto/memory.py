"""An in-memory :class:`~sealpost.ports.keystore.DataKeyRepository` for unit tests and tools.

It behaves like the SQL one (tombstones, insert-if-absent, one-shot re-wrap) but keeps nothing:
never use it where encrypted data must outlive the process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

from sealpost.ports.keystore import WrappedDataKey


class InMemoryDataKeyRepository:
    def __init__(self) -> None:
        self._rows: dict[date, WrappedDataKey] = {}
        self._lock = threading.Lock()

    def get(self, day: date) -> WrappedDataKey | None:
        return self._rows.get(day)

    def insert_if_absent(
        self, day: date, *, suite: str, kek_kid: str, wrapped: bytes, created_at: datetime
    ) -> WrappedDataKey:
        with self._lock:
            return self._rows.setdefault(day, WrappedDataKey(day, suite, kek_kid, wrapped, created_at, None))

    def destroy(self, day: date, at: datetime) -> bool:
        with self._lock:
            row = self._rows.get(day)
            if row is None:
                self._rows[day] = WrappedDataKey(day, "", None, None, at, at)
                return False
            if row.wrapped is None:
                return False
            self._rows[day] = replace(row, wrapped=None, kek_kid=None, destroyed_at=at)
            return True

    def list(self) -> list[WrappedDataKey]:
        return [self._rows[d] for d in sorted(self._rows)]

    def rewrap_all(self, rewrap: Callable[[WrappedDataKey], tuple[str, bytes]]) -> int:
        with self._lock:
            new = {
                day: replace(row, kek_kid=kid, wrapped=blob)
                for day, row in self._rows.items()
                if row.wrapped is not None
                for kid, blob in [rewrap(row)]
            }
            self._rows.update(new)
            return len(new)
