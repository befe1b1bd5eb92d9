"""The enterprise side of the relay: what an express company keeps of the records it relays.

Only waybill numbers, masked views (from the platform's receipts) and the outcome — never a
personal field. The enterprise cannot open the sealed records it forwards.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class RelayEntry:
    client_id: str
    record_id: str
    company: str
    status: str  # "accepted" | "rejected"
    relayed_at: datetime
    waybill_no: str | None = None
    reason: str | None = None
    masked: Mapping[str, Any] | None = None
    received_at: datetime | None = None


class EnterpriseStore(Protocol):
    def save(self, entries: Sequence[RelayEntry]) -> None:
        """Insert or update (by client and record id) in one transaction."""
        ...

    def find(
        self, client_id: str, *, waybill_no: str | None = None, limit: int = 100
    ) -> list[RelayEntry]: ...
