"""``sealpost dev …``: tools for developers (synthetic test data)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import Progress

from sealpost.cli.output import fail, fail_with, print_json
from sealpost.errors import SealpostError

app = typer.Typer(help="开发工具 · developer tools (synthetic test data)", no_args_is_help=True)


@app.command("make-idcards")
def make_idcards(
    n: int = typer.Argument(..., min=1, max=100_000, help="how many cards"),
    outdir: Path = typer.Argument(..., help="folder to write into (created if missing)"),
    seed: int = typer.Option(0, "--seed", help="random seed (same seed, same cards)"),
    back: bool = typer.Option(False, "--back", help="also photograph the back of each card"),
) -> None:
    """生成合成身份证照片 · render N synthetic ID card photos with a JSON of the truth beside each.

    Writes NNNN_front.jpg (+ NNNN_back.jpg with --back) and NNNN.json. Every person is invented.
    """
    from sealpost.dev.idcards import generate_cards, write_card

    try:
        with Progress(transient=True) as progress:
            task = progress.add_task("rendering cards", total=n)
            for card in generate_cards(n, seed=seed, back=back):
                write_card(card, outdir)
                progress.advance(task)
    except SealpostError as exc:
        fail_with(exc, code=2)
    typer.echo(f"{n} cards → {outdir}")


@app.command("simulate")
def simulate(
    url: str = typer.Option("http://127.0.0.1:8000", help="the sealpost API to drive"),
    client_id: str = typer.Option(..., "--client-id", help="enterprise client (enterprise add-client)"),
    client_secret: str = typer.Option(..., "--client-secret", envvar="SEALPOST_SIM_CLIENT_SECRET"),
    parcels: int = typer.Option(50, min=1, max=1_000_000, help="parcels to post"),
    senders: int = typer.Option(5, min=1, max=10_000, help="senders to enroll"),
    seed: int = typer.Option(2026, help="random seed"),
    out: Path | None = typer.Option(None, "-o", "--out", help="write the receipts as JSON lines"),
) -> None:
    """模拟一个网点 · drive a live server with invented senders, QR scans, walk-ins and parcels."""
    import httpx
    import orjson

    from sealpost.client.terminal import PlatformError
    from sealpost.dev.simulator import TownSimulator

    try:
        with httpx.Client(base_url=url, timeout=30) as http, Progress(transient=True) as progress:
            sim = TownSimulator(http, seed=seed)
            terminal = sim.register_terminal(client_id, client_secret)
            task = progress.add_task("posting parcels", total=parcels)
            try:
                report = sim.run(
                    terminal,
                    parcels=parcels,
                    senders=senders,
                    progress=lambda done: progress.update(task, completed=done),
                )
            finally:
                terminal.close()
    except httpx.HTTPStatusError as exc:
        fail(f"平台拒绝 the platform refused: {exc.response.status_code} {exc.request.url.path}", 1)
    except httpx.TransportError as exc:
        fail(f"无法连接 cannot reach {url}: {type(exc).__name__}", 1)
    except (PlatformError, SealpostError) as exc:
        fail_with(exc)
    if out is not None:
        out.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in report.receipts))
    print_json(report.summary())
