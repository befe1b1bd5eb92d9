"""Waybill numbers for companies that take them from the platform (public version, small couriers).

Use cases:

* :func:`configure_format` — set a company's number format (pattern + named check rule);
* :func:`allocate_range` — give a company a block of serials in its format (refused when it
  overlaps one of its ranges);
* :func:`issue_numbers` — hand out ``count`` consecutive numbers from one of the company's ranges.
  A number is never issued twice: the store's :meth:`reserve` is atomic (see the port).

Errors are :class:`sealpost.errors.SealpostError` with bilingual messages and stable codes:
``waybill_format_invalid`` (400), ``waybill_format_unknown`` (404), ``waybill_range_invalid`` (400),
``waybill_range_overlap`` (409), ``waybill_range_not_found`` (404), ``waybill_range_exhausted``
(409), ``waybill_count_invalid`` (400).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from sealpost.domain.waybill_numbers import (
    BUILTIN_FORMATS,
    NumberFormat,
    NumberRange,
    RangeExhaustedError,
    RangeNotFoundError,
    RangeOverlapError,
)
from sealpost.errors import Conflict, NotFound, SealpostError
from sealpost.i18n import Text
from sealpost.ports.clock import Clock
from sealpost.ports.waybill_numbers import WaybillNumberStore

__all__ = [
    "MAX_ISSUE",
    "IssuedNumbers",
    "allocate_range",
    "company_format",
    "configure_format",
    "issue_numbers",
]

#: Most numbers one call hands out (a label printer's roll, an enterprise's daily batch).
MAX_ISSUE: Final = 10_000

_COMPANY = re.compile(r"[A-Za-z0-9_-]{1,20}")


@dataclass(frozen=True, slots=True)
class IssuedNumbers:
    """Consecutive numbers from one range."""

    range_id: str
    company: str
    first_serial: int
    numbers: tuple[str, ...]


def _check_company(company: str) -> None:
    if not _COMPANY.fullmatch(company):
        raise SealpostError(
            "waybill_company_invalid",
            Text(
                "公司代码应为1-20位字母、数字、下划线或连字符",
                "a company code is 1-20 letters, digits, _ or -",
            ),
        )


def configure_format(
    store: WaybillNumberStore, clock: Clock, company: str, config: Mapping[str, str]
) -> NumberFormat:
    """Validate and store the company's format (``code``, ``pattern``, ``check_rule``, names)."""
    _check_company(company)
    try:
        fmt = NumberFormat.from_config(dict(config))
    except (KeyError, ValueError, re.error) as exc:
        raise SealpostError(
            "waybill_format_invalid",
            Text(f"运单号格式配置无效：{exc}", f"invalid waybill number format: {exc}"),
        ) from None
    store.put_format(company, fmt, clock.now())
    return fmt


def company_format(store: WaybillNumberStore, company: str, format_code: str | None = None) -> NumberFormat:
    """The format to use: a named built-in (``upu_s10``…), else the company's configured one."""
    if format_code is not None and format_code in BUILTIN_FORMATS:
        return BUILTIN_FORMATS[format_code]
    fmt = store.get_format(company)
    if fmt is None or (format_code is not None and fmt.code != format_code):
        raise NotFound(
            "waybill_format_unknown",
            Text("该公司没有配置此运单号格式", "the company has no such waybill number format"),
        )
    return fmt


def allocate_range(
    store: WaybillNumberStore,
    clock: Clock,
    *,
    company: str,
    prefix: str,
    serial_width: int,
    start: int,
    end: int,
    suffix: str = "",
    format_code: str | None = None,
    range_id: str | None = None,
) -> NumberRange:
    """Allocate serials ``start…end`` (inclusive) to the company, composed ``prefix+serial+check+suffix``."""
    _check_company(company)
    fmt = company_format(store, company, format_code)
    try:
        rng = NumberRange(
            range_id=range_id or str(uuid.uuid4()),
            company_code=company,
            format=fmt,
            prefix=prefix,
            serial_width=serial_width,
            start=start,
            end=end,
            next_serial=start,
            suffix=suffix,
        )
    except ValueError as exc:
        raise SealpostError(
            "waybill_range_invalid",
            Text(f"号段无效：{exc}", f"invalid number range: {exc}"),
        ) from None
    try:
        store.add_range(rng, clock.now())
    except RangeOverlapError:
        raise Conflict(
            "waybill_range_overlap",
            Text("号段与该公司已有号段重叠", "the range overlaps one of the company's ranges"),
        ) from None
    return rng


def issue_numbers(
    store: WaybillNumberStore,
    clock: Clock,
    *,
    company: str,
    count: int,
    range_id: str | None = None,
    issued_to: str | None = None,
) -> IssuedNumbers:
    """Issue ``count`` consecutive numbers from ``range_id``, or from the company's first range with
    room for all of them. Every call gets serials no other call gets."""
    if not 1 <= count <= MAX_ISSUE:
        raise SealpostError(
            "waybill_count_invalid",
            Text(f"一次可申请1至{MAX_ISSUE}个运单号", f"ask for 1 to {MAX_ISSUE} numbers at a time"),
        )
    if range_id is not None:
        candidates = [store.get_range(range_id)]
        if candidates[0] is None or candidates[0].company_code != company:
            raise NotFound(
                "waybill_range_not_found", Text("该公司没有这个号段", "the company has no such number range")
            )
    else:
        candidates = [r for r in store.ranges_for_company(company) if r.remaining >= count]
    for rng in candidates:
        assert rng is not None
        try:
            first = store.reserve(rng.range_id, count, clock.now(), issued_to)
        except RangeExhaustedError:
            continue  # another issuer took the room since we looked; try the next range
        except RangeNotFoundError:
            continue
        return IssuedNumbers(rng.range_id, company, first, tuple(rng.numbers(first, count)))
    raise Conflict(
        "waybill_range_exhausted",
        Text(
            f"号段余量不足{count}个，请申请新的号段",
            f"no range has {count} numbers left; allocate a new range",
        ),
    )
