"""ZPL II labels (Zebra and the many ZPL-compatible printers), DPI-aware.

What goes to the printer, per label (``^XA`` … ``^XZ``):

* **Text** — Chinese included — as ``^GF`` graphic fields: each text box is drawn with the label
  font into a small 1-bit bitmap at the printer's resolution, cropped to its ink, and sent as
  ASCII hex with ZPL's row compression (``,`` fills the rest of a row with white, ``:`` repeats the
  previous row). No font download, no ``^CI`` code page: the label prints the same on any firmware.
* **Lines and frames** as ``^GB`` boxes.
* **Code 128** natively as ``^BY``/``^BC`` with *manual* code-set selection (``>:`` start B,
  ``>;`` start C, ``>5``/``>6`` switch to C/B), so the printer draws exactly the symbol values
  reportlab's encoder chose — the same bars as the PDF and PNG, whole-dot modules.
* **QR** natively as ``^BQN,2,m`` with ``^FDMA,`` (level M, automatic mode) at the same module
  size as the bitmaps.

``barcodes="graphic"`` sends both symbols as ``^GF`` bitmaps instead (for printers whose firmware
lacks ``^BQ``, or to print exactly the tested pixels). Coordinates are dots at ``spec.dpi``
(203 dpi = 8 dots/mm, 300 dpi ≈ 11.8 dots/mm); ``^PW``/``^LL`` set the label size. A batch is one
job: one ``^XA … ^XZ`` format per label.
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

MEDIA_TYPE: Final = "application/vnd.zebra.zpl"
BarcodeMode = Literal["native", "graphic"]

#: ZPL ^BC invocation codes for Code 128 start and code-set switch symbol values.
_INVOCATION: Final = {START_B: ">:", START_C: ">;", CODE_C: ">5", CODE_B: ">6"}


def gf_hex(mask: Image.Image) -> tuple[int, int, str]:
    """``^GFA`` payload of an ink mask: ``(total_bytes, bytes_per_row, compressed ASCII hex)``."""
    row, data = pack_mask(mask, ink_bit=1)
    hexdata = data.hex().upper()
    step = row * 2
    out: list[str] = []
    previous = None
    for i in range(0, len(hexdata), step):
        line = hexdata[i : i + step]
        if line == previous:
            out.append(":")
            continue
        previous = line
        stripped = line.rstrip("0")
        out.append(stripped + "," if len(stripped) < len(line) else line)
    return len(data), row, "".join(out)


def graphic_field(x: int, y: int, mask: Image.Image) -> str:
    total, row, payload = gf_hex(mask)
    return f"^FO{x},{y}^GFA,{total},{total},{row},{payload}^FS"


def code128_field_data(symbol: Code128Symbol) -> str:
    """``^FD`` data for ``^BC`` without mode (``N``): invocation codes reproduce our symbol values.

    The printer adds the check value and the stop pattern itself. Waybill numbers are upper-case
    letters, digits and dashes, so only subsets B and C occur.
    """
    values = symbol.values
    if len(values) < 3 or values[-1] != STOP or values[0] not in (START_B, START_C):
        raise ValueError("unsupported Code 128 symbol (subset A is not used for waybill numbers)")
    subset_c = values[0] == START_C
    out = [_INVOCATION[values[0]]]
    for v in values[1:-2]:  # without check value and stop
        if subset_c:
            if v == CODE_B:
                out.append(_INVOCATION[CODE_B])
                subset_c = False
            elif v < 100:
                out.append(f"{v:02d}")
            else:
                raise ValueError(f"unsupported Code 128 value {v} in subset C")
        elif v == CODE_C:
            out.append(_INVOCATION[CODE_C])
            subset_c = True
        elif v < 95:
            ch = chr(v + 32)  # subset B: value = ASCII code - 32
            if ch in "^~>":
                raise ValueError("Code 128 data for ZPL must not hold ^, ~ or >")
            out.append(ch)
        else:
            raise ValueError(f"unsupported Code 128 value {v} in subset B")
    return "".join(out)


@lru_cache(maxsize=4096)
def _text_field(op: TextOp, dpi: int) -> str:
    """The ``^GF`` field of a text box; cached, since captions and marks repeat on every label."""
    x, y, mask = text_bitmap(op, dpi)
    return graphic_field(x, y, mask)


class _Format:
    def __init__(self, spec: LabelSpec, barcodes: BarcodeMode) -> None:
        self.dpi = spec.dpi
        self.barcodes = barcodes
        self.out: list[str] = []

    def box(self, x: int, y: int, w: int, h: int, t: int) -> None:
        self.out.append(f"^FO{x},{y}^GB{max(w, t)},{max(h, t)},{t},B,0^FS")

    def line(self, op: LineOp) -> None:
        d = self.dpi
        t = max(1, dots(op.width, d))
        x1, y1, x2, y2 = dots(op.x1, d), dots(op.y1, d), dots(op.x2, d), dots(op.y2, d)
        if y1 == y2:
            left, right = min(x1, x2), max(x1, x2)
            if op.dash > 0:
                step = max(1, dots(op.dash, d))
                for x in range(left, right, 2 * step):
                    self.box(x, y1 - t // 2, min(step, right - x), t, t)
            else:
                self.box(left, y1 - t // 2, right - left, t, t)
        else:
            self.box(x1 - t // 2, min(y1, y2), t, abs(y2 - y1), t)

    def rect(self, op: RectOp) -> None:
        d = self.dpi
        x, y = dots(op.x, d), dots(op.y, d)
        w, h = dots(op.x + op.w, d) - x, dots(op.y + op.h, d) - y
        t = min(w, h) if op.fill else max(1, dots(op.stroke, d))
        self.box(x, y, w, h, t)

    def text(self, op: TextOp) -> None:
        self.out.append(_text_field(op, self.dpi))

    def barcode(self, op: BarcodeOp) -> None:
        g = barcode_geometry(op, self.dpi)
        if self.barcodes == "graphic":
            self.out.append(graphic_field(g.x, g.y, barcode_image(op, self.dpi)))
            return
        data = code128_field_data(op.symbol)
        self.out.append(f"^FO{g.x},{g.y}^BY{g.module}^BCN,{g.height},N,N,N,N^FD{data}^FS")

    def qr(self, op: QrOp) -> None:
        g = qr_geometry(op, self.dpi)
        if self.barcodes == "graphic" or g.module > 10:
            self.out.append(graphic_field(g.x, g.y, qr_image(op, self.dpi)))
            return
        self.out.append(f"^FO{g.x},{g.y}^BQN,2,{g.module}^FDMA,{op.data}^FS")

    def render(self, layout: LabelLayout) -> str:
        d = self.dpi
        self.out = ["^XA", "^CI28", f"^PW{dots(layout.width, d)}", f"^LL{dots(layout.height, d)}", "^LH0,0"]
        paint(self, layout.ops)
        self.out += ["^PQ1,0,1,Y", "^XZ"]
        return "\n".join(self.out) + "\n"


def render_zpl(
    labels: Sequence[LabelContent],
    spec: LabelSpec,
    *,
    barcodes: BarcodeMode = "native",
    on_label: Callable[[int], None] | None = None,
) -> bytes:
    """One ZPL job holding every label (``^XA … ^XZ`` each)."""
    if not labels:
        raise ValueError("nothing to render")
    fmt = _Format(spec, barcodes)
    tpl = spec.template
    parts: list[str] = []
    for n, content in enumerate(labels, start=1):
        parts.append(fmt.render(layout_label(content, tpl)))
        if on_label is not None:
            on_label(n)
    return "".join(parts).encode("ascii")


class ZplRenderer:
    media_type = MEDIA_TYPE
    extension = "zpl"
    batch = True

    def __init__(self, barcodes: BarcodeMode = "native") -> None:
        self.barcodes: BarcodeMode = barcodes

    def render(
        self, labels: Sequence[LabelContent], spec: LabelSpec, on_label: Callable[[int], None] | None = None
    ) -> bytes:
        return render_zpl(labels, spec, barcodes=self.barcodes, on_label=on_label)
