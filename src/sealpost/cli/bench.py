"""``sealpost bench …``: benchmarks. Each prints readable figures, then one JSON object as its last line."""

from __future__ import annotations

import typer

app = typer.Typer(help="性能测试 · benchmarks (last line of output is one JSON object)", no_args_is_help=True)


@app.command("logging")
def bench_logging(events: int = typer.Option(20000, min=100, help="log events to render")) -> None:
    """Cost of the redaction processor on log events (baseline: the same events without it)."""
    from sealpost.bench.logging import run

    run(events)
