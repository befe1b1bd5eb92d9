"""Mainland China phone numbers: mobile ranges with their carrier, and landlines with area code.

Mobile numbers have 11 digits: a network number (3 digits, sometimes narrowed by the 4th or 5th
digit) allocated by MIIT to a carrier, then the subscriber digits. The table below follows MIIT's
"我国公众移动通信网网号及H0分配情况（截至2023年3月底）". The carrier is the one the range was
*allocated to*: with number portability the line may since have moved to another carrier.
Unallocated ranges (154, 179, 194, …) are refused; 13-digit IoT numbers (140–144) are not
contact numbers and are refused too.

Landlines are accepted as contact numbers when they carry their area code: ``010`` and
``020``–``029`` (3 digits, then an 8-digit local number) or another ``0xxx`` (4 digits, then a
7- or 8-digit local number starting 2–9). Extensions are not supported.

Input is normalised first: NFKC (full-width digits), spaces, dashes, dots and brackets removed,
and the country code ``+86``/``0086``/``86`` dropped (``+86 10 …`` gets its trunk ``0`` back).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal

from sealpost.i18n import Text

__all__ = [
    "Carrier",
    "PhoneCheck",
    "carrier_of",
    "check_phone",
    "normalize_phone",
]

PhoneKind = Literal["mobile", "landline"]


class Carrier(StrEnum):
    CHINA_TELECOM = "china_telecom"
    CHINA_MOBILE = "china_mobile"
    CHINA_UNICOM = "china_unicom"
    CHINA_BROADNET = "china_broadnet"
    CHINA_SATNET = "china_satnet"

    @property
    def label(self) -> Text:
        return CARRIER_LABELS[self]


CARRIER_LABELS: Final[Mapping[Carrier, Text]] = {
    Carrier.CHINA_TELECOM: Text("中国电信", "China Telecom"),
    Carrier.CHINA_MOBILE: Text("中国移动", "China Mobile"),
    Carrier.CHINA_UNICOM: Text("中国联通", "China Unicom"),
    Carrier.CHINA_BROADNET: Text("中国广电", "China Broadnet"),
    Carrier.CHINA_SATNET: Text("中国星网", "China Satnet"),
}


def _expand(spec: str) -> list[str]:
    """``"134(0-8)"`` → ``["1340", …, "1348"]``; ``"150-152"`` → ``["150", "151", "152"]``."""
    if "(" in spec:
        head, tail = spec.rstrip(")").split("(")
        out: list[str] = []
        for part in tail.split(","):
            lo, _, hi = part.partition("-")
            out.extend(f"{head}{d}" for d in range(int(lo), int(hi or lo) + 1))
        return out
    lo, _, hi = spec.partition("-")
    if not hi:
        return [lo]
    return [str(p) for p in range(int(lo), int(hi) + 1)]


# (ranges, carrier, flags) — flags: "mvno" resale ranges, "satellite" satellite-only ranges.
_ALLOCATION: Final[tuple[tuple[str, Carrier, frozenset[str]], ...]] = (
    ("133 149 153 173 177 180 181 189 190 191 193 199", Carrier.CHINA_TELECOM, frozenset()),
    ("162 170(0-2)", Carrier.CHINA_TELECOM, frozenset({"mvno"})),
    ("134(9) 1740(0-5)", Carrier.CHINA_TELECOM, frozenset({"satellite"})),
    (
        "134(0-8) 135-139 147 148 150-152 157-159 172 178 182-184 187 188 195 197 198",
        Carrier.CHINA_MOBILE,
        frozenset(),
    ),
    ("165 170(3,5-6)", Carrier.CHINA_MOBILE, frozenset({"mvno"})),
    ("130-132 145 146 155 156 166 175 176 185 186 196", Carrier.CHINA_UNICOM, frozenset()),
    ("167 170(4,7-9) 171", Carrier.CHINA_UNICOM, frozenset({"mvno"})),
    ("192", Carrier.CHINA_BROADNET, frozenset()),
    ("161(9) 1740(6-9) 1741(0-2) 174(9)", Carrier.CHINA_SATNET, frozenset({"satellite"})),
)

#: Allocated prefix (3–5 digits) → (carrier, flags).
MOBILE_PREFIXES: Final[Mapping[str, tuple[Carrier, frozenset[str]]]] = {
    prefix: (carrier, flags)
    for specs, carrier, flags in _ALLOCATION
    for spec in specs.split()
    for prefix in _expand(spec)
}
_PREFIX_LENGTHS: Final = sorted({len(p) for p in MOBILE_PREFIXES}, reverse=True)

_SEPARATORS: Final = frozenset(" \t-‐‑‒–—―−﹣－_.()[]")

REASONS: Final[Mapping[str, Text]] = {
    "empty": Text("电话号码为空", "the phone number is empty"),
    "invalid_characters": Text(
        "电话号码含有不允许的字符", "the phone number contains characters other than digits"
    ),
    "not_mainland_number": Text("不是中国大陆电话号码", "not a mainland China phone number"),
    "invalid_mobile_length": Text("手机号码应为11位", "a mobile number has 11 digits"),
    "unallocated_mobile_range": Text(
        "该号段未分配给公众移动通信网", "the number range is not allocated to a public mobile network"
    ),
    "landline_needs_area_code": Text("固定电话须带区号", "a landline number needs its area code"),
    "invalid_landline": Text("固定电话号码格式不正确", "not a valid landline number with area code"),
}


@dataclass(frozen=True, slots=True)
class PhoneCheck:
    """The verdict on one phone number."""

    valid: bool
    normalized: str
    kind: PhoneKind | None
    reason: str | None
    message: Text
    carrier: Carrier | None = None
    mvno: bool = False
    satellite: bool = False
    area_code: str | None = None

    def as_dict(self, lang: Literal["zh-CN", "en"] = "zh-CN") -> dict[str, object]:
        """The stable JSON shape (``sealpost phone check``): ``reason`` only when invalid."""
        out: dict[str, object] = {
            "valid": self.valid,
            "normalized": self.normalized,
            "kind": self.kind,
            "carrier": self.carrier.value if self.carrier else None,
        }
        if self.carrier is not None:
            out["carrier_name"] = self.carrier.label.get(lang)
            out["mvno"] = self.mvno
            out["satellite"] = self.satellite
        if self.area_code is not None:
            out["area_code"] = self.area_code
        if self.reason is not None:
            out["reason"] = self.reason
        out["message"] = self.message.get(lang)
        out["message_en"] = self.message.en
        return out


def normalize_phone(raw: str) -> str:
    """National-form digits: separators and the +86/0086/86 country code removed.

    Characters other than digits, separators and a leading ``+`` are kept, so that the checker
    can refuse them.
    """
    text = unicodedata.normalize("NFKC", raw).strip()
    plus = text.startswith("+")
    body = "".join(ch for ch in text[1 if plus else 0 :] if ch not in _SEPARATORS)
    international = False
    if plus and body.startswith("86"):
        body, international = body[2:], True
    elif body.startswith("0086"):
        body, international = body[4:], True
    elif len(body) == 13 and body.startswith("861"):
        body, international = body[2:], True
    elif plus:
        return "+" + body  # another country: left as is, refused by the checker
    is_mobile = len(body) == 11 and body.startswith("1")
    if international and body and not is_mobile and not body.startswith("0"):
        body = "0" + body
    return body


def carrier_of(number: str) -> tuple[Carrier, frozenset[str]] | None:
    """Carrier (and flags) the range of an 11-digit mobile number was allocated to."""
    for length in _PREFIX_LENGTHS:
        found = MOBILE_PREFIXES.get(number[:length])
        if found is not None:
            return found
    return None


def _invalid(normalized: str, reason: str, kind: PhoneKind | None = None) -> PhoneCheck:
    return PhoneCheck(False, normalized, kind, reason, REASONS[reason])


def _area_code(number: str) -> str | None:
    """The area code at the start of a number that begins with the trunk 0."""
    if number.startswith(("010", "02")):
        return number[:3]
    if len(number) >= 4 and number[1] in "3456789":
        return number[:4]
    return None


def check_phone(raw: str) -> PhoneCheck:
    """Normalise and validate a contact phone number (mobile, or landline with area code)."""
    n = normalize_phone(raw)
    if not n:
        return _invalid(n, "empty")
    if n.startswith("+"):
        return _invalid(n, "not_mainland_number")
    if not (n.isascii() and n.isdigit()):
        return _invalid(n, "invalid_characters")
    if n.startswith("1"):
        if len(n) != 11:
            return _invalid(n, "invalid_mobile_length", "mobile")
        found = carrier_of(n)
        if found is None:
            return _invalid(n, "unallocated_mobile_range", "mobile")
        carrier, flags = found
        message = Text(
            f"有效的手机号码（{carrier.label.zh}号段）", f"a valid mobile number ({carrier.label.en} range)"
        )
        return PhoneCheck(True, n, "mobile", None, message, carrier, "mvno" in flags, "satellite" in flags)
    if not n.startswith("0"):
        if len(n) in (7, 8) and n[0] in "23456789":
            return _invalid(n, "landline_needs_area_code", "landline")
        return _invalid(n, "invalid_landline")
    area = _area_code(n)
    local = n[len(area) :] if area else ""
    allowed = (8,) if area is not None and len(area) == 3 else (7, 8)
    if area is None or len(local) not in allowed or local[0] not in "23456789":
        return _invalid(n, "invalid_landline", "landline")
    message = Text("有效的固定电话号码（含区号）", "a valid landline number with area code")
    return PhoneCheck(True, n, "landline", None, message, area_code=area)
