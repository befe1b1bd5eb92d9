"""One layout engine for every label format: label content → drawing operations in millimetres.

The renderers (``pdf``, ``png``, ``zpl``, ``tspl``, ``escpos``) only *draw* what this module
decides, so all formats show the same thing in the same place. Operations are device independent:
text boxes with already-wrapped lines, font size and weight; straight lines (solid or dashed);
rectangles; a Code 128 symbol with its nominal module width; a QR symbol. Coordinates are
millimetres from the label's top-left corner, y growing downwards.

Text is measured with the label font's advance widths (``fonts.FontMetrics``) and wrapped
CJK-style: a line may break between any two Chinese characters, but an ASCII word (a masked
phone, a house number, a weight) is kept whole when it fits, and closing punctuation never starts
a line. A text that does not fit its box at its preferred size is shrunk (not below a legible
minimum) and, as a last resort, cut with an ellipsis.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal, Protocol

from sealpost.adapters.printing.fonts import FontMetrics, metrics
from sealpost.adapters.printing.symbols import CODE128_QUIET, Code128Symbol, code128
from sealpost.domain.labels import LabelContent, LabelTemplate, Zone, ZoneBox

Align = Literal["left", "center", "right"]

#: Line height as a multiple of the font size.
LINE_HEIGHT: Final = 1.22
#: Smallest text printed, in mm (≈ 20 dots at 203 dpi: Chinese stays legible on thermal paper).
MIN_TEXT_MM: Final = 2.4
#: Nominal Code 128 module (X dimension) range in mm.
MIN_MODULE_MM: Final = 0.25
MAX_MODULE_MM: Final = 0.5
#: Stroke widths in mm.
BORDER: Final = 0.3
THIN: Final = 0.2
PAD: Final = 1.0

_NO_LINE_START: Final = frozenset("，。、；：？！）》」』】〕…·,.;:?!)]}%")
_ELLIPSIS: Final = "…"


@dataclass(frozen=True, slots=True)
class TextOp:
    x: float
    y: float
    w: float
    h: float
    lines: tuple[str, ...]
    size: float
    bold: bool = False
    align: Align = "left"

    @property
    def line_height(self) -> float:
        return self.size * LINE_HEIGHT


@dataclass(frozen=True, slots=True)
class LineOp:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    #: Dash length (and gap) in mm; 0 for a solid line.
    dash: float = 0.0


@dataclass(frozen=True, slots=True)
class RectOp:
    x: float
    y: float
    w: float
    h: float
    stroke: float
    fill: bool = False


@dataclass(frozen=True, slots=True)
class BarcodeOp:
    """A Code 128 symbol centred in its box (quiet zones included in the box)."""

    x: float
    y: float
    w: float
    h: float
    symbol: Code128Symbol
    #: Nominal module width in mm; bitmap renderers round it down to whole dots.
    module: float


@dataclass(frozen=True, slots=True)
class QrOp:
    """A QR symbol centred in a square box (a quiet zone of ``symbols.QR_QUIET`` modules inside)."""

    x: float
    y: float
    size: float
    data: str


Op = TextOp | LineOp | RectOp | BarcodeOp | QrOp


@dataclass(frozen=True, slots=True)
class LabelLayout:
    width: float
    height: float
    ops: tuple[Op, ...]


class OpPainter(Protocol):
    """A renderer that knows how to draw each kind of drawing op (PDF, ZPL, TSPL)."""

    def text(self, op: TextOp) -> None: ...
    def line(self, op: LineOp) -> None: ...
    def rect(self, op: RectOp) -> None: ...
    def barcode(self, op: BarcodeOp) -> None: ...
    def qr(self, op: QrOp) -> None: ...


def paint(painter: OpPainter, ops: tuple[Op, ...]) -> None:
    """Hand every op of a layout to the painter method for its kind, in order."""
    for op in ops:
        if isinstance(op, TextOp):
            painter.text(op)
        elif isinstance(op, LineOp):
            painter.line(op)
        elif isinstance(op, RectOp):
            painter.rect(op)
        elif isinstance(op, BarcodeOp):
            painter.barcode(op)
        else:
            painter.qr(op)


# --- text fitting ----------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    """Break opportunities: each CJK character alone, ASCII words whole, spaces separate."""
    out: list[str] = []
    word = ""
    for c in text:
        if c == " ":
            if word:
                out.append(word)
                word = ""
            out.append(" ")
        elif c.isascii() and c not in _NO_LINE_START:
            word += c
        else:
            if word:
                out.append(word)
                word = ""
            if c in _NO_LINE_START and out and out[-1] != " ":
                out[-1] += c  # keep closing punctuation with what it closes
            else:
                out.append(c)
    if word:
        out.append(word)
    return out


def wrap(text: str, width: float, size: float, fm: FontMetrics) -> list[str]:
    """Greedy CJK-aware line breaking of ``text`` into lines at most ``width`` wide."""
    limit = width / size  # compare in em
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, line_em = "", 0.0  # line_em: width of the line without trailing spaces
        pending = 0.0  # width of trailing spaces
        for tok in _tokens(paragraph):
            tok_em = fm.width(tok, 1.0)
            if tok == " ":
                if line:
                    line += tok
                    pending += tok_em
                continue
            if line_em + pending + tok_em <= limit:
                line += tok
                line_em += pending + tok_em
                pending = 0.0
                continue
            if line:
                lines.append(line.rstrip())
                line, line_em, pending = "", 0.0, 0.0
                if tok_em <= limit:
                    line, line_em = tok, tok_em
                    continue
            for ch in tok:  # a token wider than a whole line: split it by characters
                ch_em = fm.advance(ch)
                if line and line_em + ch_em > limit:
                    lines.append(line)
                    line, line_em = "", 0.0
                line += ch
                line_em += ch_em
        lines.append(line.rstrip())
    return lines


def _truncate(line: str, width: float, size: float, fm: FontMetrics) -> str:
    while line and fm.width(line + _ELLIPSIS, size) > width:
        line = line[:-1]
    return line + _ELLIPSIS


def fit_text(
    text: str,
    x: float,
    y: float,
    w: float,
    h: float,
    *,
    size: float,
    bold: bool = False,
    align: Align = "left",
    max_lines: int | None = None,
    min_size: float = MIN_TEXT_MM,
    fm: FontMetrics | None = None,
) -> TextOp:
    """A text box holding ``text``: wrapped, shrunk if needed, cut with "…" as a last resort."""
    fm = fm or metrics()
    lines, fitted = _fit(text, w, h, size, max_lines, min_size, fm)
    return TextOp(x, y, w, h, lines, fitted, bold, align)


@lru_cache(maxsize=8192)
def _fit(
    text: str, w: float, h: float, size: float, max_lines: int | None, min_size: float, fm: FontMetrics
) -> tuple[tuple[str, ...], float]:
    """Lines and font size for ``text`` in a ``w``×``h`` box (cached: captions repeat on every label)."""
    size = min(size, h / LINE_HEIGHT)
    min_size = min(min_size, size)
    while True:
        limit = max(1, int((h + 1e-9) // (size * LINE_HEIGHT)))
        if max_lines is not None:
            limit = min(limit, max_lines)
        lines = wrap(text, w, size, fm)
        if len(lines) <= limit:
            break
        if size <= min_size + 1e-9:
            rest = "".join(lines[limit - 1 :])
            lines = [*lines[: limit - 1], _truncate(rest, w, size, fm)]
            break
        size = max(min_size, size * 0.92)
    return tuple(lines), size


# --- zones -----------------------------------------------------------------------------------


class _Builder:
    def __init__(self, tpl: LabelTemplate, content: LabelContent) -> None:
        self.tpl = tpl
        self.c = content
        self.s = tpl.scale
        self.fm = metrics()
        self.ops: list[Op] = []

    def text(
        self,
        text: str,
        x: float,
        y: float,
        w: float,
        h: float,
        size: float,
        *,
        bold: bool = False,
        align: Align = "left",
        max_lines: int | None = None,
    ) -> float:
        """Place a text box (``size`` before scaling); returns the y just below the lines used."""
        op = fit_text(
            text, x, y, w, h, size=size * self.s, bold=bold, align=align, max_lines=max_lines, fm=self.fm
        )
        if any(line for line in op.lines):
            self.ops.append(op)
        return y + len(op.lines) * op.line_height

    def hline(self, y: float, x1: float, x2: float, width: float = BORDER, dash: float = 0.0) -> None:
        self.ops.append(LineOp(x1, y, x2, y, width, dash))

    def vline(self, x: float, y1: float, y2: float, width: float = THIN) -> None:
        self.ops.append(LineOp(x, y1, x, y2, width))

    def barcode(self, data: str, x: float, y: float, w: float, h: float) -> None:
        symbol = code128(data)
        module = min(MAX_MODULE_MM, w / symbol.modules_with_quiet)
        self.ops.append(BarcodeOp(x, y, w, h, symbol, module))

    def caption(self, box: ZoneBox, glyph: str) -> float:
        """A one-character zone caption (收 / 寄) in a left column; returns the content's x."""
        col = 7.0 * self.s
        size = min(5.5 * self.s, box.h * 0.6)
        self.ops.append(
            fit_text(
                glyph,
                box.x,
                box.y + (box.h - size * LINE_HEIGHT) / 2,
                col,
                size * LINE_HEIGHT,
                size=size,
                bold=True,
                align="center",
                fm=self.fm,
            )
        )
        self.vline(box.x + col, box.y, box.bottom)
        return box.x + col + PAD

    # The zones of GB/T 41833-2022, top to bottom.

    def number(self, box: ZoneBox) -> None:
        s, c = self.s, self.c
        x, w = box.x + PAD, box.w - 2 * PAD
        row = 5.0 * s
        self.text(c.company, x, box.y + 0.6 * s, w * 0.5, row, 4.0, bold=True, max_lines=1)
        if c.marks:
            self.text(
                c.marks,
                x + w * 0.4,
                box.y + 0.8 * s,
                w * 0.6,
                row,
                3.4,
                bold=True,
                align="right",
                max_lines=1,
            )
        text_h = 4.6 * s
        bar_y = box.y + row + 0.6 * s
        bar_h = box.bottom - text_h - 0.4 * s - bar_y
        self.barcode(c.waybill_no, x, bar_y, w, bar_h)
        self.text(
            c.waybill_no, x, box.bottom - text_h, w, text_h, 3.6, bold=True, align="center", max_lines=1
        )

    def destination(self, box: ZoneBox) -> None:
        s, c = self.s, self.c
        x, w = box.x + PAD, box.w - 2 * PAD
        route_h = 3.2 * s
        self.text(
            c.sort_code,
            x,
            box.y + 0.4 * s,
            w,
            box.h - route_h - 0.6 * s,
            11.0,
            bold=True,
            align="center",
            max_lines=1,
        )
        self.text(
            f"始发 {c.origin_county} → 目的 {c.destination_county}",
            x,
            box.bottom - route_h - 0.2 * s,
            w,
            route_h,
            2.5,
            align="right",
            max_lines=1,
        )

    def recipient(self, box: ZoneBox) -> None:
        s, p = self.s, self.c.recipient
        x = self.caption(box, "收")
        w = box.right - PAD - x
        y = self.text(f"{p.name}  {p.phone}", x, box.y + 0.8 * s, w, 5.2 * s, 4.2, bold=True, max_lines=1)
        self.text(p.address, x, y + 0.5 * s, w, box.bottom - y - 1.0 * s, 3.6, max_lines=3)

    def sender(self, box: ZoneBox) -> None:
        s, p = self.s, self.c.sender
        x = self.caption(box, "寄")
        w = box.right - PAD - x
        y = self.text(f"{p.name}  {p.phone}", x, box.y + 0.8 * s, w, 4.2 * s, 3.2, max_lines=1)
        self.text(p.address, x, y + 0.4 * s, w, box.bottom - y - 0.9 * s, 3.0, max_lines=2)

    def contents(self, box: ZoneBox) -> None:
        s, c = self.s, self.c
        q = min(box.h - 2 * PAD, 21.0 * s, box.w * 0.42)
        self.ops.append(QrOp(box.right - PAD - q, box.y + (box.h - q) / 2, q, c.label_ref))
        x = box.x + PAD
        w = box.w - q - 3 * PAD
        size = 3.0 if not self.tpl.two_part else 2.7
        row = size * LINE_HEIGHT * s
        bottom = box.bottom - 0.5 * s
        y = self.text(
            f"内件：{c.item.name}（{c.item.category}）", x, box.y + 0.8 * s, w, 2 * row, size, max_lines=2
        )
        quantity, weight = f"数量：{c.item.quantity} 件", f"重量：{c.item.weight_text}"
        rows = [f"{quantity}  {weight}"]
        if self.fm.width(rows[0], size * s) > w:
            rows = [quantity, weight]
        if c.item.declared_value_cny is not None:
            rows.append(f"声明价值：{c.item.declared_value_cny:g} 元")
        for text in rows:
            if y + 0.3 * s + row > bottom:
                break
            y = self.text(text, x, y + 0.3 * s, w, row, size, max_lines=1)

    def signature(self, box: ZoneBox) -> None:
        s, c = self.s, self.c
        x, w = box.x + PAD, box.w - 2 * PAD
        size = 3.0 if not self.tpl.two_part else 2.6
        row = size * LINE_HEIGHT * s
        y = box.y + 1.0 * s
        for caption in ("签收人：", "签收时间："):
            self.text(caption, x, y, w, row, size, max_lines=1)
            self.hline(y + row, x + self.fm.width(caption, size * s), box.right - PAD, width=THIN)
            y += row + 1.2 * s
        printed = f"打印时间 {c.printed_at_text}"
        small = 2.5 * s
        lines = 1 if self.fm.width(printed, small) <= w else 2
        h = lines * small * LINE_HEIGHT
        self.text(printed, x, box.bottom - h - 0.4 * s, w, h, 2.5, align="right", max_lines=lines)

    def stub_number(self, box: ZoneBox) -> None:
        s, c = self.s, self.c
        x, w = box.x + PAD, box.w - 2 * PAD
        row = 3.8 * s
        self.text(f"客户联 · {c.company}", x, box.y + 0.5 * s, w, row, 3.0, bold=True, max_lines=1)
        text_h = 3.6 * s
        bar_y = box.y + row + 0.7 * s
        self.barcode(c.waybill_no, x, bar_y, w, box.bottom - text_h - 0.3 * s - bar_y)
        self.text(
            c.waybill_no, x, box.bottom - text_h, w, text_h, 3.0, bold=True, align="center", max_lines=1
        )

    def stub_parties(self, box: ZoneBox) -> None:
        s, c = self.s, self.c
        x, w = box.x + PAD, box.w - 2 * PAD
        row = (box.h - 1.0 * s) / 2
        self.text(
            f"收：{c.recipient.name}  {c.recipient.phone}", x, box.y + 0.5 * s, w, row, 3.0, max_lines=1
        )
        self.text(
            f"寄：{c.sender.name}  {c.sender.phone}", x, box.y + 0.5 * s + row, w, row, 3.0, max_lines=1
        )

    def stub_contents(self, box: ZoneBox) -> None:
        s, c = self.s, self.c
        x, w = box.x + PAD, box.w - 2 * PAD
        row = (box.h - 1.0 * s) / 2
        weight = f"重量：{c.item.weight_text}"
        weight_w = min(w / 2, self.fm.width(weight, 2.7 * s) + 0.5)
        self.text(f"内件：{c.item.name}", x, box.y + 0.5 * s, w - weight_w - PAD, row, 2.7, max_lines=1)
        self.text(weight, x + w - weight_w, box.y + 0.5 * s, weight_w, row, 2.7, align="right", max_lines=1)
        self.text(
            f"打印时间 {c.printed_at_text}", x, box.y + 0.5 * s + row, w, row, 2.5, align="right", max_lines=1
        )

    def build(self) -> LabelLayout:
        tpl = self.tpl
        fill = {
            Zone.NUMBER: self.number,
            Zone.DESTINATION: self.destination,
            Zone.RECIPIENT: self.recipient,
            Zone.SENDER: self.sender,
            Zone.CONTENTS: self.contents,
            Zone.SIGNATURE: self.signature,
            Zone.STUB_NUMBER: self.stub_number,
            Zone.STUB_PARTIES: self.stub_parties,
            Zone.STUB_CONTENTS: self.stub_contents,
        }
        for box in tpl.zones:
            fill[box.zone](box)
        self._frames()
        ordered = sorted(self.ops, key=lambda op: not isinstance(op, LineOp | RectOp))  # frames first
        return LabelLayout(tpl.size.width_mm, tpl.size.height_mm, tuple(ordered))

    def _frames(self) -> None:
        """Outer frames of each part, lines between zones, the dashed cut line."""
        tpl = self.tpl
        parts: list[list[ZoneBox]] = []
        stub = {Zone.STUB_NUMBER, Zone.STUB_PARTIES, Zone.STUB_CONTENTS}
        parts.append([z for z in tpl.zones if z.zone not in stub])
        if tpl.two_part:
            parts.append([z for z in tpl.zones if z.zone in stub])
        for zones in parts:
            left = min(z.x for z in zones)
            right = max(z.right for z in zones)
            top = min(z.y for z in zones)
            bottom = max(z.bottom for z in zones)
            self.ops.append(RectOp(left, top, right - left, bottom - top, BORDER))
            for z in zones:
                if z.y > top + 1e-6:
                    self.hline(z.y, z.x, z.right)
                if z.x > left + 1e-6:
                    self.vline(z.x, z.y, z.bottom, width=BORDER)
        if tpl.cut_y is not None:
            self.hline(tpl.cut_y, 0.0, tpl.size.width_mm, width=THIN, dash=1.5)


def layout_label(content: LabelContent, tpl: LabelTemplate) -> LabelLayout:
    """Drawing operations for one label."""
    return _Builder(tpl, content).build()


__all__ = [
    "CODE128_QUIET",
    "BarcodeOp",
    "LabelLayout",
    "LineOp",
    "Op",
    "QrOp",
    "RectOp",
    "TextOp",
    "fit_text",
    "layout_label",
    "wrap",
]
