"""An enrolled sender's identity as the platform keeps it (encrypted) and shows it (masked).

The identity is serialised to JSON, encrypted as one field (the sender register never holds it in
clear), and only decrypted on the platform: to answer a courier's identify request with the
masked view, or for an audited lookup.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, timedelta, timezone
from typing import Any, Final

from sealpost.domain.identity.documents import DOCUMENT_LABELS, DocumentType
from sealpost.domain.identity.resident_id import age_on
from sealpost.domain.masking import mask_id_number, mask_name, mask_phone

#: Under this age a sender is refused (PIPL Art 28/31: a guardian's consent is needed).
MIN_AGE: Final = 14
ADULT_AGE: Final = 18
SCHEMA_VERSION: Final = 1
#: China Standard Time (UTC+8, no daylight saving): ages and document expiry follow the local date.
CHINA_TZ: Final = timezone(timedelta(hours=8), "Asia/Shanghai")


def china_date(at: datetime) -> date:
    """The calendar date in China at the instant ``at``."""
    return at.astimezone(CHINA_TZ).date()


@dataclass(frozen=True, slots=True)
class SenderIdentityData:
    """Everything known about an enrolled sender's identity. Personal data: never log it."""

    doc_type: str
    number: str
    name: str
    birth_date: date
    phone: str | None = None
    sex: str | None = None
    ethnicity: str | None = None
    address: str | None = None
    authority: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None  # ISO date or 长期
    source: str = "typed"
    verified_by: str = "builtin"
    verification_ref: str | None = None

    def __repr__(self) -> str:
        return f"SenderIdentityData(doc_type={self.doc_type!r}, <redacted>)"

    def age(self, today: date) -> int:
        return age_on(self.birth_date, today)

    def adult(self, today: date) -> bool:
        return self.age(today) >= ADULT_AGE

    def masked(self, *, phone: bool = True) -> dict[str, str]:
        """The view a courier may see: masked name, number and (unless ``phone=False``) phone; the
        document type."""
        out = {
            "name": mask_name(self.name),
            "document_type": self.doc_type,
            "document_type_label": document_label(self.doc_type),
            "document_number": mask_id_number(self.number),
        }
        if phone and self.phone:
            out["phone"] = mask_phone(self.phone)
        return out

    def to_json(self) -> str:
        data: dict[str, Any] = {"v": SCHEMA_VERSION, **asdict(self)}
        data["birth_date"] = self.birth_date.isoformat()
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> SenderIdentityData:
        data = json.loads(text)
        if data.pop("v", None) != SCHEMA_VERSION:
            raise ValueError("unknown sender identity schema version")
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in data.items() if k in known}
        data["birth_date"] = date.fromisoformat(data["birth_date"])
        return cls(**data)


def document_label(doc_type: str) -> str:
    """The Chinese name of a document type (the code itself when unknown)."""
    try:
        return DOCUMENT_LABELS[DocumentType(doc_type)].zh
    except ValueError:
        return doc_type
