"""Drawing a label layout into a 1-bit bitmap at a printer's resolution (203 or 300 dpi).

Shared by every bitmap format: PNG and ESC/POS draw the whole label; ZPL and TSPL draw text boxes
one at a time into small bitmaps (``^GF`` / ``BITMAP``) and, unless asked for graphics, leave the
barcodes to the printer's native commands — placed with the same geometry computed here, so both
paths put the same bars on the same dots.

Images are Pillow mode ``"1"``: 0 is ink (black), 1 is paper (white).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from PIL import Image, ImageDraw

from sealpost.adapters.printing.fonts import glyphs, metrics
from sealpost.adapters.printing.layout import BarcodeOp, LabelLayout, LineOp, Op, QrOp, RectOp, TextOp
from sealpost.adapters.printing.symbols import CODE128_QUIET, QR_QUIET, qr_matrix, qr_modules

INK: Final = 0
PAPER: Final = 1
#: Baseline position inside the em box (the font's typographic ascender): CJK glyphs sit on it.
BASELINE: Final = 0.8
MM_PER_INCH: Final = 25.4


def dots(mm: float, dpi: float) -> int:
    return round(mm * dpi / MM_PER_INCH)


@dataclass(frozen=True, slots=True)
class BarcodeGeometry:
    x: int
    y: int
    module: int
    height: int


@dataclass(frozen=True, slots=True)
class QrGeometry:
    x: int
    y: int
    module: int
    modules: int


def barcode_geometry(op: BarcodeOp, dpi: float) -> BarcodeGeometry:
    """Where the first bar starts, whole-dot module width and bar height (quiet zones outside)."""
    box_w = dots(op.w, dpi)
    module = max(1, min(round(op.module * dpi / MM_PER_INCH), box_w // op.symbol.modules_with_quiet))
    width = op.symbol.modules * module
    x = dots(op.x, dpi) + (box_w - width) // 2
    return BarcodeGeometry(x=x, y=dots(op.y, dpi), module=module, height=max(1, dots(op.h, dpi)))


def qr_geometry(op: QrOp, dpi: float) -> QrGeometry:
    """Whole-dot module size and top-left of the symbol (without quiet zone), centred in its box."""
    n = qr_modules(op.data)
    box = dots(op.size, dpi)
    module = max(1, box // (n + 2 * QR_QUIET))
    offset = (box - n * module) // 2
    return QrGeometry(x=dots(op.x, dpi) + offset, y=dots(op.y, dpi) + offset, module=module, modules=n)


def _bold_offset(px: int) -> int:
    return max(1, round(px / 22))


def line_origins(op: TextOp, dpi: float) -> list[tuple[int, int, str]]:
    """Pen position (left, top of the font's ascender) of each line, in dots."""
    fm = metrics()
    size_px = op.size * dpi / MM_PER_INCH
    lh = op.line_height
    out: list[tuple[int, int, str]] = []
    for i, line in enumerate(op.lines):
        if not line:
            continue
        em_top = op.y + i * lh + (lh - op.size) / 2
        baseline = em_top + BASELINE * op.size
        width = fm.width(line, op.size)
        if op.align == "center":
            left = op.x + (op.w - width) / 2
        elif op.align == "right":
            left = op.x + op.w - width
        else:
            left = op.x
        out.append(
            (round(left * dpi / MM_PER_INCH), round(baseline * dpi / MM_PER_INCH - fm.ascent * size_px), line)
        )
    return out


def draw_text(
    img: Image.Image, op: TextOp, dpi: float, origin: tuple[int, int] = (0, 0), *, ink: int = INK
) -> None:
    """Paste the glyphs of ``op`` into ``img`` (``origin`` is subtracted from every position)."""
    fm = metrics()
    px = round(op.size * dpi / MM_PER_INCH)
    cache = glyphs(px)
    bold = _bold_offset(px) if op.bold else 0
    scale = op.size * dpi / MM_PER_INCH
    ox, oy = origin
    img.load()
    core = img.im  # Pillow's C image: paste without the Python wrapper's checks (hot path)
    width, height = img.size
    for left, top, line in line_origins(op, dpi):
        pen = float(left - ox)
        y = top - oy
        for ch in line:
            g = cache.glyph(ch)
            if g.mask is not None:
                x0 = round(pen) + g.dx
                y0 = y + g.dy
                mw, mh = g.mask.size
                for dx in (0, bold) if bold else (0,):
                    if x0 + dx >= 0 and y0 >= 0 and x0 + dx + mw <= width and y0 + mh <= height:
                        core.paste(ink, (x0 + dx, y0, x0 + dx + mw, y0 + mh), g.core)
                    else:
                        img.paste(ink, (x0 + dx, y0), g.mask)
            pen += fm.advance(ch) * scale


def text_bitmap(op: TextOp, dpi: float) -> tuple[int, int, Image.Image]:
    """The text of ``op`` alone as an *ink mask* (1 = ink), cropped to its ink: ``(x, y, mask)``."""
    x0, y0 = dots(op.x, dpi), dots(op.y, dpi)
    pad = dots(op.size, dpi)  # glyphs may overhang the box a little (bold, descenders)
    img = Image.new("1", (dots(op.w, dpi) + 2 * pad, dots(op.h, dpi) + 2 * pad), 0)
    draw_text(img, op, dpi, origin=(x0 - pad, y0 - pad), ink=1)
    bbox = img.getbbox()
    if bbox is None:
        return x0, y0, Image.new("1", (8, 1), 0)
    return x0 - pad + bbox[0], y0 - pad + bbox[1], img.crop(bbox)


def _rect(draw: ImageDraw.ImageDraw, x0: int, y0: int, x1: int, y1: int, ink: int = INK) -> None:
    if x1 > x0 and y1 > y0:
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=ink)


def draw_line(draw: ImageDraw.ImageDraw, op: LineOp, dpi: float, ink: int = INK) -> None:
    t = max(1, dots(op.width, dpi))
    x1, y1, x2, y2 = dots(op.x1, dpi), dots(op.y1, dpi), dots(op.x2, dpi), dots(op.y2, dpi)
    if y1 == y2:  # horizontal
        y = y1 - t // 2
        if op.dash > 0:
            d = max(1, dots(op.dash, dpi))
            for x in range(min(x1, x2), max(x1, x2), 2 * d):
                _rect(draw, x, y, min(x + d, max(x1, x2)), y + t, ink)
        else:
            _rect(draw, min(x1, x2), y, max(x1, x2), y + t, ink)
    else:  # vertical (the layout draws no slanted lines)
        x = x1 - t // 2
        _rect(draw, x, min(y1, y2), x + t, max(y1, y2), ink)


def draw_rect(draw: ImageDraw.ImageDraw, op: RectOp, dpi: float, ink: int = INK) -> None:
    x0, y0 = dots(op.x, dpi), dots(op.y, dpi)
    x1, y1 = dots(op.x + op.w, dpi), dots(op.y + op.h, dpi)
    if op.fill:
        _rect(draw, x0, y0, x1, y1, ink)
        return
    t = max(1, dots(op.stroke, dpi))
    _rect(draw, x0, y0, x1, y0 + t, ink)
    _rect(draw, x0, y1 - t, x1, y1)
    _rect(draw, x0, y0, x0 + t, y1, ink)
    _rect(draw, x1 - t, y0, x1, y1)


def barcode_image(op: BarcodeOp, dpi: float) -> Image.Image:
    """The bars alone (no quiet zone) as an ink mask (1 = ink) of whole-dot modules."""
    g = barcode_geometry(op, dpi)
    row = bytearray()
    for i, w in enumerate(op.symbol.widths):
        row += (b"\xff" if i % 2 == 0 else b"\x00") * w
    one = Image.frombytes("L", (len(row), 1), bytes(row)).convert("1")
    return one.resize((len(row) * g.module, g.height), Image.Resampling.NEAREST)


def qr_image(op: QrOp, dpi: float) -> Image.Image:
    """The QR symbol alone (no quiet zone) as an ink mask (1 = ink) of whole-dot modules."""
    g = qr_geometry(op, dpi)
    rows = qr_matrix(op.data)
    n = len(rows)
    one = Image.frombytes("L", (n, n), b"".join(rows).replace(b"\x01", b"\xff")).convert("1")
    return one.resize((n * g.module, n * g.module), Image.Resampling.NEAREST)


def draw_barcode(img: Image.Image, op: BarcodeOp, dpi: float, *, ink: int = INK) -> None:
    g = barcode_geometry(op, dpi)
    img.paste(ink, (g.x, g.y), barcode_image(op, dpi))


def draw_qr(img: Image.Image, op: QrOp, dpi: float, *, ink: int = INK) -> None:
    g = qr_geometry(op, dpi)
    img.paste(ink, (g.x, g.y), qr_image(op, dpi))


def draw_op(img: Image.Image, draw: ImageDraw.ImageDraw, op: Op, dpi: float, ink: int = INK) -> None:
    if isinstance(op, TextOp):
        draw_text(img, op, dpi, ink=ink)
    elif isinstance(op, LineOp):
        draw_line(draw, op, dpi, ink)
    elif isinstance(op, RectOp):
        draw_rect(draw, op, dpi, ink)
    elif isinstance(op, BarcodeOp):
        draw_barcode(img, op, dpi, ink=ink)
    else:
        draw_qr(img, op, dpi, ink=ink)


def render_layout(
    layout: LabelLayout, dpi: float, *, width_dots: int | None = None, ink: int = INK
) -> Image.Image:
    """The whole label as a 1-bit image (``ink=1``: an ink mask, 1 = ink, for printer payloads).

    ``width_dots`` pads or crops the image to a print head's width.
    """
    w = dots(layout.width, dpi)
    h = dots(layout.height, dpi)
    img = Image.new("1", (width_dots or w, h), 1 - ink)
    draw = ImageDraw.Draw(img)
    for op in layout.ops:
        draw_op(img, draw, op, dpi, ink)
    return img


__all__ = [
    "BASELINE",
    "CODE128_QUIET",
    "INK",
    "PAPER",
    "BarcodeGeometry",
    "QrGeometry",
    "barcode_geometry",
    "barcode_image",
    "dots",
    "draw_op",
    "line_origins",
    "pack_mask",
    "qr_geometry",
    "qr_image",
    "render_layout",
    "text_bitmap",
]


_INVERT: Final = bytes(255 - i for i in range(256))


def pack_mask(mask: Image.Image, *, ink_bit: int) -> tuple[int, bytes]:
    """Rows of an ink mask (1 = ink) packed 8 dots a byte, most significant bit leftmost.

    Rows are padded to whole bytes with paper. ``ink_bit`` is what the printer language calls
    ink: 1 for ZPL ``^GF`` and ESC/POS raster, 0 for TSPL ``BITMAP``. Returns
    ``(bytes_per_row, data)``.
    """
    data = mask.tobytes()  # Pillow pads each row with 0 bits: paper in a mask
    row = (mask.size[0] + 7) // 8
    return row, data if ink_bit == 1 else data.translate(_INVERT)
