"""Events the regulator counts. They hold no personal data, by construction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: Kinds of regulator event (stable strings, stored as is).
ID_REFUSED = "id_refused"  # sender refused to show ID, or it did not match (快递暂行条例 Art 22)
INSPECTION_REFUSED = "inspection_refused"  # sender refused 开封验视 (Art 31)
INTERCEPTION = "interception"  # prohibited item stopped at pickup (Art 33)
LATE_RECEIPT = "late_receipt"  # receipt later than the deadline (30 s)
ALARM = "alarm"

#: Keys a ``detail`` mapping may carry: anything else is refused so no personal data slips in.
ALLOWED_DETAIL_KEYS = frozenset(
    {
        "category",
        "category_name",
        "term_kind",
        "record_id",
        "waybill_no",
        "latency_ms",
        "terminal_id",
        "note_code",
    }
)


@dataclass(frozen=True, slots=True)
class RegulatorEvent:
    kind: str
    occurred_at: datetime
    company: str | None = None
    outlet: str | None = None
    courier_id: str | None = None
    county_code: str | None = None
    reason: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.occurred_at.tzinfo is None:
            raise ValueError("occurred_at must be timezone-aware")
        unknown = set(self.detail) - ALLOWED_DETAIL_KEYS
        if unknown:
            raise ValueError(f"detail keys not allowed in a regulator event: {sorted(unknown)}")
