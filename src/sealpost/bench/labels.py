"""Benchmark: privacy waybill labels per second, per format, on one core.

For each format it renders the same receipts (already validated, 76×130 mm, 203 dpi) as one batch
job (one PDF / one print job holding every label) and as single-label jobs (what the API does per
request). Each figure is the median of a few rounds (the machine is shared and noisy). The
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


def _median_rate(count: int, rounds: int, work: Callable[[], object]) -> float:
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        rates.append(count / (time.perf_counter() - started))
    return statistics.median(rates)


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


def _batch(renderer: LabelRenderer, contents: Sequence[LabelContent], spec: LabelSpec) -> None:
    renderer.render(contents, spec)


def _singles(renderer: LabelRenderer, contents: Sequence[LabelContent], spec: LabelSpec) -> None:
    for content in contents:
        renderer.render([content], spec)


def run(labels: int = 200, singles: int = 60, rounds: int = 3) -> dict[str, Any]:
    printed_at = datetime.now(UTC)
    contents = [
        LabelContent.from_receipt(sample_receipt(i).receipt, printed_at=printed_at) for i in range(labels)
    ]
    spec = LabelSpec()
    renderers: dict[str, LabelRenderer] = {str(k): v for k, v in label_renderers().items()}
    renderers["zpl_graphic"] = ZplRenderer(barcodes="graphic")
    renderers["tspl_graphic"] = TsplRenderer(barcodes="graphic")
    for renderer in renderers.values():  # warm-up: fonts, glyph caches, imports
        renderer.render(contents[:1], spec)

    figures: dict[str, Any] = {"labels": labels, "size": spec.size.name, "dpi": spec.dpi}

    started = time.perf_counter()
    validated = [
        LabelContent.from_receipt(sample_receipt(i).receipt, printed_at=printed_at) for i in range(labels)
    ]
    figures["validate_receipts_per_s"] = round(len(validated) / (time.perf_counter() - started))
    figures["layout_labels_per_s"] = round(
        _median_rate(labels, rounds, lambda: [layout_label(c, spec.template) for c in contents])
    )
    baseline = _median_rate(singles, rounds, lambda: _baseline_png(contents[:singles], spec))
    figures["baseline_pillow_png_labels_per_s"] = round(baseline)

    for name, renderer in renderers.items():
        if renderer.batch:
            figures[f"{name}_batch_labels_per_s"] = round(
                _median_rate(labels, rounds, partial(_batch, renderer, contents, spec))
            )
        figures[f"{name}_single_labels_per_s"] = round(
            _median_rate(singles, rounds, partial(_singles, renderer, contents[:singles], spec))
        )
    for fmt in FORMATS:
        figures[f"{fmt}_single_vs_baseline"] = round(figures[f"{fmt}_single_labels_per_s"] / baseline, 2)
    best_printer = max(figures["zpl_batch_labels_per_s"], figures["tspl_batch_labels_per_s"])
    figures["zpl_or_tspl_target_met"] = best_printer >= ZPL_TARGET
    figures["pdf_target_met"] = figures["pdf_batch_labels_per_s"] >= PDF_TARGET
    report("sealpost bench labels (one core, 76×130 mm, 203 dpi)", figures)
    return figures
