"""Use case: read a resident ID card from photos (front, optional back) and cross-check it.

The images are bytes in memory, passed straight to the recognizer: this module never writes them
(nor the text read from them) to disk, a log or a temporary file. What it logs is limited to
timings and counts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from sealpost.domain.identity.card_fields import (
    BACK_FIELDS,
    FIELD_NAMES,
    FRONT_FIELDS,
    MISSING,
    CardField,
    CrossCheck,
    cross_check,
    extract_back,
    extract_front,
    flag_for_confirmation,
    reconcile_with_region,
)
from sealpost.domain.identity.regions import DivisionTable
from sealpost.domain.ocr import OcrPage
from sealpost.i18n import Lang
from sealpost.logging import get_logger
from sealpost.ports.ocr import TextRecognizer

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class CardReading:
    """What was read from the card, how sure we are of each field, and the cross-check."""

    fields: dict[str, CardField]
    check: CrossCheck
    front_page: OcrPage
    back_page: OcrPage | None = None

    @property
    def valid(self) -> bool:
        return self.check.valid

    def value(self, name: str) -> str | None:
        return self.fields.get(name, MISSING).value

    @property
    def needs_confirmation(self) -> tuple[str, ...]:
        return tuple(n for n in FIELD_NAMES if n in self.fields and self.fields[n].needs_confirmation)

    def to_dict(self, lang: Lang = "zh-CN") -> dict[str, Any]:
        """Plain JSON-able view: every field's value and confidence, and the cross-check.

        Holds the number in clear: for the person at the terminal or the enrollment service,
        never for logs.
        """
        out: dict[str, Any] = {name: self.value(name) for name in FIELD_NAMES}  # null: not read
        out["confidence"] = {name: f.confidence for name, f in self.fields.items()}
        out["needs_confirmation"] = list(self.needs_confirmation)
        out["corrected"] = [name for name, f in self.fields.items() if f.corrected]
        region = self.check.number.region.as_dict() if self.check.number else None
        out["cross_check"] = {
            "valid": self.check.valid,
            "errors": [
                {"code": i.code, "field": i.field, "message": i.message.get(lang)} for i in self.check.errors
            ],
            "warnings": [
                {"code": i.code, "field": i.field, "message": i.message.get(lang)}
                for i in self.check.warnings
            ],
            "region": region,
        }
        out["orientation"] = {"front": {"rotation": self.front_page.rotation, "skew": self.front_page.skew}}
        if self.back_page is not None:
            out["orientation"]["back"] = {"rotation": self.back_page.rotation, "skew": self.back_page.skew}
        return out


def read_id_card(
    recognizer: TextRecognizer,
    front: bytes,
    back: bytes | None = None,
    *,
    today: date,
    table: DivisionTable | None = None,
) -> CardReading:
    """Read the front (and the back, when given), extract the fields and cross-check them."""
    started = time.perf_counter()
    front_page = recognizer.recognize(front)
    back_page = recognizer.recognize(back) if back is not None else None
    reading = interpret_pages(front_page, back_page, today=today, table=table)
    log.info(
        "id_card_read",
        boxes_front=len(front_page.boxes),
        boxes_back=len(back_page.boxes) if back_page else 0,
        fields_found=sum(1 for f in reading.fields.values() if f.found),
        valid=reading.valid,
        error_codes=[i.code for i in reading.check.errors],
        elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
    )
    return reading


def interpret_pages(
    front_page: OcrPage,
    back_page: OcrPage | None = None,
    *,
    today: date,
    table: DivisionTable | None = None,
) -> CardReading:
    """Fields and cross-check from already recognised pages (pure: no I/O)."""
    fields = extract_front(front_page.boxes)
    back_read = back_page is not None
    if back_page is not None:
        fields.update(extract_back(back_page.boxes))
    check = cross_check(fields, today=today, back_read=back_read, table=table)
    if check.number is not None:
        reconciled = reconcile_with_region(fields, check.number)
        if reconciled != fields:
            fields = reconciled
            check = cross_check(fields, today=today, back_read=back_read, table=table)
    fields = flag_for_confirmation(fields, check)
    ordered: dict[str, CardField] = {
        name: fields[name] for name in (*FRONT_FIELDS, *BACK_FIELDS) if name in fields
    }
    return CardReading(ordered, check, front_page, back_page)
