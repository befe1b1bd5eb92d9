"""Benchmark: privacy waybill labels per second, per format, on one core.

For each format it renders the same receipts (already validated, 76×130 mm, 203 dpi) as one batch
job (one PDF / one print job holding every label) and as single-label jobs (what the API does per
request). Each figure is the median of a few rounds, each round on receipts never rendered before
(no warm per-label cache), counted in CPU time of this single-threaded process
(``time.process_time``): a per-core rate that other processes on a shared machine do not dilute;
the wall-clock rates are reported too (``…_wall``). The
baseline, measured in the same run, is the straightforward way to draw a label bitmap: Pillow's
``ImageDraw.text`` for every line on a grayscale image, thresholded to 1 bit and saved as PNG —
the "Pillow 203 dpi label → 1-bit PNG" row of the performance spec. Targets (issue 6): ≥ 300
labels/s for ZPL or TSPL and ≥ 150 labels/s for PDF, per core.
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from sealpost.adapters.printing import label_renderers
from sealpost.adapters.printing.fonts import font_file
from sealpost.adapters.printing.layout import BarcodeOp, LineOp, QrOp, RectOp, TextOp, layout_label
from sealpost.adapters.printing.raster import (
    MM_PER_INCH,
    barcode_geometry,
    barcode_image,
    dots,
    line_origins,
    qr_geometry,
    qr_image,
)
from sealpost.adapters.printing.tspl import TsplRenderer
from sealpost.adapters.printing.zpl import ZplRenderer
from sealpost.bench.report import report
from sealpost.domain.labels import FORMATS, LabelContent, LabelSpec
from sealpost.ports.printing import LabelRenderer
from sealpost.services.sample_receipts import sample_receipt

ZPL_TARGET = 300
PDF_TARGET = 150


class _Fresh:
    """Receipts never rendered before: every timed round gets its own, so no cache (text fields,
    fitted lines, QR matrices) is warm for them — only what really repeats between different
    parcels (captions, marks, common masked strings) is."""

    def __init__(self, printed_at: datetime) -> None:
        self.printed_at = printed_at
        self.seed = 0

    def take(self, n: int) -> list[LabelContent]:
        out = [
            LabelContent.from_receipt(sample_receipt(seed).receipt, printed_at=self.printed_at)
            for seed in range(self.seed, self.seed + n)
        ]
        self.seed += n
        return out


def _measure(
    fresh: _Fresh, count: int, rounds: int, work: Callable[[Sequence[LabelContent]], object]
) -> tuple[float, float]:
    """Median labels per second over ``rounds``, in CPU time of this single-threaded process (a
    per-core rate other processes on a shared machine do not dilute) and in wall-clock time."""
    rates, walls = [], []
    for _ in range(rounds):
        contents = fresh.take(count)
        cpu, wall = time.process_time(), time.perf_counter()
        work(contents)
        rates.append(count / max(1e-9, time.process_time() - cpu))
        walls.append(count / (time.perf_counter() - wall))
    return statistics.median(rates), statistics.median(walls)


def _batch(renderer: LabelRenderer, contents: Sequence[LabelContent], spec: LabelSpec) -> None:
    renderer.render(contents, spec)


def _singles(renderer: LabelRenderer, contents: Sequence[LabelContent], spec: LabelSpec) -> None:
    for content in contents:
        renderer.render([content], spec)


def _baseline_png(contents: Sequence[LabelContent], spec: LabelSpec) -> None:
    """The naive label: FreeType lays out every line again (no glyph cache), grayscale, PNG."""
    font = font_file()
    fonts: dict[int, ImageFont.FreeTypeFont] = {}
    dpi = spec.dpi
    for content in contents:
        layout = layout_label(content, spec.template)
        img = Image.new("L", (dots(layout.width, dpi), dots(layout.height, dpi)), 255)
        draw = ImageDraw.Draw(img)
        for op in layout.ops:
            if isinstance(op, TextOp):
                px = round(op.size * dpi / MM_PER_INCH)
                f = fonts.get(px)
                if f is None:
                    f = fonts[px] = ImageFont.truetype(str(font.path), px, index=font.index)
                for left, top, line in line_origins(op, dpi):
                    draw.text((left, top), line, font=f, fill=0, stroke_width=1 if op.bold else 0)
            elif isinstance(op, LineOp | RectOp):
                x1, y1 = (op.x1, op.y1) if isinstance(op, LineOp) else (op.x, op.y)
                x2, y2 = (op.x2, op.y2) if isinstance(op, LineOp) else (op.x + op.w, op.y + op.h)
                draw.rectangle((dots(x1, dpi), dots(y1, dpi), dots(x2, dpi), dots(y2, dpi)), outline=0)
            elif isinstance(op, BarcodeOp):
                g = barcode_geometry(op, dpi)
                img.paste(0, (g.x, g.y), barcode_image(op, dpi))
            elif isinstance(op, QrOp):
                q = qr_geometry(op, dpi)
                img.paste(0, (q.x, q.y), qr_image(op, dpi))
        out = io.BytesIO()
        img.point(lambda v: 255 if v > 127 else 0).convert("1").save(out, "PNG")


def run(labels: int = 200, singles: int = 60, rounds: int = 3) -> dict[str, Any]:
    fresh = _Fresh(datetime.now(UTC))
    spec = LabelSpec()
    renderers: dict[str, LabelRenderer] = {str(k): v for k, v in label_renderers().items()}
    renderers["zpl_graphic"] = ZplRenderer(barcodes="graphic")
    renderers["tspl_graphic"] = TsplRenderer(barcodes="graphic")
    for renderer in renderers.values():  # warm-up: fonts, glyph caches, imports
        renderer.render(fresh.take(1), spec)

    figures: dict[str, Any] = {"labels": labels, "size": spec.size.name, "dpi": spec.dpi}
    receipts = [sample_receipt(seed).receipt for seed in range(10_000, 10_000 + labels)]
    cpu = time.process_time()
    for receipt in receipts:
        LabelContent.from_receipt(receipt, printed_at=fresh.printed_at)
    figures["validate_receipts_per_s"] = round(labels / max(1e-9, time.process_time() - cpu))
    figures["layout_labels_per_s"] = round(
        _measure(fresh, labels, rounds, lambda cs: [layout_label(c, spec.template) for c in cs])[0]
    )
    baseline, _ = _measure(fresh, singles, rounds, lambda cs: _baseline_png(cs, spec))
    figures["baseline_pillow_png_labels_per_s"] = round(baseline)

    for name, renderer in renderers.items():
        if renderer.batch:
            rate, wall = _measure(fresh, labels, rounds, partial(_batch, renderer, spec=spec))
            figures[f"{name}_batch_labels_per_s"] = round(rate)
            figures[f"{name}_batch_labels_per_s_wall"] = round(wall)
        rate, wall = _measure(fresh, singles, rounds, partial(_singles, renderer, spec=spec))
        figures[f"{name}_single_labels_per_s"] = round(rate)
        figures[f"{name}_single_labels_per_s_wall"] = round(wall)
    for fmt in FORMATS:
        figures[f"{fmt}_single_vs_baseline"] = round(figures[f"{fmt}_single_labels_per_s"] / baseline, 2)
    best_printer = max(figures["zpl_batch_labels_per_s"], figures["tspl_batch_labels_per_s"])
    figures["zpl_or_tspl_target_met"] = best_printer >= ZPL_TARGET
    figures["pdf_target_met"] = figures["pdf_batch_labels_per_s"] >= PDF_TARGET
    report("sealpost bench labels (one core, 76×130 mm, 203 dpi)", figures)
    return figures
