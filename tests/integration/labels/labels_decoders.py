"""Test-only printer emulators: ZPL II, TSPL and ESC/POS command streams back to images.

They parse what our renderers send (and check its syntax on the way), draw it the way the printer
language defines it, and return Pillow images that zxing-cpp and OCR can read. Native barcodes are
drawn independently of the production encoder: ZPL ``^BC``/TSPL ``128M`` invocation codes are
turned back into Code 128 symbol values here (check value computed here), drawn with the Code 128
element table; native QR commands are re-encoded with zxing-cpp's own writer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import zxingcpp
from PIL import Image, ImageDraw
from reportlab.graphics.barcode.code128 import _patterns as code128_patterns

#: The print time every label test uses.
PRINTED_AT = datetime(2026, 11, 28, 9, 31, tzinfo=UTC)

WIDTHS = {"A": 1, "B": 2, "C": 3, "D": 4, "a": 1, "b": 2, "c": 3, "d": 4}


def code128_image_from_values(values: list[int], module: int, height: int) -> Image.Image:
    """Draw a Code 128 symbol (start + data values, no check, no stop) with an ink mask (1 = ink)."""
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103
    full = [*values, check, 106]
    widths = [WIDTHS[c] for v in full for c in code128_patterns[v]]
    img = Image.new("1", (sum(widths) * module, height), 0)
    draw = ImageDraw.Draw(img)
    x = 0
    for i, w in enumerate(widths):
        if i % 2 == 0:
            draw.rectangle((x * module, 0, (x + w) * module - 1, height - 1), fill=1)
        x += w
    return img


def qr_image_independent(data: str, module: int) -> Image.Image:
    """A QR symbol of ``data`` at level M made by zxing-cpp's writer (not segno), ink mask."""
    bc = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    modules = Image.fromarray(bc.to_image(scale=1, add_quiet_zones=False))  # 0 = dark
    n_w, n_h = modules.size
    one = modules.point(lambda v: 255 if v < 128 else 0).convert("1")
    return one.resize((n_w * module, n_h * module), Image.Resampling.NEAREST)


def decode(img: Image.Image) -> dict[str, list[str]]:
    """All barcodes zxing-cpp reads in a label image: format name → texts."""
    out: dict[str, list[str]] = {}
    formats = zxingcpp.barcode_formats_from_str("Code128,QRCode")
    for r in zxingcpp.read_barcodes(img.convert("L"), formats=formats):
        out.setdefault(repr(r.format).split(".")[-1], []).append(r.text)
    return out


def ink_image(mask: Image.Image) -> Image.Image:
    """Ink mask (1 = ink) → a normal black-on-white image."""
    return mask.point(lambda v: 0 if v else 255, mode="L")


# --- ZPL -------------------------------------------------------------------------------------

ZPL_COMMANDS = {"XA", "XZ", "CI", "PW", "LL", "LH", "FO", "GB", "GF", "FS", "BY", "BC", "BQ", "FD", "PQ"}
_HEX_REPEAT = {
    **{chr(ord("G") + i): i + 1 for i in range(19)},
    **{chr(ord("g") + i): 20 * (i + 1) for i in range(20)},
}


def zpl_gf_decompress(payload: str, bytes_per_row: int) -> bytes:
    """ZPL ``^GFA`` ASCII hex with the compression scheme (G–Y, g–z counts; ``,`` ``!`` ``:``)."""
    rows: list[str] = []
    width = bytes_per_row * 2
    line = ""
    count = 0
    for ch in payload:
        if ch in _HEX_REPEAT:
            count += _HEX_REPEAT[ch]
            continue
        if ch in "0123456789ABCDEFabcdef":
            line += ch.upper() * (count or 1)
            count = 0
        elif ch == ",":
            line = line.ljust(width, "0")
        elif ch == "!":
            line = line.ljust(width, "F")
        elif ch == ":":
            assert not line, "':' must start a row"
            line = rows[-1]
        else:
            raise AssertionError(f"unexpected character {ch!r} in ^GF data")
        if len(line) >= width:
            assert len(line) == width, "row overflow in ^GF data"
            rows.append(line)
            line = ""
    assert not line, "^GF data ends inside a row"
    return bytes.fromhex("".join(rows))


@dataclass
class ZplLabel:
    width: int
    height: int
    image: Image.Image  # ink mask, 1 = ink
    commands: list[str] = field(default_factory=list)
    graphic_fields: int = 0
    native_barcodes: int = 0


def zpl_to_images(stream: bytes) -> list[ZplLabel]:
    """Check the syntax of a ZPL job and draw each label (``^XA … ^XZ``)."""
    text = stream.decode("ascii")
    assert text.lstrip().startswith("^XA") and text.rstrip().endswith("^XZ")
    labels: list[ZplLabel] = []
    for body in re.findall(r"\^XA(.*?)\^XZ", text, flags=re.S):
        cmds = [c for c in re.split(r"\^", body.replace("\n", "")) if c]
        names = [c[:2] for c in cmds]
        assert set(names) <= ZPL_COMMANDS, set(names) - ZPL_COMMANDS
        pw = int(next(c[2:] for c in cmds if c.startswith("PW")))
        ll = int(next(c[2:] for c in cmds if c.startswith("LL")))
        label = ZplLabel(pw, ll, Image.new("1", (pw, ll), 0), names)
        draw = ImageDraw.Draw(label.image)
        x = y = 0
        module = 2
        pending: tuple[str, list[str]] | None = None
        for c in cmds:
            name, args = c[:2], c[2:]
            if name == "FO":
                x, y = (int(v) for v in args.split(","))
                assert 0 <= x < pw and 0 <= y < ll, f"^FO outside the label: {x},{y}"
            elif name == "GB":
                w, h, t = (int(v) for v in args.split(",")[:3])
                assert x + w <= pw + 1 and y + h <= ll + 1, "^GB outside the label"
                if t >= min(w, h):
                    draw.rectangle((x, y, x + w - 1, y + h - 1), fill=1)
                else:
                    draw.rectangle((x, y, x + w - 1, y + t - 1), fill=1)
                    draw.rectangle((x, y + h - t, x + w - 1, y + h - 1), fill=1)
                    draw.rectangle((x, y, x + t - 1, y + h - 1), fill=1)
                    draw.rectangle((x + w - t, y, x + w - 1, y + h - 1), fill=1)
            elif name == "GF":
                kind, total, total2, row, payload = args.split(",", 4)
                assert kind == "A" and total == total2
                data = zpl_gf_decompress(payload, int(row))
                assert len(data) == int(total), "^GF byte count mismatch"
                h = int(total) // int(row)
                g = Image.frombytes("1", (int(row) * 8, h), data)
                assert x + g.size[0] <= pw + 8 and y + h <= ll, "^GF outside the label"
                label.image.paste(1, (x, y), g)
                label.graphic_fields += 1
            elif name == "BY":
                module = int(args.split(",")[0])
            elif name in ("BC", "BQ"):
                pending = (name, args.split(","))
            elif name == "FD":
                assert pending is not None, "^FD without a barcode command"
                kind, params = pending
                if kind == "BC":
                    assert params[0] == "N" and params[2:] == ["N", "N", "N", "N"], params
                    sym = code128_image_from_values(zpl_bc_values(args), module, int(params[1]))
                else:
                    assert params[:2] == ["N", "2"]
                    assert args.startswith("MA,"), "^BQ data must be <ecc><mode>,<data>"
                    sym = qr_image_independent(args[3:], int(params[2]))
                label.image.paste(1, (x, y), sym)
                label.native_barcodes += 1
                pending = None
            elif name == "FS":
                pending = None
        labels.append(label)
    return labels


def zpl_bc_values(data: str) -> list[int]:
    """``^BC`` (mode N) field data with invocation codes → Code 128 values (start + data)."""
    starts = {">9": 103, ">:": 104, ">;": 105}
    assert data[:2] in starts, "^BC data must start with a start-code invocation"
    values = [starts[data[:2]]]
    subset = {103: "A", 104: "B", 105: "C"}[values[0]]
    i = 2
    while i < len(data):
        if data[i] == ">":
            code = data[i : i + 2]
            if code == ">5":
                values.append(99)
                subset = "C"
            elif code == ">6":
                values.append(100)
                subset = "B"
            else:
                raise AssertionError(f"unexpected invocation {code}")
            i += 2
        elif subset == "C":
            values.append(int(data[i : i + 2]))
            i += 2
        else:
            values.append(ord(data[i]) - 32)
            i += 1
    return values


# --- TSPL ------------------------------------------------------------------------------------

TSPL_ARGS = {"SIZE": 2, "GAP": 2, "DIRECTION": 2, "REFERENCE": 2, "CLS": 0, "BAR": 4, "BOX": 5, "PRINT": 2}


@dataclass
class TsplLabel:
    image: Image.Image  # ink mask
    bitmaps: int = 0
    native_barcodes: int = 0


def tspl_to_images(stream: bytes, dpi: int) -> list[TsplLabel]:
    """Check the syntax of a TSPL job and draw each label (``CLS`` … ``PRINT``)."""
    pos = 0
    labels: list[TsplLabel] = []
    current: TsplLabel | None = None
    width = height = 0
    while pos < len(stream):
        end = stream.index(b"\r\n", pos)
        line = stream[pos:end]
        name = line.split(b" ", 1)[0].decode("ascii")
        if name == "BITMAP":
            head, _, rest = line.partition(b" ")
            params = rest.split(b",", 5)
            x, y, row, h, mode = (int(v) for v in params[:5])
            assert mode == 0
            header_len = len(head) + 1 + sum(len(p) + 1 for p in params[:5])
            data = stream[pos + header_len : pos + header_len + row * h]
            assert len(data) == row * h
            assert stream[pos + header_len + row * h : pos + header_len + row * h + 2] == b"\r\n"
            pos = pos + header_len + row * h + 2
            assert current is not None, "BITMAP outside CLS … PRINT"
            g = Image.frombytes("1", (row * 8, h), data).point(lambda v: 0 if v else 1)  # TSPL: 0 = ink
            assert x + row * 8 <= width + 8 and y + h <= height, "BITMAP outside the label"
            current.image.paste(1, (x, y), g.convert("1"))
            current.bitmaps += 1
            continue
        text = line.decode("ascii")
        pos = end + 2
        args_text = text[len(name) :].strip()
        if name == "SIZE":
            w_mm, h_mm = (float(a.strip().removesuffix("mm").strip()) for a in args_text.split(","))
            width, height = round(w_mm * dpi / 25.4), round(h_mm * dpi / 25.4)
        elif name == "CLS":
            assert width and height, "CLS before SIZE"
            current = TsplLabel(Image.new("1", (width, height), 0))
        elif name == "PRINT":
            assert current is not None
            assert args_text == "1,1"
            labels.append(current)
            current = None
        elif name in ("BAR", "BOX"):
            assert current is not None
            nums = [int(v) for v in args_text.split(",")]
            assert len(nums) == TSPL_ARGS[name]
            draw = ImageDraw.Draw(current.image)
            if name == "BAR":
                x, y, w, h = nums
                assert x + w <= width + 1 and y + h <= height + 1, "BAR outside the label"
                draw.rectangle((x, y, x + w - 1, y + h - 1), fill=1)
            else:
                x1, y1, x2, y2, t = nums
                for box in (
                    (x1, y1, x2, y1 + t),
                    (x1, y2 - t, x2, y2),
                    (x1, y1, x1 + t, y2),
                    (x2 - t, y1, x2, y2),
                ):
                    draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=1)
        elif name == "BARCODE":
            assert current is not None
            m = re.fullmatch(r'(\d+),(\d+),"128M",(\d+),0,0,(\d+),(\d+),"([^"]*)"', args_text)
            assert m, f"bad BARCODE command: {args_text}"
            x, y, h, narrow, wide = (int(m.group(i)) for i in range(1, 6))
            assert narrow == wide
            sym = code128_image_from_values(tspl_128m_values(m.group(6)), narrow, h)
            current.image.paste(1, (x, y), sym)
            current.native_barcodes += 1
        elif name == "QRCODE":
            assert current is not None
            m = re.fullmatch(r'(\d+),(\d+),M,(\d+),A,0,"([A-Z2-7]+)"', args_text)
            assert m, f"bad QRCODE command: {args_text}"
            sym = qr_image_independent(m.group(4), int(m.group(3)))
            current.image.paste(1, (int(m.group(1)), int(m.group(2))), sym)
            current.native_barcodes += 1
        elif name in TSPL_ARGS:
            assert len(args_text.split(",")) == TSPL_ARGS[name], text
        else:
            raise AssertionError(f"unknown TSPL command {name}")
    assert current is None, "label without PRINT"
    return labels


def tspl_128m_values(content: str) -> list[int]:
    values: list[int] = []
    subset = ""
    i = 0
    while i < len(content):
        if content[i] == "!":
            v = int(content[i + 1 : i + 4])
            values.append(v)
            if v in (105, 99):
                subset = "C"
            elif v in (104, 100):
                subset = "B"
            i += 4
        elif subset == "C":
            values.append(int(content[i : i + 2]))
            i += 2
        else:
            values.append(ord(content[i]) - 32)
            i += 1
    assert values and values[0] in (104, 105)
    return values


# --- ESC/POS ---------------------------------------------------------------------------------


def escpos_to_images(stream: bytes) -> list[Image.Image]:
    """Parse ``ESC @``, ``ESC a``, ``GS v 0`` bands, ``ESC d``, ``GS V``: one image per cut."""
    assert stream.startswith(b"\x1b@")
    pos = 2
    images: list[Image.Image] = []
    bands: list[Image.Image] = []
    while pos < len(stream):
        if stream.startswith(b"\x1ba", pos):
            pos += 3
        elif stream.startswith(b"\x1dv0", pos):
            m = stream[pos + 3]
            assert m == 0
            xl, xh, yl, yh = stream[pos + 4 : pos + 8]
            row, rows = xl + 256 * xh, yl + 256 * yh
            data = stream[pos + 8 : pos + 8 + row * rows]
            assert len(data) == row * rows
            bands.append(Image.frombytes("1", (row * 8, rows), data))
            pos += 8 + row * rows
        elif stream.startswith(b"\x1bd", pos):
            pos += 3
        elif stream.startswith(b"\x1dVB", pos):
            pos += 4
            width = max(b.size[0] for b in bands)
            img = Image.new("1", (width, sum(b.size[1] for b in bands)), 0)
            y = 0
            for b in bands:
                img.paste(b, (0, y))
                y += b.size[1]
            images.append(img)
            bands = []
        else:
            raise AssertionError(f"unexpected ESC/POS byte {stream[pos]:#x} at {pos}")
    assert not bands, "raster data after the last cut"
    return images
