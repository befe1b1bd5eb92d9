"""Where signed receipts are kept, as the label and delivery use cases need them.

The ingest pipeline stores every signed receipt (``docs/protocols/receipt.md``); printing a label
or showing a courier the delivery view only needs to fetch one by its waybill number. A receipt is
returned as its JSON object (``dict``), exactly as signed: it holds masked views only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class ReceiptStore(Protocol):
    def get_by_waybill(self, no: str) -> dict[str, Any] | None:
        """The signed receipt for waybill number ``no``, or ``None`` if there is none."""
        ...


class ReceiptVerifier(Protocol):
    def __call__(self, receipt: Mapping[str, Any]) -> None:
        """Check the receipt's inclusion proof and platform signature; raise
        :class:`sealpost.errors.SealpostError` when they do not hold (a forged or altered receipt)."""
        ...
