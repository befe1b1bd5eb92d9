"""``sealpost label render|batch``: privacy waybill labels from signed receipts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import orjson
import typer

from sealpost.cli.output import fail, fail_with, print_json
from sealpost.errors import SealpostError
from sealpost.i18n import Lang, Text

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sealpost.domain.labels import LabelFormat
    from sealpost.ports.printing import LabelRenderer
    from sealpost.ports.receipts import ReceiptVerifier

app = typer.Typer(
    help="隐私面单 · privacy waybill labels (PDF, PNG, ZPL, TSPL, ESC/POS)", no_args_is_help=True
)

_FORMAT_HELP = "pdf | png | zpl | tspl | escpos"


def _lang() -> Lang:
    from sealpost.cli.settings import load_settings

    return load_settings().lang


def _read(path: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        fail(f"无法读取 cannot read {path}: {exc.strerror}", 2)


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        fail(f"无法写入 cannot write {path}: {exc.strerror}", 2)


def _renderers(barcodes: str, head_dots: int) -> dict[LabelFormat, LabelRenderer]:
    """The renderers with the printer options of the command line."""
    from sealpost.adapters.printing import label_renderers
    from sealpost.adapters.printing.escpos import EscposRenderer
    from sealpost.adapters.printing.tspl import TsplRenderer
    from sealpost.adapters.printing.zpl import ZplRenderer

    if barcodes not in ("native", "graphic"):
        fail("--barcodes 只能是 native 或 graphic · must be native or graphic", 2)
    if not 64 <= head_dots <= 2048:
        fail("--head-dots 超出范围 · out of range (64–2048)", 2)
    mode: Literal["native", "graphic"] = "graphic" if barcodes == "graphic" else "native"
    return {
        **label_renderers(),
        "zpl": ZplRenderer(barcodes=mode),
        "tspl": TsplRenderer(barcodes=mode),
        "escpos": EscposRenderer(head_dots=head_dots),
    }


def _verifier(keys: Path | None) -> ReceiptVerifier | None:
    """A signature check against the platform's published signing keys, when given."""
    if keys is None:
        return None
    import base64
    import binascii

    from sealpost.client.receipts import verify_receipt

    try:
        doc = orjson.loads(keys.read_bytes())
        public = {str(kid): base64.b64decode(key, validate=True) for kid, key in doc["signing_keys"].items()}
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, AttributeError, binascii.Error):
        fail(f"无法读取平台公钥 cannot read platform keys from {keys} (GET /v1/keys/platform)", 2)

    def verify(receipt: Mapping[str, Any]) -> None:
        verify_receipt(receipt, public)

    return verify


def _not_json(where_zh: str, where_en: str) -> SealpostError:
    return SealpostError(
        "receipt_not_json",
        Text(f"{where_zh}不是有效的 JSON 对象", f"{where_en} is not a valid JSON object"),
        status=400,
    )


@app.command("render")
def render(
    receipt: str = typer.Argument(..., help="signed receipt JSON file (- for standard input)"),
    fmt: str = typer.Option("pdf", "--format", "-f", help=_FORMAT_HELP),
    size: str = typer.Option("76x130", "--size", help="76x130 | 100x150 (mm)"),
    style: str = typer.Option("standard", "--style", help="standard (*) | smile (^_^)"),
    dpi: int = typer.Option(203, "--dpi", help="203 | 300 (PNG, ZPL, TSPL, ESC/POS)"),
    two_part: bool = typer.Option(False, "--two-part", help="carrier part + customer stub"),
    barcodes: str = typer.Option("native", "--barcodes", help="ZPL/TSPL: native printer barcodes | graphic"),
    head_dots: int = typer.Option(
        576, "--head-dots", help="ESC/POS print head width: 576 (80 mm) | 384 (58 mm)"
    ),
    keys: Path | None = typer.Option(
        None,
        "--keys",
        help="platform keys JSON (GET /v1/keys/platform): verify each receipt's signature first",
    ),
    output: Path = typer.Option(..., "--output", "-o", help="file to write"),
) -> None:
    """Print one label from a receipt · 由回执打印一张面单."""
    from sealpost.ports.clock import SystemClock
    from sealpost.services.render_label import label_spec, parse_format, render_label

    lang = _lang()
    try:
        parsed: Any = orjson.loads(_read(receipt))
    except orjson.JSONDecodeError:
        parsed = None
    if not isinstance(parsed, dict):
        fail_with(_not_json("回执文件", "the receipt file"), lang)
    try:
        spec = label_spec(size, two_part=two_part, style=style, dpi=dpi)
        result = render_label(
            parsed,
            parse_format(fmt),
            spec,
            renderers=_renderers(barcodes, head_dots),
            clock=SystemClock(),
            verify=_verifier(keys),
        )
    except SealpostError as exc:
        fail_with(exc, lang)
    _write(output, result.data)
    print_json(
        {
            "output": str(output),
            "format": fmt,
            "media_type": result.media_type,
            "labels": 1,
            "bytes": len(result.data),
        }
    )


@app.command("batch")
def batch(
    receipts: str = typer.Argument(..., help="JSON Lines file, one signed receipt per line (- for stdin)"),
    fmt: str = typer.Option("pdf", "--format", "-f", help=_FORMAT_HELP + " (png: a ZIP of PNGs)"),
    size: str = typer.Option("76x130", "--size", help="76x130 | 100x150 (mm)"),
    style: str = typer.Option("standard", "--style", help="standard (*) | smile (^_^)"),
    dpi: int = typer.Option(203, "--dpi", help="203 | 300 (PNG, ZPL, TSPL, ESC/POS)"),
    two_part: bool = typer.Option(False, "--two-part", help="carrier part + customer stub"),
    barcodes: str = typer.Option("native", "--barcodes", help="ZPL/TSPL: native printer barcodes | graphic"),
    head_dots: int = typer.Option(
        576, "--head-dots", help="ESC/POS print head width: 576 (80 mm) | 384 (58 mm)"
    ),
    keys: Path | None = typer.Option(
        None,
        "--keys",
        help="platform keys JSON (GET /v1/keys/platform): verify each receipt's signature first",
    ),
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="leave bad receipts out instead of stopping"
    ),
    output: Path = typer.Option(..., "--output", "-o", help="file to write (one document / one print job)"),
) -> None:
    """Print many labels into one document or print job · 批量打印面单."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from sealpost.ports.clock import SystemClock
    from sealpost.services.render_label import label_spec, parse_format, render_batch

    lang = _lang()
    lines = [line for line in _read(receipts).splitlines() if line.strip()]
    if not lines:
        fail("没有回执 no receipts in the input", 1)

    def items() -> list[dict[str, Any] | SealpostError]:
        out: list[dict[str, Any] | SealpostError] = []
        for n, line in enumerate(lines, start=1):
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError:
                value = None
            out.append(value if isinstance(value, dict) else _not_json(f"第 {n} 行", f"line {n}"))
        return out

    try:
        spec = label_spec(size, two_part=two_part, style=style, dpi=dpi)
        chosen = parse_format(fmt)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=True,
            console=Console(stderr=True),
        ) as progress:
            checked = progress.add_task("校验 checking", total=len(lines))
            drawn = progress.add_task("绘制 drawing", total=len(lines))

            def on_progress(stage: str, n: int) -> None:
                progress.update(checked if stage == "checked" else drawn, completed=n)

            result = render_batch(
                items(),
                chosen,
                spec,
                renderers=_renderers(barcodes, head_dots),
                verify=_verifier(keys),
                clock=SystemClock(),
                skip_invalid=skip_invalid,
                on_progress=on_progress,
            )
    except SealpostError as exc:
        index = exc.extra.get("index")
        if isinstance(index, int):
            typer.echo(f"第 {index + 1} 行 line {index + 1}:", err=True)
        fail_with(exc, lang)
    _write(output, result.data)
    for p in result.problems:
        typer.echo(f"跳过 skipped line {p.index + 1}: {p.error.message.get(lang)} [{p.error.code}]", err=True)
    print_json(
        {
            "output": str(output),
            "format": fmt,
            "media_type": result.media_type,
            "labels": result.count,
            "skipped": [{"line": p.index + 1, "code": p.error.code} for p in result.problems],
            "bytes": len(result.data),
        }
    )
