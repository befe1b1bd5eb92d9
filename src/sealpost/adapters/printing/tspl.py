"""TSPL labels (TSC and most Chinese label printers: Gprinter, Xprinter, HPRT, iDPRT …).

Per label: ``SIZE``/``GAP``/``DIRECTION``/``REFERENCE``/``CLS``, then the label, then ``PRINT 1,1``.

* **Text** — Chinese included — as ``BITMAP x,y,width_bytes,height,0,<binary>`` images drawn with
  the label font (bit 0 = ink, as TSPL wants). The printer's built-in ``TSS24.BF2`` Chinese font
  would need GB 18030 encoding and has one size and one look per model; bitmaps print the same
  everywhere, at the same sizes as the PDF.
* **Lines and frames** as ``BAR`` (filled rectangles) and ``BOX``.
* **Code 128** natively as ``BARCODE …,"128M",…`` with manual code-set control codes (``!104``
  start B, ``!105`` start C, ``!099`` code C, ``!100`` code B), so the printer draws exactly
  reportlab's symbol values with whole-dot modules.
* **QR** natively as ``QRCODE x,y,M,cell,A,0,"…"``.

``barcodes="graphic"`` sends both symbols as ``BITMAP`` images instead. Coordinates are dots at
``spec.dpi``. A batch is one job: the setup once, then ``CLS`` … ``PRINT 1,1`` per label.
Commands end with CR LF; ``BITMAP`` payloads are raw bytes followed by CR LF.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Final, Literal

from PIL import Image

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
from sealpost.adapters.printing.raster import (
    barcode_geometry,
    barcode_image,
    dots,
    pack_mask,
    qr_geometry,
    qr_image,
    text_bitmap,
)
from sealpost.adapters.printing.symbols import CODE_B, CODE_C, START_B, START_C, STOP, Code128Symbol
from sealpost.domain.labels import LabelContent, LabelSpec

MEDIA_TYPE: Final = "application/vnd.tsc.tspl"
BarcodeMode = Literal["native", "graphic"]
#: Gap between labels on the roll, mm (die-cut labels; 0 for continuous media).
DEFAULT_GAP_MM: Final = 2.0
CRLF: Final = b"\r\n"


def code128m_content(symbol: Code128Symbol) -> str:
    """``BARCODE "128M"`` content: ``!nnn`` control codes reproduce our symbol values exactly.

    Digits in subset C are given as digit pairs; the printer adds the check value and the stop.
    Waybill numbers are upper-case letters, digits and dashes, so only subsets B and C occur.
    """
    values = symbol.values
    if len(values) < 3 or values[-1] != STOP or values[0] not in (START_B, START_C):
        raise ValueError("unsupported Code 128 symbol (subset A is not used for waybill numbers)")
    subset_c = values[0] == START_C
    out = [f"!{values[0]:03d}"]
    for v in values[1:-2]:  # without check value and stop
        if subset_c:
            if v == CODE_B:
                out.append(f"!{CODE_B:03d}")
                subset_c = False
            elif v < 100:
                out.append(f"{v:02d}")
            else:
                raise ValueError(f"unsupported Code 128 value {v} in subset C")
        elif v == CODE_C:
            out.append(f"!{CODE_C:03d}")
            subset_c = True
        elif v < 95:
            ch = chr(v + 32)  # subset B: value = ASCII code - 32
            if ch in '"!':
                raise ValueError('Code 128 data for TSPL must not hold " or !')
            out.append(ch)
        else:
            raise ValueError(f"unsupported Code 128 value {v} in subset B")
    return "".join(out)


def bitmap_command(x: int, y: int, mask: Image.Image) -> bytes:
    row, data = pack_mask(mask, ink_bit=0)
    return f"BITMAP {x},{y},{row},{mask.size[1]},0,".encode("ascii") + data + CRLF


@lru_cache(maxsize=4096)
def _text_command(op: TextOp, dpi: int) -> bytes:
    """The ``BITMAP`` command of a text box; cached, since captions and marks repeat on every label."""
    x, y, mask = text_bitmap(op, dpi)
    return bitmap_command(x, y, mask)


class _Label:
    def __init__(self, spec: LabelSpec, barcodes: BarcodeMode) -> None:
        self.dpi = spec.dpi
        self.barcodes = barcodes
        self.out: list[bytes] = []

    def cmd(self, text: str) -> None:
        self.out.append(text.encode("ascii") + CRLF)

    def line(self, op: LineOp) -> None:
        d = self.dpi
        t = max(1, dots(op.width, d))
        x1, y1, x2, y2 = dots(op.x1, d), dots(op.y1, d), dots(op.x2, d), dots(op.y2, d)
        if y1 == y2:
            left, right = min(x1, x2), max(x1, x2)
            if op.dash > 0:
                step = max(1, dots(op.dash, d))
                for x in range(left, right, 2 * step):
                    self.cmd(f"BAR {x},{y1 - t // 2},{min(step, right - x)},{t}")
            else:
                self.cmd(f"BAR {left},{y1 - t // 2},{right - left},{t}")
        else:
            self.cmd(f"BAR {x1 - t // 2},{min(y1, y2)},{t},{abs(y2 - y1)}")

    def rect(self, op: RectOp) -> None:
        d = self.dpi
        x, y = dots(op.x, d), dots(op.y, d)
        x2, y2 = dots(op.x + op.w, d), dots(op.y + op.h, d)
        if op.fill:
            self.cmd(f"BAR {x},{y},{x2 - x},{y2 - y}")
        else:
            self.cmd(f"BOX {x},{y},{x2},{y2},{max(1, dots(op.stroke, d))}")

    def text(self, op: TextOp) -> None:
        self.out.append(_text_command(op, self.dpi))

    def barcode(self, op: BarcodeOp) -> None:
        g = barcode_geometry(op, self.dpi)
        if self.barcodes == "graphic":
            self.out.append(bitmap_command(g.x, g.y, barcode_image(op, self.dpi)))
            return
        content = code128m_content(op.symbol)
        self.cmd(f'BARCODE {g.x},{g.y},"128M",{g.height},0,0,{g.module},{g.module},"{content}"')

    def qr(self, op: QrOp) -> None:
        g = qr_geometry(op, self.dpi)
        if self.barcodes == "graphic" or g.module > 10:
            self.out.append(bitmap_command(g.x, g.y, qr_image(op, self.dpi)))
            return
        self.cmd(f'QRCODE {g.x},{g.y},M,{g.module},A,0,"{op.data}"')

    def render(self, layout: LabelLayout) -> bytes:
        self.out = []
        self.cmd("CLS")
        paint(self, layout.ops)
        self.cmd("PRINT 1,1")
        return b"".join(self.out)


def render_tspl(
    labels: Sequence[LabelContent],
    spec: LabelSpec,
    *,
    barcodes: BarcodeMode = "native",
    gap_mm: float = DEFAULT_GAP_MM,
    on_label: Callable[[int], None] | None = None,
) -> bytes:
    """One TSPL job: the media setup once, then every label."""
    if not labels:
        raise ValueError("nothing to render")
    tpl = spec.template
    head = (
        f"SIZE {tpl.size.width_mm:g} mm,{tpl.size.height_mm:g} mm\r\n"
        f"GAP {gap_mm:g} mm,0 mm\r\n"
        "DIRECTION 1,0\r\n"
        "REFERENCE 0,0\r\n"
    ).encode("ascii")
    label = _Label(spec, barcodes)
    parts = [head]
    for n, content in enumerate(labels, start=1):
        parts.append(label.render(layout_label(content, tpl)))
        if on_label is not None:
            on_label(n)
    return b"".join(parts)


class TsplRenderer:
    media_type = MEDIA_TYPE
    extension = "tspl"
    batch = True

    def __init__(self, barcodes: BarcodeMode = "native", gap_mm: float = DEFAULT_GAP_MM) -> None:
        self.barcodes: BarcodeMode = barcodes
        self.gap_mm = gap_mm

    def render(
        self, labels: Sequence[LabelContent], spec: LabelSpec, on_label: Callable[[int], None] | None = None
    ) -> bytes:
        return render_tspl(labels, spec, barcodes=self.barcodes, gap_mm=self.gap_mm, on_label=on_label)
