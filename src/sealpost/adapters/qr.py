"""QR codes: rendering with segno (PNG, SVG, terminal) and decoding with zxing-cpp (photos included).

Decoding tries the cheap path first (the image as given, QR format hint) and only then works
harder on photographs of screens: a grey image, a slight blur that removes the moiré of screen
pixels, a contrast stretch, and rescaling. Images are decoded in memory; nothing is written to disk.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import segno
import zxingcpp
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from sealpost.errors import SealpostError
from sealpost.i18n import Text

__all__ = ["ErrorLevel", "QrImageUnreadableError", "decode", "render_png", "render_svg", "render_terminal"]

ErrorLevel = Literal["L", "M", "Q", "H"]

#: Decoded images larger than this (pixels) are refused: a QR photo never needs more.
MAX_PIXELS = 40_000_000


class QrImageUnreadableError(SealpostError):
    def __init__(self) -> None:
        super().__init__("image_unreadable", Text("无法读取该图片", "the image cannot be read"), status=422)


def _make(text: str, error: ErrorLevel) -> segno.QRCode:
    return segno.make_qr(text, error=error.lower(), boost_error=False)


def render_png(text: str, *, scale: int = 8, border: int = 4, error: ErrorLevel = "M") -> bytes:
    """A PNG of the QR code for ``text`` (``scale`` pixels per module, ``border`` quiet modules)."""
    out = io.BytesIO()
    _make(text, error).save(out, kind="png", scale=scale, border=border)
    return out.getvalue()


def render_svg(text: str, *, scale: int = 8, border: int = 4, error: ErrorLevel = "M") -> bytes:
    """An SVG of the QR code for ``text`` (one path, no XML declaration needed by browsers)."""
    out = io.BytesIO()
    _make(text, error).save(out, kind="svg", scale=scale, border=border, xmldecl=True, svgns=True)
    return out.getvalue()


def render_terminal(text: str, *, border: int = 2, error: ErrorLevel = "M") -> str:
    """The QR code drawn with block characters (two modules per character row)."""
    out = io.StringIO()
    _make(text, error).terminal(out=out, border=border, compact=True)
    return out.getvalue()


def _open(image: bytes | Path | Image.Image) -> Image.Image:
    if isinstance(image, Image.Image):
        return image
    try:
        data = image.read_bytes() if isinstance(image, Path) else image
        with Image.open(io.BytesIO(data)) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                raise QrImageUnreadableError()
            img = ImageOps.exif_transpose(opened)
            img.load()
            return img
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise QrImageUnreadableError() from None


def _variants(img: Image.Image) -> Iterator[Image.Image]:
    """The image as given, then cleaned-up versions for photos of screens."""
    grey = img.convert("L")
    yield grey
    longest = max(grey.size)
    # Screen photos: moiré and sensor noise break finder patterns; a blur scaled to the image
    # removes them while the modules (many pixels each) survive.
    for radius in (max(1.0, longest / 1200), max(2.0, longest / 600)):
        yield ImageOps.autocontrast(grey.filter(ImageFilter.GaussianBlur(radius)), cutoff=1)
    if longest > 1600:
        factor = 1600 / longest
        small = grey.resize(
            (round(grey.width * factor), round(grey.height * factor)), Image.Resampling.LANCZOS
        )
        yield ImageOps.autocontrast(small, cutoff=1)
    elif longest < 500:
        factor = 1000 / longest
        yield grey.resize((round(grey.width * factor), round(grey.height * factor)), Image.Resampling.BICUBIC)
    yield ImageOps.equalize(grey.filter(ImageFilter.MedianFilter(5)))


def decode(image: bytes | Path | Image.Image, *, all_formats: bool = False) -> list[str]:
    """The text of every code found in ``image`` (QR and Micro QR unless ``all_formats``), in order.

    Raises :class:`QrImageUnreadableError` when the bytes are not an image. An image without a code
    gives an empty list.
    """
    img = _open(image)
    formats = zxingcpp.barcode_formats_from_str("AllReadable" if all_formats else "QRCode,MicroQRCode")
    for variant in _variants(img):
        found = _read(variant, formats)
        if found:
            return found
    return []


def _read(img: Image.Image, formats: zxingcpp.BarcodeFormats) -> list[str]:
    texts: list[str] = []
    for binarizer in (zxingcpp.Binarizer.LocalAverage, zxingcpp.Binarizer.GlobalHistogram):
        for result in zxingcpp.read_barcodes(img, formats=formats, binarizer=binarizer):
            if result.valid and result.text not in texts:
                texts.append(result.text)
        if texts:
            break
    return texts
