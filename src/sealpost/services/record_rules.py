"""The data-backed checks every collection record passes (:class:`sealpost.domain.records.RecordRules`).

* counties: GB/T 2260 county-level codes in use (not abolished before 2019-04, or added since);
* phones: mainland mobiles (allocated ranges) and landlines with area code (``check_phone``);
* waybill numbers: the company's configured format and check rule (``waybill_numbers``); EMS uses
  UPU S10 with its check digit; a company without a configured format gets the generic shape
  (8–30 capital letters and digits), since most carriers do not publish theirs;
* items: the prohibited-items checker (``domain/items.py``, built with OpenCC by the composition
  root), which caches verdicts per name because the same names come back all day.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, Final

from sealpost.domain.identity.phone import MOBILE_PREFIXES, carrier_of, check_phone
from sealpost.domain.identity.regions import division_level, divisions
from sealpost.domain.records import RecordRules
from sealpost.domain.waybill_numbers import S10_FORMAT, NumberFormat, get_check_rule, is_iso_country

#: The last revision of the base GB/T 2260 data set; codes still in use carry it as ``last_seen``.
BASE_REVISION: Final = 201904

GENERIC_FORMAT: Final = NumberFormat(code="generic", pattern=r"[A-Z0-9]{8,30}")

#: Company code → waybill number format. Deployments extend this (``company_formats`` argument).
DEFAULT_COMPANY_FORMATS: Final[Mapping[str, NumberFormat]] = {"EMS": S10_FORMAT}


@functools.cache
def current_counties() -> frozenset[str]:
    """County-level codes in use: in the 2019-04 revision or added since (``data/gb2260/README.md``).

    Codes abolished before 2019-04 are refused as record addresses (they remain valid inside old
    ID numbers, which is the identity module's business, not this one's).
    """
    table = divisions()
    return frozenset(
        code
        for code in table
        if division_level(code) == "county" and any(d.last_seen >= BASE_REVISION for d in table.spans(code))
    )


def county_ok(code: str) -> bool:
    return code in current_counties()


def _mobile_heads() -> frozenset[str] | None:
    """Every head (first digits, as long as the longest allocated prefix) of an 11-digit mobile
    that ``carrier_of`` accepts: it accepts a number when some allocated prefix starts it, which
    is decided by the head alone. ``None`` when the table is too long to expand (up to 10^5 heads)."""
    width = max(map(len, MOBILE_PREFIXES), default=0)
    if not 1 <= width <= 6:
        return None
    heads = ("1" + str(n).zfill(width - 1) for n in range(10 ** (width - 1)))
    return frozenset(h for h in heads if carrier_of(h + "0" * (11 - width)) is not None)


_MOBILE_HEADS: Final = _mobile_heads()
_MOBILE_HEAD_WIDTH: Final = max(map(len, MOBILE_PREFIXES), default=0)


def phone_ok(phone: str) -> bool:
    """A valid contact phone. Fast path for the common case — 11 plain ASCII digits of a mobile —
    which ``check_phone`` would decide by the same range table (``carrier_of``, here expanded to
    the set of accepted heads)."""
    if len(phone) == 11 and phone.isascii() and phone.isdigit() and phone[0] == "1":
        if _MOBILE_HEADS is not None:
            return phone[:_MOBILE_HEAD_WIDTH] in _MOBILE_HEADS
        return carrier_of(phone) is not None
    return check_phone(phone).valid


class WaybillRules:
    """Validates a waybill number against its company's format (normalised first)."""

    def __init__(self, formats: Mapping[str, NumberFormat] | None = None) -> None:
        self._formats = dict(DEFAULT_COMPANY_FORMATS if formats is None else formats)

    def __call__(self, company: str, number: str) -> bool:
        # The terminal sends the normal form (the label prints exactly this): capital ASCII
        # letters and digits, which ``normalize_number`` leaves unchanged; anything else is refused.
        if not (number.isascii() and number.isalnum() and number == number.upper()):
            return False
        return number_ok(self._formats.get(company, GENERIC_FORMAT), number)


def number_ok(fmt: NumberFormat, number: str) -> bool:
    """``validate_number(fmt, number).ok`` for a number already in normal form (capital ASCII
    letters and digits, which ``normalize_number`` returns unchanged), without building the
    full :class:`~sealpost.domain.waybill_numbers.NumberCheck` (the ingest hot path; a unit test
    holds the two equal)."""
    m = fmt.regex.fullmatch(number)
    if m is None:
        return False
    if fmt.country_group is not None and not is_iso_country(m.group(fmt.country_group) or ""):
        return False
    rule = get_check_rule(fmt.check_rule)
    if rule.name == "none":
        return True
    body, check = m.group("body"), m.group("check")
    if body is None:
        return False
    try:
        return bool(rule.compute(body) == check)
    except ValueError:
        return False


def build_rules(
    *,
    item_verdict: Callable[[str], Any],
    company_formats: Mapping[str, NumberFormat] | None = None,
) -> RecordRules:
    """The rules for a deployment. ``item_verdict`` is the prohibited-items checker's
    ``check_item`` (it caches verdicts per name itself)."""
    return RecordRules(
        county_ok=county_ok,
        waybill_ok=WaybillRules(company_formats),
        phone_ok=phone_ok,
        item_verdict=item_verdict,
    )
