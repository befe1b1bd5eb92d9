"""``sealpost bench …``: benchmarks. Each prints readable figures, then one JSON object as its last line."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="性能测试 · benchmarks (last line of output is one JSON object)", no_args_is_help=True)


@app.command("logging")
def bench_logging(events: int = typer.Option(20000, min=100, help="log events to render")) -> None:
    """Cost of the redaction processor on log events (baseline: the same events without it)."""
    from sealpost.bench.logging import run

    run(events)


@app.command("items")
def bench_items(checks: int = typer.Option(20000, min=100, help="item names to check")) -> None:
    """Prohibited-item checks per second: cold, cached, and against a naive substring scan."""
    from sealpost.bench.items import run

    run(checks)


@app.command("crypto")
def bench_crypto(
    suite: str = typer.Option("intl", help="intl or gm"),
    asymmetric: int = typer.Option(2000, min=10, help="operations per public-key figure"),
    symmetric: int = typer.Option(50000, min=100, help="operations per symmetric figure"),
) -> None:
    """Seal/open, sign/verify, session and field encryption rates against raw primitives."""
    from sealpost.bench.crypto import run

    run(suite, asymmetric, symmetric)


@app.command("calls")
def bench_calls(
    bindings: int = typer.Option(20000, min=10, help="live bindings in the database"),
    lookups: int = typer.Option(20000, min=100, help="routing lookups in process"),
    http_lookups: int = typer.Option(2000, min=100, help="routing lookups through the HTTP app"),
    binds: int = typer.Option(500, min=10, help="new bindings made through the service"),
) -> None:
    """Routing lookups/s and p50/p99 on SQLite with N live bindings (baseline: the bare indexed SELECT)."""
    from sealpost.bench.calls import run

    run(bindings, lookups, http_lookups, binds)


@app.command("ocr")
def bench_ocr(
    images: int = typer.Option(40, "--images", min=2, help="generated front photos to read"),
    seed: int = typer.Option(1, "--seed", help="generator seed"),
    workers: int = typer.Option(0, "--workers", min=0, help="pool size for throughput (0: CPU count)"),
) -> None:
    """ID card OCR: images/s, median/p95 latency per front photo (one core), field accuracy."""
    from sealpost.bench.ocr import run

    run(images, seed, workers)


@app.command("labels")
def bench_labels(
    labels: int = typer.Option(200, min=10, help="labels per batch job"),
    singles: int = typer.Option(60, min=5, help="single-label jobs per round"),
    rounds: int = typer.Option(3, min=1, help="rounds per figure (the median is reported)"),
) -> None:
    """Labels/s per format (PDF, PNG, ZPL, TSPL, ESC/POS), batch and single, against plain Pillow."""
    from sealpost.bench.labels import run

    run(labels, singles, rounds)


@app.command("verify")
def bench_verify(
    rates: str = typer.Option("250,500,1000,2000,3000", help="target verifications/s, comma-separated"),
    duration: float = typer.Option(3.0, min=0.5, help="seconds per rate"),
    clients: int = typer.Option(3, min=1, max=32, help="client processes"),
    workers: int = typer.Option(2, min=1, max=32, help="server worker processes"),
    senders: int = typer.Option(50, min=1, help="enrolled senders (one phone each)"),
    connections: int = typer.Option(16, min=1, help="HTTP connections per client process"),
    database_url: str = typer.Option("", help="PostgreSQL URL (default: SQLite in a temp folder)"),
    db: str = typer.Option("sqlite", help="sqlite, or postgres (a throwaway database, dropped after)"),
) -> None:
    """Identity QR verifications/s, p50/p99 at increasing rates, then the maximum (separate server)."""
    from sealpost.bench.verify import run

    if db not in ("sqlite", "postgres"):
        typer.echo("--db: sqlite 或 or postgres", err=True)
        raise typer.Exit(2)
    levels = [int(r) for r in rates.split(",") if r.strip()]
    run(levels, duration, clients, workers, senders, connections, database_url or None, db)


@app.command("ingest")
def bench_ingest(
    records: int = typer.Option(100_000, "--records", min=1000, help="records to send"),
    db: str = typer.Option("sqlite", "--db", help="sqlite or postgres"),
    batch: int = typer.Option(1000, "--batch", min=1, max=1000, help="records per request"),
    workers: int = typer.Option(2, "--workers", min=1, max=16, help="API server worker processes"),
    clients: int = typer.Option(2, "--clients", min=1, max=32, help="load-generator processes (terminals)"),
    inflight: int = typer.Option(2, "--inflight", min=1, max=16, help="requests in flight per load process"),
    rate: float = typer.Option(
        0.0, "--rate", min=0.0, help="target records/s in total (0: as fast as it goes)"
    ),
    qr_share: float = typer.Option(
        0.3, "--qr-share", min=0.0, max=1.0, help="share of QR-identified senders"
    ),
    keep: bool = typer.Option(False, "--keep", help="keep the data folder and database afterwards"),
    proof_sample: int = typer.Option(
        50,
        "--proof-sample",
        min=0,
        help="walk each receipt's own Merkle proof for 1 in N receipts (0: none); every tree's root "
        "is rebuilt from all its receipts and its signature checked regardless",
    ),
    prefill: int = typer.Option(
        0,
        "--prefill",
        min=0,
        help="bulk-load N synthetic stored records before the timed run (e.g. 10000000)",
    ),
    proofs: str = typer.Option(
        "tree", "--proofs", help="answer form: tree (signed tree head once) or full (path + signature each)"
    ),
    reuse: Path | None = typer.Option(
        None,
        "--reuse",
        help="run against the store a --keep run left in this folder (e.g. one prefilled with 10M records)",
    ),
) -> None:
    """End-to-end ingest through the HTTP API (separate server and load processes) vs a raw bulk insert."""
    from sealpost.bench.ingest import KeptStoreError, run

    if db not in ("sqlite", "postgres"):
        raise typer.BadParameter("--db must be sqlite or postgres")
    if proofs not in ("tree", "full"):
        raise typer.BadParameter("--proofs must be tree or full")
    try:
        run(
            records,
            db,
            batch,
            workers,
            clients,
            inflight,
            rate,
            qr_share,
            keep,
            proof_sample,
            prefill,
            proofs,
            reuse=reuse,
        )
    except KeptStoreError as exc:  # not a kept store, one of the other database, or with --prefill
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
