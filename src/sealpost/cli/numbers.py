"""``sealpost org check`` and ``sealpost waybill-no …``: organisation codes and waybill numbers.

Stable for scripts (every command prints one JSON object):

* ``sealpost org check CODE`` — unified social credit code (GB 32100). Exit 0 valid, 1 invalid.
* ``sealpost waybill-no check NUMBER [--format upu_s10|iata_awb | --pattern RE --rule NAME]`` —
  validate a number against a built-in or an ad-hoc format. Exit 0 valid, 1 invalid.
* ``sealpost waybill-no format-set COMPANY --code C --pattern RE [--rule NAME]`` — store a
  company's format (database from ``SEALPOST_DATABASE_URL`` / the data folder).
* ``sealpost waybill-no range-add COMPANY --prefix P --width W --start S --end E [--suffix X]
  [--format upu_s10]`` — allocate a range of serials.
* ``sealpost waybill-no issue COMPANY --count N [--range-id ID] [--to WHO]`` — issue numbers;
  never the same number twice.
* ``sealpost waybill-no ranges COMPANY`` — the company's ranges and what is left.

Exit 2 on a usage error; 1 when the request is refused (overlap, exhausted range…).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from sealpost.cli.output import fail, fail_with, print_json
from sealpost.cli.settings import load_settings
from sealpost.errors import SealpostError

if TYPE_CHECKING:
    from sealpost.adapters.db.waybills_repo import SqlWaybillNumbers
    from sealpost.domain.waybill_numbers import NumberRange

org_app = typer.Typer(help="机构代码 · organisation codes (统一社会信用代码)", no_args_is_help=True)
waybill_app = typer.Typer(help="运单号 · waybill numbers: formats, ranges, issuing", no_args_is_help=True)

T = TypeVar("T")


@org_app.command("check")
def org_check(code: str = typer.Argument(..., help="统一社会信用代码 unified social credit code")) -> None:
    """Check a unified social credit code; prints JSON. Exit 0 valid, 1 invalid."""
    from sealpost.domain.organizations import validate_uscc

    lang = load_settings().lang
    result = validate_uscc(code)
    out: dict[str, Any] = {"valid": result.ok, "reason": result.reason, "message": result.message.get(lang)}
    if result.parts is not None:
        p = result.parts
        out |= {
            "code": p.code,
            "authority": p.authority,
            "authority_name": p.authority_name.get(lang),
            "org_type": p.org_type,
            "org_type_name": p.org_type_name.get(lang),
            "region": p.region,
            "org_code": p.org_code,
        }
    print_json(out)
    raise typer.Exit(0 if result.ok else 1)


@waybill_app.command("check")
def waybill_check(
    number: str = typer.Argument(..., help="运单号 waybill number"),
    format_code: str = typer.Option("upu_s10", "--format", help="built-in format: upu_s10, iata_awb"),
    pattern: str | None = typer.Option(None, help="ad-hoc pattern (named groups body/check with a rule)"),
    rule: str = typer.Option("none", help="check rule: none, s10, luhn, mod10_31, mod7, mod11"),
) -> None:
    """Validate a waybill number; prints JSON. Exit 0 valid, 1 invalid, 2 usage error."""
    from sealpost.domain.waybill_numbers import BUILTIN_FORMATS, NumberFormat, validate_number

    lang = load_settings().lang
    if pattern is not None:
        try:
            fmt = NumberFormat("adhoc", pattern, rule)
        except Exception as exc:  # re.error or ValueError: a bad option
            fail(f"格式无效 invalid format: {exc}", 2)
    elif format_code in BUILTIN_FORMATS:
        fmt = BUILTIN_FORMATS[format_code]
    else:
        fail(f"未知格式 unknown format {format_code!r}; built-in: {sorted(BUILTIN_FORMATS)}", 2)
    result = validate_number(fmt, number)
    print_json(
        {
            "valid": result.ok,
            "format": fmt.code,
            "number": result.number,
            "reason": result.reason,
            "message": result.message.get(lang),
            "parts": result.groups,
        }
    )
    raise typer.Exit(0 if result.ok else 1)


@contextmanager
def _store() -> Iterator[SqlWaybillNumbers]:
    from sealpost.adapters.db.engine import make_engine
    from sealpost.adapters.db.waybills_repo import SqlWaybillNumbers

    settings = load_settings()
    engine = make_engine(settings.effective_database_url)
    try:
        yield SqlWaybillNumbers(engine)
    finally:
        engine.dispose()


def _run(action: Callable[[], T]) -> T:
    from sqlalchemy.exc import DBAPIError

    try:
        return action()
    except SealpostError as exc:
        fail_with(exc, load_settings().lang)
    except DBAPIError as exc:
        fail(
            "数据库不可用或未迁移（请运行 sealpost db upgrade） "
            f"database unavailable or not migrated: {exc.orig}",
            1,
        )


@waybill_app.command("format-set")
def format_set(
    company: str = typer.Argument(..., help="公司代码 company code"),
    code: str = typer.Option(..., help="format code"),
    pattern: str = typer.Option(..., help="regular expression (named groups body and check with a rule)"),
    rule: str = typer.Option("none", help="check rule: none, s10, luhn, mod10_31, mod7, mod11"),
    name_zh: str | None = typer.Option(None, help="中文名称"),
) -> None:
    """Store the company's waybill number format."""
    from sealpost.ports.clock import SystemClock
    from sealpost.services.issue_waybill_numbers import configure_format

    config = {"code": code, "pattern": pattern, "check_rule": rule} | (
        {"name_zh": name_zh} if name_zh else {}
    )
    with _store() as store:
        fmt = _run(lambda: configure_format(store, SystemClock(), company, config))
    print_json({"company": company, "code": fmt.code, "pattern": fmt.pattern, "check_rule": fmt.check_rule})


@waybill_app.command("range-add")
def range_add(
    company: str = typer.Argument(..., help="公司代码 company code"),
    prefix: str = typer.Option("", help="fixed characters before the serial (e.g. EA)"),
    suffix: str = typer.Option("", help="fixed characters after the check digit (e.g. CN)"),
    width: int = typer.Option(..., min=1, max=18, help="serial digits"),
    start: int = typer.Option(..., min=0, help="first serial"),
    end: int = typer.Option(..., min=0, help="last serial (inclusive)"),
    format_code: str | None = typer.Option(None, "--format", help="built-in format (default: the company's)"),
) -> None:
    """Allocate a range of serials to the company."""
    from sealpost.ports.clock import SystemClock
    from sealpost.services.issue_waybill_numbers import allocate_range

    with _store() as store:
        rng = _run(
            lambda: allocate_range(
                store,
                SystemClock(),
                company=company,
                prefix=prefix,
                suffix=suffix,
                serial_width=width,
                start=start,
                end=end,
                format_code=format_code,
            )
        )
    print_json(_range_json(rng))


@waybill_app.command("issue")
def issue(
    company: str = typer.Argument(..., help="公司代码 company code"),
    count: int = typer.Option(1, min=1, help="how many numbers"),
    range_id: str | None = typer.Option(None, help="issue from this range (default: the first with room)"),
    issued_to: str | None = typer.Option(None, "--to", help="who receives them (outlet, terminal)"),
) -> None:
    """Issue consecutive waybill numbers from the company's ranges."""
    from sealpost.ports.clock import SystemClock
    from sealpost.services.issue_waybill_numbers import issue_numbers

    with _store() as store:
        issued = _run(
            lambda: issue_numbers(
                store, SystemClock(), company=company, count=count, range_id=range_id, issued_to=issued_to
            )
        )
    print_json(
        {"range_id": issued.range_id, "first_serial": issued.first_serial, "numbers": list(issued.numbers)}
    )


@waybill_app.command("ranges")
def ranges(company: str = typer.Argument(..., help="公司代码 company code")) -> None:
    """List the company's ranges and how many serials each has left."""
    with _store() as store:
        found = _run(lambda: store.ranges_for_company(company))
    print_json({"company": company, "ranges": [_range_json(r) for r in found]})


def _range_json(rng: NumberRange) -> dict[str, Any]:
    return {
        "range_id": rng.range_id,
        "company": rng.company_code,
        "format": rng.format.code,
        "prefix": rng.prefix,
        "suffix": rng.suffix,
        "serial_width": rng.serial_width,
        "start": rng.start,
        "end": rng.end,
        "next_serial": rng.next_serial,
        "remaining": rng.remaining,
        "first_number": rng.number(rng.start),
    }
