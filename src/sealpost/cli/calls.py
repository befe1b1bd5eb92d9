"""``sealpost calls …``: virtual-number pools and the retention purge of bindings and call records."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

import typer

from sealpost.cli.output import fail_with, print_json
from sealpost.cli.settings import load_settings
from sealpost.errors import SealpostError

if TYPE_CHECKING:
    from sealpost.adapters.db.calls_repo import SqlCallsRepository

app = typer.Typer(help="隐私号 · virtual numbers for delivery calls (pools, purge)", no_args_is_help=True)
pool_app = typer.Typer(help="号码池 · pool numbers per city", no_args_is_help=True)
app.add_typer(pool_app, name="pool")


def _repo() -> SqlCallsRepository:
    from sealpost.adapters.db.calls_repo import SqlCallsRepository
    from sealpost.adapters.db.engine import make_engine

    return SqlCallsRepository(make_engine(load_settings().effective_database_url))


@pool_app.command("add")
def pool_add(
    numbers: list[str] = typer.Argument(..., help="pool numbers (X for axb, host numbers for axn)"),
    city: str = typer.Option(..., help="area code (0571) or division code (330106 → 3301)"),
    model: str = typer.Option("axb", help="axb or axn"),
) -> None:
    """Add numbers to a city's pool (numbers already present are left as they are)."""
    from sealpost.domain.calls import PoolNumber, normalize_city, normalize_number

    if model not in ("axb", "axn"):
        typer.echo("错误 error: --model must be axb or axn", err=True)
        raise typer.Exit(2)
    try:
        key = normalize_city(city)
        pool = [PoolNumber(normalize_number(n), key, model) for n in numbers]  # type: ignore[arg-type]
        added = _repo().add_pool_numbers(pool)
    except SealpostError as exc:
        fail_with(exc, code=2)
    print_json({"city": key, "model": model, "added": added, "given": len(pool)})


@pool_app.command("list")
def pool_list(city: str | None = typer.Option(None, help="only this city")) -> None:
    """Pool numbers with the count of live bindings on each."""
    from datetime import UTC, datetime

    from sealpost.domain.calls import normalize_city

    try:
        key = normalize_city(city) if city else None
    except SealpostError as exc:
        fail_with(exc, code=2)
    print_json([asdict(p) for p in _repo().pool_status(datetime.now(UTC), key)])


@pool_app.command("disable")
def pool_disable(number: str) -> None:
    """Stop routing and allocating a number (its live bindings are then rejected as unknown_number)."""
    if not _repo().set_pool_number_enabled(number, False):
        typer.echo("错误 error: no such pool number", err=True)
        raise typer.Exit(1)
    print_json({"number": number, "enabled": False})


@pool_app.command("enable")
def pool_enable(number: str) -> None:
    if not _repo().set_pool_number_enabled(number, True):
        typer.echo("错误 error: no such pool number", err=True)
        raise typer.Exit(1)
    print_json({"number": number, "enabled": True})


@app.command("purge")
def purge() -> None:
    """Sweep expired bindings (their sealed numbers are deleted) and drop data past retention."""
    from datetime import timedelta

    from sealpost.adapters.telephony import TelephonySettings
    from sealpost.ports.clock import SystemClock
    from sealpost.services.record_call import purge_call_data

    settings = load_settings()
    calls = TelephonySettings()
    counts = purge_call_data(
        repo=_repo(),
        clock=SystemClock(),
        retention_days=settings.retention_days,
        expired_grace=timedelta(hours=calls.expired_grace_hours),
    )
    print_json(asdict(counts))
