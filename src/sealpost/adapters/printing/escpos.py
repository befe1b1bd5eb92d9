"""ESC/POS for receipt printers: the label as raster graphics (``GS v 0``), then a cut.

Receipt printers have no label language, so the whole label is drawn as one 1-bit image and sent
in bands of ``GS v 0`` raster commands (bit 1 = ink). An 80 mm printer's head is 576 dots wide
(72 mm at 203 dpi) and a 58 mm printer's 384 dots: a label wider than the head is drawn at a
proportionally lower resolution so it fits, barcodes still in whole-dot modules. A batch is one
job: labels one after the other, each followed by a feed and a partial cut.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from sealpost.adapters.printing.layout import layout_label
from sealpost.adapters.printing.raster import MM_PER_INCH, pack_mask, render_layout
from sealpost.domain.labels import LabelContent, LabelSpec

MEDIA_TYPE: Final = "application/vnd.escpos"
#: Print head width of an 80 mm receipt printer, dots.
HEAD_80MM: Final = 576
HEAD_58MM: Final = 384
#: Rows per ``GS v 0`` command (printers have small receive buffers).
BAND_ROWS: Final = 128

ESC_INIT: Final = b"\x1b@"
ALIGN_CENTER: Final = b"\x1ba\x01"
FEED_AND_CUT: Final = b"\x1bd\x04" + b"\x1dVB\x00"  # feed 4 lines, partial cut


def raster_commands(mask_rows: bytes, bytes_per_row: int, height: int) -> bytes:
    """``GS v 0`` commands (mode 0, normal size) for the packed rows, in bands."""
    out = bytearray()
    for top in range(0, height, BAND_ROWS):
        rows = min(BAND_ROWS, height - top)
        out += b"\x1dv0\x00"
        out += bytes((bytes_per_row & 0xFF, bytes_per_row >> 8, rows & 0xFF, rows >> 8))
        out += mask_rows[top * bytes_per_row : (top + rows) * bytes_per_row]
    return bytes(out)


def render_escpos(
    labels: Sequence[LabelContent],
    spec: LabelSpec,
    *,
    head_dots: int = HEAD_80MM,
    on_label: Callable[[int], None] | None = None,
) -> bytes:
    """One ESC/POS job: every label as raster graphics, each followed by a cut."""
    if not labels:
        raise ValueError("nothing to render")
    tpl = spec.template
    dpi = min(float(spec.dpi), head_dots * MM_PER_INCH / tpl.size.width_mm)
    out = bytearray(ESC_INIT + ALIGN_CENTER)
    for n, content in enumerate(labels, start=1):
        mask = render_layout(layout_label(content, tpl), dpi, ink=1)
        row, data = pack_mask(mask, ink_bit=1)
        out += raster_commands(data, row, mask.size[1])
        out += FEED_AND_CUT
        if on_label is not None:
            on_label(n)
    return bytes(out)


class EscposRenderer:
    media_type = MEDIA_TYPE
    extension = "escpos"
    batch = True

    def __init__(self, head_dots: int = HEAD_80MM) -> None:
        self.head_dots = head_dots

    def render(
        self, labels: Sequence[LabelContent], spec: LabelSpec, on_label: Callable[[int], None] | None = None
    ) -> bytes:
        return render_escpos(labels, spec, head_dots=self.head_dots, on_label=on_label)
