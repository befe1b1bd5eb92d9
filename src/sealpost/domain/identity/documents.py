"""Identity documents accepted for real-name posting, and one entry point to check a number.

The accepted documents (《邮件快件实名收寄管理办法》 Art 3, plus the 2023 Foreign Permanent
Resident ID card under "other documents the State prescribes"):

=================================  ==============================================================
``resident_id``                    居民身份证: GB 11643-1999, 18 characters (see resident_id.py).
                                   15-digit first-generation numbers are recognised and upgraded,
                                   but not accepted: those cards lapsed on 2013-01-01.
``temporary_resident_id``          临时居民身份证: the same number as the resident ID.
``hmt_residence_permit``           港澳台居民居住证: resident-ID layout with 810000/820000/830000.
``hk_macao_travel_permit``         港澳居民来往内地通行证: ``H``/``M`` + 8-digit lifelong number
                                   [+ 2-digit renewal count]: 9 or 11 characters.
``taiwan_travel_permit``           台湾居民来往大陆通行证: 8 digits (card, 2015); the older booklet
                                   form, 10 digits + an optional letter, is accepted *loosely*.
``foreign_passport``               外国公民护照: no global format; checked loosely: 5–17 letters
                                   or digits, at least one digit.
``foreign_permanent_resident_id``  外国人永久居留身份证: 2017 form, 3 letters + 12 digits; 2023 form,
                                   18 characters starting with 9 with the MOD 11-2 check.
``military_id`` / ``armed_police_id``  中国人民解放军 / 中国人民武装警察 身份证件: their numbering is
                                   not published, so they are checked **loosely** — an optional
                                   Chinese prefix of up to four characters (军, 武, 南字第 …), 6–12
                                   letters or digits with at least one digit, an optional 号.
=================================  ==============================================================

Every number is normalised first: NFKC (full-width → half-width), spaces, dashes and brackets
removed, letters upper-cased (so a lowercase ``x`` check character becomes ``X``).

:func:`check_document` never raises for bad input: it returns a :class:`DocumentCheck` whose
``reason`` is a stable snake_case code with a bilingual message in :data:`REASONS`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Final

from sealpost.domain.identity.regions import DivisionTable
from sealpost.domain.identity.resident_id import (
    HMT_PERMIT_CODES,
    IdNumberError,
    ResidentNumber,
    has_valid_check_character,
    parse_citizen_number,
    parse_residence_permit_number,
)
from sealpost.i18n import Lang, Text

__all__ = [
    "REASONS",
    "DocumentCheck",
    "DocumentType",
    "check_document",
    "detect_document_type",
    "normalize_document_number",
]


class DocumentType(StrEnum):
    RESIDENT_ID = "resident_id"
    TEMPORARY_RESIDENT_ID = "temporary_resident_id"
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit"
    HK_MACAO_TRAVEL_PERMIT = "hk_macao_travel_permit"
    TAIWAN_TRAVEL_PERMIT = "taiwan_travel_permit"
    FOREIGN_PASSPORT = "foreign_passport"
    FOREIGN_PERMANENT_RESIDENT_ID = "foreign_permanent_resident_id"
    MILITARY_ID = "military_id"
    ARMED_POLICE_ID = "armed_police_id"

    @property
    def label(self) -> Text:
        return DOCUMENT_LABELS[self]


DOCUMENT_LABELS: Final[Mapping[DocumentType, Text]] = {
    DocumentType.RESIDENT_ID: Text("居民身份证", "resident identity card"),
    DocumentType.TEMPORARY_RESIDENT_ID: Text("临时居民身份证", "temporary resident identity card"),
    DocumentType.HMT_RESIDENCE_PERMIT: Text(
        "港澳台居民居住证", "residence permit for Hong Kong, Macao and Taiwan residents"
    ),
    DocumentType.HK_MACAO_TRAVEL_PERMIT: Text(
        "港澳居民来往内地通行证", "Mainland Travel Permit for Hong Kong and Macao residents"
    ),
    DocumentType.TAIWAN_TRAVEL_PERMIT: Text(
        "台湾居民来往大陆通行证", "Mainland Travel Permit for Taiwan residents"
    ),
    DocumentType.FOREIGN_PASSPORT: Text("外国公民护照", "foreign passport"),
    DocumentType.FOREIGN_PERMANENT_RESIDENT_ID: Text(
        "外国人永久居留身份证", "Foreign Permanent Resident ID card"
    ),
    DocumentType.MILITARY_ID: Text("中国人民解放军军人身份证件", "PLA military ID"),
    DocumentType.ARMED_POLICE_ID: Text("中国人民武装警察身份证件", "People's Armed Police ID"),
}

#: Stable reason codes and their messages. Codes never change meaning; new ones may be added.
REASONS: Final[Mapping[str, Text]] = {
    "empty": Text("证件号码为空", "the document number is empty"),
    "unknown_document_type": Text(
        "无法从号码判断证件类型，请指定证件类型",
        "cannot tell the document type from the number; specify the type",
    ),
    "invalid_length": Text("证件号码长度不正确", "the number has the wrong length for this document"),
    "invalid_characters": Text(
        "证件号码含有不允许的字符", "the number contains characters this document does not use"
    ),
    "invalid_format": Text("证件号码格式不正确", "the number does not have this document's format"),
    "invalid_check_digit": Text(
        "校验码错误，号码有误", "the check character does not match (ISO 7064 MOD 11-2): a typo?"
    ),
    "unknown_region": Text(
        "地址码不是任何时期的行政区划代码（GB/T 2260）",
        "the address code is not a GB/T 2260 division code of any period",
    ),
    "region_not_county": Text(
        "地址码是省级或地级代码，不是县级行政区划代码",
        "the address code names a province or prefecture, not a county-level division",
    ),
    "invalid_birth_date": Text("出生日期不是有效日期", "the birth date is not a real date"),
    "birth_date_in_future": Text("出生日期晚于今天", "the birth date is in the future"),
    "birth_date_before_1900": Text("出生日期早于1900年", "the birth date is before 1900"),
    "first_generation_not_accepted": Text(
        "第一代15位身份证号码已于2013年1月1日停止使用，不能作为收寄有效证件",
        "a first-generation 15-digit number: those cards lapsed on 2013-01-01 and are not accepted",
    ),
    "hmt_residence_permit_number": Text(
        "该号码是港澳台居民居住证号码，不是居民身份证号码",
        "this is a Hong Kong/Macao/Taiwan residence permit number, not a resident ID number",
    ),
    "not_residence_permit_number": Text(
        "港澳台居民居住证号码应以810000、820000或830000开头",
        "a Hong Kong/Macao/Taiwan residence permit number starts with 810000, 820000 or 830000",
    ),
}

_VALID: Final = Text("有效的{zh}号码", "a valid {en} number")
_DASHES: Final = frozenset("-‐‑‒–—―−﹣－_")
_BRACKETS: Final = frozenset("()[]【】")

_HK_MACAO: Final = re.compile(r"(?P<issuer>[HM])(?P<number>\d{8})(?P<renewals>\d{2})?")
_TAIWAN_CARD: Final = re.compile(r"\d{8}")
_TAIWAN_BOOKLET: Final = re.compile(r"\d{10}[A-Z]?")
_PASSPORT: Final = re.compile(r"[A-Z0-9]{5,17}")
_FPR_2017: Final = re.compile(r"(?P<nationality>[A-Z]{3})\d{12}")
_FPR_2023: Final = re.compile(r"9\d{16}[\dX]")
_SERVICE_ID: Final = re.compile(r"(?P<prefix>[\u4e00-\u9fff]{0,4})(?P<body>[0-9A-Z]+)号?")


@dataclass(frozen=True, slots=True)
class DocumentCheck:
    """The verdict on one document number."""

    valid: bool
    doc_type: DocumentType | None
    normalized: str
    reason: str | None
    message: Text
    resident: ResidentNumber | None = None  # resident-ID layouts (incl. first-generation)
    converted: str | None = None  # 18-digit form of a first-generation number
    details: Mapping[str, str | int] = field(default_factory=dict)

    def as_dict(self, lang: Lang = "zh-CN") -> dict[str, object]:
        """The stable JSON shape (``sealpost id check``): ``reason`` only when invalid."""
        out: dict[str, object] = {
            "valid": self.valid,
            "type": self.doc_type.value if self.doc_type else None,
            "normalized": self.normalized,
        }
        if self.reason is not None:
            out["reason"] = self.reason
        out["message"] = self.message.get(lang)
        out["message_en"] = self.message.en
        if self.resident is not None:
            out.update(self.resident.as_dict())
        if self.converted is not None:
            out["converted"] = self.converted
        if self.details:
            out["details"] = dict(self.details)
        return out


def normalize_document_number(raw: str) -> str:
    """NFKC, drop whitespace, dashes and brackets, upper-case."""
    text = unicodedata.normalize("NFKC", raw)
    kept = (ch for ch in text if not ch.isspace() and ch not in _DASHES and ch not in _BRACKETS)
    return "".join(kept).upper()


def detect_document_type(normalized: str) -> DocumentType | None:
    """The document type a normalised number unambiguously has, else ``None``.

    18 or 15 characters default to the resident ID unless they match a more specific layout;
    passports (and service IDs without a 军/武/字第 prefix) are never guessed.
    """
    n = normalized
    if len(n) == 18 and n[:6] in HMT_PERMIT_CODES:
        return DocumentType.HMT_RESIDENCE_PERMIT
    if len(n) == 18 and n.startswith("9"):
        return DocumentType.FOREIGN_PERMANENT_RESIDENT_ID
    if len(n) == 15 and _FPR_2017.fullmatch(n):
        return DocumentType.FOREIGN_PERMANENT_RESIDENT_ID
    if len(n) in (15, 18):
        return DocumentType.RESIDENT_ID
    if _HK_MACAO.fullmatch(n):
        return DocumentType.HK_MACAO_TRAVEL_PERMIT
    if _TAIWAN_CARD.fullmatch(n) or (len(n) == 11 and _TAIWAN_BOOKLET.fullmatch(n)):
        return DocumentType.TAIWAN_TRAVEL_PERMIT
    if n.startswith("军") or ("字第" in n and not n.startswith("武")):
        return DocumentType.MILITARY_ID
    if n.startswith("武"):
        return DocumentType.ARMED_POLICE_ID
    return None


def _invalid(doc_type: DocumentType | None, normalized: str, reason: str) -> DocumentCheck:
    return DocumentCheck(False, doc_type, normalized, reason, REASONS[reason])


def _valid(
    doc_type: DocumentType,
    normalized: str,
    *,
    resident: ResidentNumber | None = None,
    details: Mapping[str, str | int] | None = None,
) -> DocumentCheck:
    label = doc_type.label
    message = _VALID.format(zh=label.zh, en=label.en)
    return DocumentCheck(True, doc_type, normalized, None, message, resident, None, details or {})


def _check_resident(
    doc_type: DocumentType, n: str, today: date, table: DivisionTable | None
) -> DocumentCheck:
    if len(n) not in (15, 18):
        return _invalid(doc_type, n, "invalid_length")
    try:
        info = parse_citizen_number(n, today=today, table=table)
    except IdNumberError as error:
        return _invalid(doc_type, n, error.reason)
    if info.first_generation:
        return DocumentCheck(
            False,
            doc_type,
            n,
            "first_generation_not_accepted",
            REASONS["first_generation_not_accepted"],
            resident=info,
            converted=info.number,
        )
    return _valid(doc_type, n, resident=info)


def _check_permit(n: str, today: date, table: DivisionTable | None) -> DocumentCheck:
    doc_type = DocumentType.HMT_RESIDENCE_PERMIT
    try:
        info = parse_residence_permit_number(n, today=today, table=table)
    except IdNumberError as error:
        return _invalid(doc_type, n, error.reason)
    return _valid(doc_type, n, resident=info, details={"issued_to": HMT_PERMIT_CODES[n[:6]]})


def _check_hk_macao(n: str) -> DocumentCheck:
    doc_type = DocumentType.HK_MACAO_TRAVEL_PERMIT
    match = _HK_MACAO.fullmatch(n)
    if match is None:
        return _invalid(doc_type, n, "invalid_length" if len(n) not in (9, 11) else "invalid_format")
    details: dict[str, str | int] = {"issued_to": "HK" if match["issuer"] == "H" else "MO"}
    details["lifelong_number"] = match["issuer"] + match["number"]
    if match["renewals"] is not None:
        details["renewal_count"] = int(match["renewals"])
    return _valid(doc_type, n, details=details)


def _check_taiwan(n: str) -> DocumentCheck:
    doc_type = DocumentType.TAIWAN_TRAVEL_PERMIT
    if _TAIWAN_CARD.fullmatch(n):
        return _valid(doc_type, n, details={"form": "card"})
    if _TAIWAN_BOOKLET.fullmatch(n):
        return _valid(doc_type, n, details={"form": "booklet"})
    return _invalid(doc_type, n, "invalid_length" if len(n) not in (8, 10, 11) else "invalid_format")


def _check_passport(n: str) -> DocumentCheck:
    doc_type = DocumentType.FOREIGN_PASSPORT
    if not 5 <= len(n) <= 17:
        return _invalid(doc_type, n, "invalid_length")
    if _PASSPORT.fullmatch(n) is None:
        return _invalid(doc_type, n, "invalid_characters")
    if not any(ch.isdigit() for ch in n):
        return _invalid(doc_type, n, "invalid_format")
    return _valid(doc_type, n)


def _check_permanent_resident(n: str) -> DocumentCheck:
    doc_type = DocumentType.FOREIGN_PERMANENT_RESIDENT_ID
    if len(n) == 15:
        match = _FPR_2017.fullmatch(n)
        if match is None:
            return _invalid(doc_type, n, "invalid_format")
        return _valid(doc_type, n, details={"version": "2017", "nationality": match["nationality"]})
    if len(n) == 18:
        if _FPR_2023.fullmatch(n) is None:
            return _invalid(doc_type, n, "invalid_format")
        if not has_valid_check_character(n):
            return _invalid(doc_type, n, "invalid_check_digit")
        return _valid(doc_type, n, details={"version": "2023"})
    return _invalid(doc_type, n, "invalid_length")


def _check_service_id(doc_type: DocumentType, n: str) -> DocumentCheck:
    match = _SERVICE_ID.fullmatch(n)
    if match is None:
        return _invalid(doc_type, n, "invalid_characters")
    body = match["body"]
    if not 6 <= len(body) <= 12:
        return _invalid(doc_type, n, "invalid_length")
    if not any(ch.isdigit() for ch in body):
        return _invalid(doc_type, n, "invalid_format")
    return _valid(doc_type, n)


def check_document(
    number: str,
    doc_type: DocumentType | str | None = None,
    *,
    today: date,
    table: DivisionTable | None = None,
) -> DocumentCheck:
    """Normalise and validate ``number`` as ``doc_type`` (detected when ``None``).

    ``today`` decides "birth date in the future" and the age; ``table`` defaults to the GB/T 2260
    table shipped with the package. Raises ``ValueError`` only for an unknown ``doc_type`` name.
    """
    kind = DocumentType(doc_type) if doc_type is not None else None
    n = normalize_document_number(number)
    if not n:
        return _invalid(kind, n, "empty")
    if kind is None:
        kind = detect_document_type(n)
        if kind is None:
            return _invalid(None, n, "unknown_document_type")
    match kind:
        case DocumentType.RESIDENT_ID | DocumentType.TEMPORARY_RESIDENT_ID:
            return _check_resident(kind, n, today, table)
        case DocumentType.HMT_RESIDENCE_PERMIT:
            return _check_permit(n, today, table)
        case DocumentType.HK_MACAO_TRAVEL_PERMIT:
            return _check_hk_macao(n)
        case DocumentType.TAIWAN_TRAVEL_PERMIT:
            return _check_taiwan(n)
        case DocumentType.FOREIGN_PASSPORT:
            return _check_passport(n)
        case DocumentType.FOREIGN_PERMANENT_RESIDENT_ID:
            return _check_permanent_resident(n)
        case DocumentType.MILITARY_ID | DocumentType.ARMED_POLICE_ID:
            return _check_service_id(kind, n)
