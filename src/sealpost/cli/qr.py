"""``sealpost qr render|decode``: draw a QR code (PNG, SVG, terminal) and read codes from a photo."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

import typer

from sealpost.cli.output import fail, fail_with

if TYPE_CHECKING:
    from sealpost.adapters.qr import ErrorLevel

LEVELS = frozenset({"L", "M", "Q", "H"})

app = typer.Typer(help="二维码 · QR codes: render and decode", no_args_is_help=True)


@app.command("render")
def render(
    text: str = typer.Argument(..., help="text to encode"),
    output: Path | None = typer.Option(
        None, "-o", "--output", help="file to write: .png or .svg (default: draw in the terminal)"
    ),
    scale: int = typer.Option(8, min=1, max=64, help="pixels per module (PNG/SVG)"),
    error: str = typer.Option("M", help="error correction level L, M, Q or H"),
) -> None:
    """Render TEXT as a QR code: PNG or SVG by the output's suffix, or block characters in the terminal."""
    from sealpost.adapters.qr import render_png, render_svg, render_terminal

    level = error.upper()
    if level not in LEVELS:
        fail("纠错等级须为 L/M/Q/H · error level must be L, M, Q or H", 2)
    ecl = cast("ErrorLevel", level)
    try:
        if output is None:
            typer.echo(render_terminal(text, error=ecl), nl=False)
            return
        suffix = output.suffix.lower()
        if suffix == ".png":
            data = render_png(text, scale=scale, error=ecl)
        elif suffix == ".svg":
            data = render_svg(text, scale=scale, error=ecl)
        else:
            fail("输出文件须为 .png 或 .svg · output must end in .png or .svg", 2)
    except ValueError as exc:  # segno: data too long for any QR version
        fail(f"无法生成二维码 · cannot encode: {exc}", 2)
    try:
        output.write_bytes(data)
    except OSError as exc:
        fail(f"无法写入 · cannot write {output}: {exc.strerror}", 1)
    typer.echo(str(output))


@app.command("decode")
def decode(
    image: Path = typer.Argument(..., help="image file (PNG, JPEG, WebP…), e.g. a phone photo of a screen"),
    all_formats: bool = typer.Option(
        False, "--all-formats", help="look for every barcode format, not only QR"
    ),
) -> None:
    """Print the text of every code found in IMAGE, one per line; exit 1 when none is found
    (or the file is not an image), 2 when the file cannot be read."""
    from sealpost.adapters.qr import QrImageUnreadableError
    from sealpost.adapters.qr import decode as decode_image

    try:
        data = image.read_bytes()
    except OSError as exc:
        fail(f"无法读取文件 · cannot read {image}: {exc.strerror}", 2)
    try:
        texts = decode_image(data, all_formats=all_formats)
    except QrImageUnreadableError as exc:
        fail_with(exc, code=1)
    if not texts:
        fail("未找到二维码 · no code found", 1)
    for text in texts:
        typer.echo(text)
