"""Identity documents, phone numbers and administrative division codes (pure domain).

* :mod:`.documents`   the accepted document types and :func:`check_document`, the one entry point.
* :mod:`.resident_id` GB 11643 citizen numbers (18-digit, first-generation 15-digit) and the
  HK/Macao/Taiwan residence permits that share their layout.
* :mod:`.regions`     GB/T 2260 division codes since 1980, abolished ones included.
* :mod:`.phone`       mainland mobile ranges with their carrier, landlines with area code.
"""

from __future__ import annotations

from sealpost.domain.identity.documents import (
    REASONS,
    DocumentCheck,
    DocumentType,
    check_document,
    detect_document_type,
    normalize_document_number,
)
from sealpost.domain.identity.phone import Carrier, PhoneCheck, check_phone, normalize_phone
from sealpost.domain.identity.regions import Division, DivisionTable, Region, divisions
from sealpost.domain.identity.resident_id import (
    IdNumberError,
    ResidentNumber,
    check_character,
    parse_citizen_number,
    upgrade_first_generation,
)

__all__ = [
    "REASONS",
    "Carrier",
    "Division",
    "DivisionTable",
    "DocumentCheck",
    "DocumentType",
    "IdNumberError",
    "PhoneCheck",
    "Region",
    "ResidentNumber",
    "check_character",
    "check_document",
    "check_phone",
    "detect_document_type",
    "divisions",
    "normalize_document_number",
    "normalize_phone",
    "parse_citizen_number",
    "upgrade_first_generation",
]
