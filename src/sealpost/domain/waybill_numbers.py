"""Waybill numbers: per-company formats, pluggable check rules, UPU S10, issuing ranges.

A company's number format is a regular expression with named groups plus the name of a check
rule. The rule computes the check character over the ``body`` group and compares it with the
``check`` group; other named groups (``service``, ``country``…) are free for the format's own
meaning. Built-in rules:

``none``      no check character (most domestic carriers' formats are not published).
``s10``       UPU S10: weights 8 6 4 2 3 5 9 7 over the 8-digit serial, ``11 - sum mod 11``,
              10 → 0, 11 → 5.
``luhn``      ISO/IEC 7812 Luhn mod 10.
``mod10_31``  GS1 mod 10: weights 3, 1, 3… from the rightmost body digit (GTIN, SSCC).
``mod7``      body mod 7 (IATA air waybill serials and some carriers' numbers).
``mod11``     weights 2..7 repeating from the right, ``11 - sum mod 11`` with 10 → 0, 11 → 0
              (the "mod 11-A" used by several postal and banking numbers).

Rules are looked up by name in a registry, so a deployment can :func:`register_check_rule` a
carrier's own algorithm and refer to it from configuration.

Issuing numbers from a company's allocated range is modelled by :class:`NumberRange`; the
database-backed "never twice" allocation lives in ``services/issue_waybill_numbers.py``.
Pure module: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Final

from sealpost.i18n import Text

__all__ = [
    "BUILTIN_FORMATS",
    "CHECK_RULES",
    "CheckRule",
    "NumberCheck",
    "NumberFormat",
    "NumberRange",
    "RangeExhaustedError",
    "RangeNotFoundError",
    "RangeOverlapError",
    "compose_number",
    "get_check_rule",
    "is_iso_country",
    "register_check_rule",
    "s10_check_digit",
    "s10_number",
    "validate_number",
    "validate_s10",
]


# --- check rules -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckRule:
    """A named check-character algorithm: ``compute(body) -> check char`` (``""`` for none)."""

    name: str
    compute: Callable[[str], str]
    alphabet: str = "0123456789"
    description: str = ""


def _digits(body: str) -> list[int]:
    if not body.isdigit() or not body.isascii():
        raise ValueError("check rule needs a digit-only body")
    return [int(c) for c in body]


#: ``11 - (weighted sum mod 11)`` → the S10 check digit (10 → 0, 11 → 5), by the sum mod 11.
_S10_CHECK: Final = tuple("0" if c == 10 else "5" if c == 11 else str(c) for c in (11 - r for r in range(11)))
#: The S10 weights' sum times ``ord("0")``: what the ASCII codes add over the digit values.
_S10_ASCII_BIAS: Final = 48 * (8 + 6 + 4 + 2 + 3 + 5 + 9 + 7)


def s10_check_digit(serial: str) -> str:
    """UPU S10 check digit of an 8-digit serial number (weights 8 6 4 2 3 5 9 7, ``11 - sum mod 11``,
    10 → 0, 11 → 5). Computed on the ASCII codes directly (the ingest hot path; a unit test holds
    it equal to the textbook digit-by-digit form)."""
    if len(serial) != 8 or not serial.isdigit() or not serial.isascii():
        raise ValueError("S10 serial must be 8 digits")
    b = serial.encode("ascii")
    total = 8 * b[0] + 6 * b[1] + 4 * b[2] + 2 * b[3] + 3 * b[4] + 5 * b[5] + 9 * b[6] + 7 * b[7]
    return _S10_CHECK[(total - _S10_ASCII_BIAS) % 11]


def _luhn(body: str) -> str:
    total = 0
    for i, x in enumerate(reversed(_digits(body))):
        if i % 2 == 0:  # doubled: these sit next to the (future) check digit
            x *= 2
            if x > 9:
                x -= 9
        total += x
    return str((10 - total % 10) % 10)


def _mod10_31(body: str) -> str:
    total = sum(x * (3 if i % 2 == 0 else 1) for i, x in enumerate(reversed(_digits(body))))
    return str((10 - total % 10) % 10)


def _mod7(body: str) -> str:
    return str(int("".join(map(str, _digits(body)))) % 7)


def _mod11(body: str) -> str:
    total = sum(x * (2 + i % 6) for i, x in enumerate(reversed(_digits(body))))
    c = 11 - total % 11
    return "0" if c >= 10 else str(c)


def _none(body: str) -> str:
    return ""


CHECK_RULES: dict[str, CheckRule] = {}


def register_check_rule(rule: CheckRule, *, replace: bool = False) -> None:
    """Make a rule available by name to formats (configuration refers to rules by name)."""
    if rule.name in CHECK_RULES and not replace:
        raise ValueError(f"check rule {rule.name!r} is already registered")
    CHECK_RULES[rule.name] = rule


for _rule in (
    CheckRule("none", _none, "", "no check character"),
    CheckRule("s10", s10_check_digit, description="UPU S10 mod 11, weights 8 6 4 2 3 5 9 7"),
    CheckRule("luhn", _luhn, description="Luhn mod 10"),
    CheckRule("mod10_31", _mod10_31, description="GS1 mod 10, weights 3 1 from the right"),
    CheckRule("mod7", _mod7, description="body mod 7"),
    CheckRule("mod11", _mod11, description="mod 11, weights 2-7 from the right, 10/11 → 0"),
):
    register_check_rule(_rule)


def get_check_rule(name: str) -> CheckRule:
    try:
        return CHECK_RULES[name]
    except KeyError:
        raise ValueError(f"unknown check rule {name!r}; known: {sorted(CHECK_RULES)}") from None


# --- ISO 3166-1 alpha-2 ----------------------------------------------------------------------


def _load_countries() -> frozenset[str]:
    text = resources.files("sealpost").joinpath("data", "iso3166_alpha2.txt").read_text("utf-8")
    codes = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            code = line.split()[0]
            if len(code) != 2 or not code.isalpha() or not code.isupper():
                raise ValueError(f"bad ISO 3166 line {line!r}")
            codes.add(code)
    return frozenset(codes)


_COUNTRIES: frozenset[str] | None = None


def is_iso_country(code: str) -> bool:
    """True for an officially assigned ISO 3166-1 alpha-2 code."""
    global _COUNTRIES
    if _COUNTRIES is None:
        _COUNTRIES = _load_countries()
    return code in _COUNTRIES


# --- formats and validation ------------------------------------------------------------------

_MESSAGES: Final[dict[str, Text]] = {
    "ok": Text("运单号有效", "the waybill number is valid"),
    "waybill_empty": Text("运单号为空", "the waybill number is empty"),
    "waybill_format": Text(
        "运单号格式不符合该公司的编号规则", "the number does not match the company's format"
    ),
    "waybill_check_digit": Text(
        "运单号校验位错误，请核对是否抄错", "the check digit does not match; check for a typo"
    ),
    "waybill_country": Text(
        "S10 运单号末两位不是有效的 ISO 3166 国家代码",
        "the last two letters are not an ISO 3166 country code",
    ),
}


@dataclass(frozen=True, slots=True)
class NumberCheck:
    """The outcome of a validation: ``ok`` or a reason code with a bilingual message."""

    ok: bool
    reason: str
    message: Text
    number: str
    groups: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NumberFormat:
    """A company's waybill number format.

    ``pattern`` must match the whole normalised number. With a rule other than ``none`` it must
    define the named groups ``body`` (what the check is computed over) and ``check``.
    ``country_group`` names a group that must hold an ISO 3166 alpha-2 code (S10).
    """

    code: str
    pattern: str
    check_rule: str = "none"
    name: Text | None = None
    country_group: str | None = None
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rx = re.compile(self.pattern)
        rule = get_check_rule(self.check_rule)
        if rule.name != "none" and not {"body", "check"} <= set(rx.groupindex):
            raise ValueError(f"format {self.code!r}: pattern needs named groups 'body' and 'check'")
        if self.country_group is not None and self.country_group not in rx.groupindex:
            raise ValueError(f"format {self.code!r}: no group {self.country_group!r}")
        object.__setattr__(self, "_regex", rx)

    @property
    def regex(self) -> re.Pattern[str]:
        return self._regex

    @classmethod
    def from_config(cls, data: dict[str, str]) -> NumberFormat:
        """Build from a configuration mapping (``code``, ``pattern``, ``check_rule``, names…)."""
        return cls(
            code=data["code"],
            pattern=data["pattern"],
            check_rule=data.get("check_rule", "none"),
            name=Text(data.get("name_zh", data["code"]), data.get("name_en", data["code"])),
            country_group=data.get("country_group"),
        )


def normalize_number(raw: str) -> str:
    """Upper-case; drop spaces, hyphens and full-width forms that people and scanners add."""
    out = []
    for ch in raw:
        o = ord(ch)
        if 0xFF01 <= o <= 0xFF5E:
            ch = chr(o - 0xFEE0)
        if ch.isspace() or ch == "-":
            continue
        out.append(ch.upper())
    return "".join(out)


def _result(reason: str, number: str, groups: dict[str, str] | None = None) -> NumberCheck:
    return NumberCheck(reason == "ok", reason, _MESSAGES[reason], number, groups or {})


def validate_number(fmt: NumberFormat, raw: str) -> NumberCheck:
    """Check a number against a company format: shape, country (if any), check character."""
    number = normalize_number(raw)
    if not number:
        return _result("waybill_empty", number)
    m = fmt.regex.fullmatch(number)
    if m is None:
        return _result("waybill_format", number)
    groups = {k: v for k, v in m.groupdict().items() if v is not None}
    if fmt.country_group is not None and not is_iso_country(groups.get(fmt.country_group, "")):
        return _result("waybill_country", number, groups)
    rule = get_check_rule(fmt.check_rule)
    if rule.name != "none":
        try:
            expected = rule.compute(groups["body"])
        except ValueError:
            return _result("waybill_format", number, groups)
        if expected != groups["check"]:
            return _result("waybill_check_digit", number, groups)
    return _result("ok", number, groups)


S10_FORMAT: Final = NumberFormat(
    code="upu_s10",
    pattern=r"(?P<service>[A-Z]{2})(?P<body>\d{8})(?P<check>\d)(?P<country>[A-Z]{2})",
    check_rule="s10",
    name=Text("UPU S10 国际邮件编号（EMS 等）", "UPU S10 item identifier (EMS etc.)"),
    country_group="country",
)

IATA_AWB_FORMAT: Final = NumberFormat(
    code="iata_awb",
    pattern=r"(?P<airline>\d{3})(?P<body>\d{7})(?P<check>\d)",
    check_rule="mod7",
    name=Text("IATA 航空货运单号", "IATA air waybill number"),
)

BUILTIN_FORMATS: Final[dict[str, NumberFormat]] = {f.code: f for f in (S10_FORMAT, IATA_AWB_FORMAT)}


def validate_s10(raw: str) -> NumberCheck:
    """Validate a UPU S10 identifier such as ``EA123456785CN``."""
    return validate_number(S10_FORMAT, raw)


def s10_number(service: str, serial: int | str, country: str) -> str:
    """Build an S10 identifier with its check digit (service indicator, 8-digit serial, country)."""
    service = service.upper()
    country = country.upper()
    if len(service) != 2 or not service.isascii() or not service.isalpha():
        raise ValueError("S10 service indicator must be two letters")
    if not is_iso_country(country):
        raise ValueError(f"{country!r} is not an ISO 3166-1 alpha-2 code")
    s = f"{int(serial):08d}" if isinstance(serial, int) else serial
    if len(s) != 8 or not s.isdigit():
        raise ValueError("S10 serial must be 8 digits (0 … 99999999)")
    return f"{service}{s}{s10_check_digit(s)}{country}"


def compose_number(fmt: NumberFormat, prefix: str, serial: int, width: int, suffix: str = "") -> str:
    """Build ``prefix + zero-padded serial + check + suffix`` valid under ``fmt``.

    The check character is computed over whatever the format's ``body`` group captures, so the
    same code serves S10 (body = serial) and formats whose check covers a fixed prefix too. For
    the ``none`` rule no check character is inserted. Raises ``ValueError`` when the result does
    not validate (a range that does not fit its format).
    """
    if serial < 0 or len(str(serial)) > width:
        raise ValueError(f"serial {serial} does not fit in {width} digits")
    head = f"{prefix}{serial:0{width}d}"
    rule = get_check_rule(fmt.check_rule)
    if rule.name == "none":
        number = head + suffix
    else:
        placeholder = rule.alphabet[0]
        m = fmt.regex.fullmatch(head + placeholder + suffix)
        if m is None:
            raise ValueError(f"format {fmt.code!r} does not accept {head}?{suffix}")
        check = rule.compute(m.group("body"))
        start, end = m.span("check")
        draft = head + placeholder + suffix
        number = draft[:start] + check + draft[end:]
    result = validate_number(fmt, number)
    if not result.ok:
        raise ValueError(f"composed number {number} fails format {fmt.code!r}: {result.reason}")
    return number


# --- issuing ranges --------------------------------------------------------------------------


class RangeExhaustedError(ValueError):
    """The allocated range has fewer free serials than requested."""


class RangeOverlapError(ValueError):
    """A new range could issue numbers an existing range of the same company can issue."""


class RangeNotFoundError(LookupError):
    """No range with that id."""


@dataclass(frozen=True, slots=True)
class NumberRange:
    """A block of serials a company was allocated, and the next serial to issue.

    ``start`` and ``end`` are inclusive. ``next_serial`` moves from ``start`` to ``end + 1``.
    """

    range_id: str
    company_code: str
    format: NumberFormat
    prefix: str
    serial_width: int
    start: int
    end: int
    next_serial: int
    suffix: str = ""

    def __post_init__(self) -> None:
        if self.serial_width < 1:
            raise ValueError("serial width must be positive")
        if not 0 <= self.start <= self.end < 10**self.serial_width:
            raise ValueError("range must satisfy 0 <= start <= end < 10^width")
        if not self.start <= self.next_serial <= self.end + 1:
            raise ValueError("next serial outside the range")
        # Both ends must compose into valid numbers; this catches a range that does not fit.
        compose_number(self.format, self.prefix, self.start, self.serial_width, self.suffix)
        compose_number(self.format, self.prefix, self.end, self.serial_width, self.suffix)

    @property
    def remaining(self) -> int:
        return self.end + 1 - self.next_serial

    def take(self, count: int) -> tuple[int, NumberRange]:
        """Reserve ``count`` serials: returns the first serial and the advanced range."""
        if count < 1:
            raise ValueError("count must be at least 1")
        if count > self.remaining:
            raise RangeExhaustedError(f"range {self.range_id} has {self.remaining} serials left")
        first = self.next_serial
        advanced = NumberRange(
            self.range_id,
            self.company_code,
            self.format,
            self.prefix,
            self.serial_width,
            self.start,
            self.end,
            first + count,
            self.suffix,
        )
        return first, advanced

    def number(self, serial: int) -> str:
        if not self.start <= serial <= self.end:
            raise ValueError(f"serial {serial} is outside range {self.range_id}")
        return compose_number(self.format, self.prefix, serial, self.serial_width, self.suffix)

    def numbers(self, first: int, count: int) -> Iterator[str]:
        for serial in range(first, first + count):
            yield self.number(serial)

    def overlaps(self, other: NumberRange) -> bool:
        """Two ranges of one company could issue the same number (same prefix, suffix, width)."""
        same_space = (self.company_code, self.prefix, self.suffix, self.serial_width) == (
            other.company_code,
            other.prefix,
            other.suffix,
            other.serial_width,
        )
        return same_space and self.start <= other.end and other.start <= self.end
