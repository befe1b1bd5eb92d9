"""PDF labels (reportlab): vector text in an embedded CJK TrueType subset, one page per label.

The label font is embedded as a subset (reportlab's ``TTFont`` embeds only the glyphs used), so
the PDF shows Chinese on any machine, with or without CJK fonts installed — unlike the built-in
``STSong-Light`` CID font, which is only *referenced* and vanishes where the viewer lacks it.
The Code 128 symbol is drawn by reportlab's barcode module with the layout's module width; the QR
symbol is drawn module by module from segno's matrix. A batch is one PDF, one page per label.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from typing import Final

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm as _rl_mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from sealpost.adapters.printing.fonts import FontFile, font_file, metrics
from sealpost.adapters.printing.layout import (
    BarcodeOp,
    LabelLayout,
    LineOp,
    QrOp,
    RectOp,
    TextOp,
    layout_label,
    paint,
)
from sealpost.adapters.printing.raster import BASELINE
from sealpost.adapters.printing.symbols import QR_QUIET, qr_matrix
from sealpost.domain.labels import LabelContent, LabelSpec

MEDIA_TYPE: Final = "application/pdf"
#: Points per millimetre.
MM: Final[float] = float(_rl_mm)
#: Stroke width of the fake bold (the font has no bold face), as a fraction of the font size.
BOLD_STROKE: Final = 0.045

_registered: dict[str, str] = {}
_lock = threading.Lock()


def _font_name(font: FontFile) -> str:
    """Register the label font with reportlab once per process; its reportlab name."""
    with _lock:
        name = _registered.get(font.key)
        if name is None:
            name = f"SealpostLabel{len(_registered)}"
            pdfmetrics.registerFont(TTFont(name, str(font.path), subfontIndex=font.index))
            _registered[font.key] = name
        return name


class _Page:
    def __init__(self, canvas: Canvas, layout: LabelLayout, font: str) -> None:
        self.c = canvas
        self.h = layout.height
        self.font = font
        self.fm = metrics()

    def y(self, top_mm: float) -> float:
        """Label y (mm from the top) → PDF y (points from the bottom)."""
        return (self.h - top_mm) * MM

    def text(self, op: TextOp) -> None:
        c = self.c
        lh = op.line_height
        for i, line in enumerate(op.lines):
            if not line:
                continue
            width = self.fm.width(line, op.size)
            left = op.x
            if op.align == "center":
                left = op.x + (op.w - width) / 2
            elif op.align == "right":
                left = op.x + op.w - width
            baseline = op.y + i * lh + (lh - op.size) / 2 + BASELINE * op.size
            t = c.beginText(left * MM, self.y(baseline))
            t.setFont(self.font, op.size * MM)
            if op.bold:
                t.setTextRenderMode(2)  # fill + stroke: a faux bold for a font without a bold face
                c.setLineWidth(op.size * MM * BOLD_STROKE)
            t.textOut(line)
            c.drawText(t)

    def line(self, op: LineOp) -> None:
        c = self.c
        c.setLineWidth(op.width * MM)
        c.setDash([op.dash * MM, op.dash * MM] if op.dash > 0 else [])
        c.line(op.x1 * MM, self.y(op.y1), op.x2 * MM, self.y(op.y2))
        c.setDash([])

    def rect(self, op: RectOp) -> None:
        c = self.c
        c.setLineWidth(op.stroke * MM)
        inset = 0.0 if op.fill else op.stroke / 2
        c.rect(
            (op.x + inset) * MM,
            self.y(op.y + op.h - inset),
            (op.w - 2 * inset) * MM,
            (op.h - 2 * inset) * MM,
            stroke=0 if op.fill else 1,
            fill=1 if op.fill else 0,
        )

    def barcode(self, op: BarcodeOp) -> None:
        width = op.symbol.modules * op.module
        bc = Code128(op.symbol.data, barWidth=op.module * MM, barHeight=op.h * MM, quiet=0)
        bc.drawOn(self.c, (op.x + (op.w - width) / 2) * MM, self.y(op.y + op.h))

    def qr(self, op: QrOp) -> None:
        rows = qr_matrix(op.data)
        n = len(rows)
        module = op.size / (n + 2 * QR_QUIET)
        x0 = op.x + QR_QUIET * module
        y0 = op.y + QR_QUIET * module
        path = self.c.beginPath()
        for r, row in enumerate(rows):
            col = 0
            while col < n:
                if row[col]:
                    start = col
                    while col < n and row[col]:
                        col += 1
                    path.rect(
                        (x0 + start * module) * MM,
                        self.y(y0 + (r + 1) * module),
                        (col - start) * module * MM,
                        module * MM,
                    )
                else:
                    col += 1
        self.c.drawPath(path, stroke=0, fill=1)

    def draw(self, layout: LabelLayout) -> None:
        paint(self, layout.ops)


def render_pdf(
    labels: Sequence[LabelContent],
    spec: LabelSpec,
    *,
    title: str = "sealpost labels",
    on_label: Callable[[int], None] | None = None,
) -> bytes:
    """All ``labels`` in one PDF, one page (of the label's size) each."""
    if not labels:
        raise ValueError("nothing to render")
    font = _font_name(font_file())
    tpl = spec.template
    buf = io.BytesIO()
    canvas = Canvas(
        buf,
        pagesize=(tpl.size.width_mm * MM, tpl.size.height_mm * MM),
        pageCompression=1,
        invariant=True,
        initialFontName=font,
    )
    canvas.setTitle(title)
    canvas.setCreator("sealpost")
    for n, content in enumerate(labels, start=1):
        layout = layout_label(content, tpl)
        _Page(canvas, layout, font).draw(layout)
        canvas.showPage()
        if on_label is not None:
            on_label(n)
    canvas.save()
    return buf.getvalue()


class PdfRenderer:
    media_type = MEDIA_TYPE
    extension = "pdf"
    batch = True

    def render(
        self, labels: Sequence[LabelContent], spec: LabelSpec, on_label: Callable[[int], None] | None = None
    ) -> bytes:
        return render_pdf(labels, spec, on_label=on_label)
