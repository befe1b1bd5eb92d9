"""The CJK TrueType font every label format uses: metrics for layout, glyph bitmaps for printers.

One font file serves all formats so a label looks the same everywhere: the PDF embeds a subset of
it, and the bitmap formats (PNG, ZPL ``^GF``, TSPL ``BITMAP``, ESC/POS raster) draw its glyphs.
The default is WenQuanYi Zen Hei (Debian ``fonts-wqy-zenhei``); ``SEALPOST_LABEL_FONT`` may point
at another TrueType file (``path`` or ``path#index`` for a face inside a ``.ttc`` collection).

Glyph bitmaps are rendered once per (pixel size, character) and pasted, which is an order of
magnitude faster than laying out every string with FreeType again (see ``bench/labels.py``).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from PIL import Image, ImageDraw, ImageFont

from sealpost.errors import SealpostError
from sealpost.i18n import Text

DEFAULT_FONT: Final = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
#: Tried in order when ``SEALPOST_LABEL_FONT`` is not set. TrueType outlines only: reportlab cannot
#: embed CFF-based OpenType fonts such as Noto Sans CJK.
CANDIDATES: Final = (DEFAULT_FONT, Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"))
FONT_ENV: Final = "SEALPOST_LABEL_FONT"
#: Size at which advance widths are measured (em fractions are size independent).
_METRIC_PX: Final = 1000


@dataclass(frozen=True, slots=True)
class FontFile:
    path: Path
    index: int = 0

    @property
    def key(self) -> str:
        return f"{self.path}#{self.index}"


def font_file() -> FontFile:
    """The configured label font; a clear error when it is missing."""
    return _font_file(os.environ.get(FONT_ENV, "").strip())


@lru_cache(maxsize=8)
def _font_file(raw: str) -> FontFile:
    path, index = next((p for p in CANDIDATES if p.is_file()), DEFAULT_FONT), 0
    if raw:
        name, _, idx = raw.partition("#")
        path, index = Path(name), int(idx or 0)
    if not path.is_file():
        raise SealpostError(
            "label_font_missing",
            Text(
                f"找不到面单字体 {path}（安装 fonts-wqy-zenhei，或设置 {FONT_ENV}）",
                f"label font {path} not found (install fonts-wqy-zenhei or set {FONT_ENV})",
            ),
            status=500,
        )
    return FontFile(path, index)


class _Advances(dict[str, float]):
    """Advance width of each character in em, measured on first use."""

    def __init__(self, font: ImageFont.FreeTypeFont) -> None:
        super().__init__()
        self._font = font
        self._lock = threading.Lock()

    def __missing__(self, char: str) -> float:
        with self._lock:
            width = self._font.getlength(char) / _METRIC_PX
        self[char] = width
        return width


class FontMetrics:
    """Advance widths and vertical metrics in em units (1 em = the font size)."""

    def __init__(self, font: FontFile) -> None:
        self.font = font
        pil = ImageFont.truetype(
            str(font.path), _METRIC_PX, index=font.index, layout_engine=ImageFont.Layout.BASIC
        )
        ascent, descent = pil.getmetrics()
        self.ascent = ascent / _METRIC_PX
        self.descent = descent / _METRIC_PX
        self._advance = _Advances(pil)

    def advance(self, char: str) -> float:
        return self._advance[char]

    def width(self, text: str, size: float) -> float:
        """Width of ``text`` at em size ``size`` (any unit; the result is in the same unit)."""
        return sum(map(self._advance.__getitem__, text)) * size


@lru_cache(maxsize=4)
def _metrics_for(key: str, path: str, index: int) -> FontMetrics:
    return FontMetrics(FontFile(Path(path), index))


def metrics(font: FontFile | None = None) -> FontMetrics:
    font = font or font_file()
    return _metrics_for(font.key, str(font.path), font.index)


@dataclass(frozen=True, slots=True)
class Glyph:
    """A glyph's ink as a 1-bit mask (1 = ink) and its offset from the pen position (top of em box)."""

    mask: Image.Image | None
    dx: int
    dy: int
    #: Pillow's C image of the mask, for the fast paste path.
    core: Any = None


class GlyphCache:
    """Glyph masks of one font at one pixel size, rendered on first use."""

    def __init__(self, font: FontFile, px: int) -> None:
        self.px = px
        self._font = ImageFont.truetype(
            str(font.path), px, index=font.index, layout_engine=ImageFont.Layout.BASIC
        )
        self._glyphs: dict[str, Glyph] = {}
        self._lock = threading.Lock()

    def glyph(self, char: str) -> Glyph:
        g = self._glyphs.get(char)
        if g is None:
            with self._lock:
                g = self._render(char)
                self._glyphs[char] = g
        return g

    def _render(self, char: str) -> Glyph:
        left, top, right, bottom = (int(v) for v in self._font.getbbox(char, mode="1"))
        if right <= left or bottom <= top:
            return Glyph(None, 0, 0)
        mask = Image.new("1", (right - left, bottom - top), 0)
        ImageDraw.Draw(mask).text((-left, -top), char, font=self._font, fill=1)
        return Glyph(mask, left, top, mask.im)


@lru_cache(maxsize=64)
def _glyphs_for(key: str, path: str, index: int, px: int) -> GlyphCache:
    return GlyphCache(FontFile(Path(path), index), px)


def glyphs(px: int, font: FontFile | None = None) -> GlyphCache:
    """The (process-wide, thread-safe) glyph cache for ``px`` pixels per em."""
    font = font or font_file()
    return _glyphs_for(font.key, str(font.path), font.index, max(1, px))
