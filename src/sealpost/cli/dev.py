"""``sealpost dev …``: tools for developers (synthetic test data)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import Progress

from sealpost.cli.output import fail_with
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
