"""Storage of waybill number formats and issuing ranges.

The one hard rule: :meth:`WaybillNumberStore.reserve` is atomic. Two callers, in two threads,
processes or machines, never get overlapping serials from one range; that is what makes an
issued number unique (a range composes each serial into exactly one number, and ranges of one
company in the same number space never overlap: :meth:`add_range` refuses it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sealpost.domain.waybill_numbers import NumberFormat, NumberRange

__all__ = ["WaybillNumberStore"]


class WaybillNumberStore(Protocol):
    def put_format(self, company: str, fmt: NumberFormat, at: datetime) -> None:
        """Set (or replace) the company's waybill number format."""
        ...

    def get_format(self, company: str) -> NumberFormat | None: ...

    def formats_by_company(self) -> dict[str, NumberFormat]:
        """Every configured company format (for the record validator at start-up)."""
        ...

    def add_range(self, rng: NumberRange, at: datetime) -> None:
        """Store a new range. Raises :class:`RangeOverlapError` when it overlaps one of the
        company's ranges in the same number space (prefix, suffix, width), atomically with the
        insert."""
        ...

    def get_range(self, range_id: str) -> NumberRange | None: ...

    def ranges_for_company(self, company: str) -> list[NumberRange]:
        """The company's ranges, oldest serials first, with their current ``next_serial``."""
        ...

    def reserve(self, range_id: str, count: int, at: datetime, issued_to: str | None = None) -> int:
        """Atomically take ``count`` serials from the range and log the issue; returns the first.

        Raises :class:`RangeExhaustedError` when fewer than ``count`` remain (nothing is taken)
        and :class:`RangeNotFoundError` for an unknown range.
        """
        ...
