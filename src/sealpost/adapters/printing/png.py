"""PNG labels: 1-bit images at 203 or 300 dpi (the printer's own resolution, no resampling)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Final

from sealpost.adapters.printing.layout import layout_label
from sealpost.adapters.printing.raster import render_layout
from sealpost.domain.labels import LabelContent, LabelSpec

MEDIA_TYPE: Final = "image/png"
#: zlib level: 1-bit labels compress well at 1 already (≈10 kB); higher levels cost 2–10× the time.
PNG_COMPRESS_LEVEL: Final = 1


def render_png(content: LabelContent, spec: LabelSpec) -> bytes:
    """One label as a 1-bit PNG with its resolution recorded (pHYs), so it prints at true size."""
    img = render_layout(layout_label(content, spec.template), spec.dpi)
    buf = io.BytesIO()
    img.save(buf, "PNG", dpi=(spec.dpi, spec.dpi), compress_level=PNG_COMPRESS_LEVEL)
    return buf.getvalue()


class PngRenderer:
    media_type = MEDIA_TYPE
    extension = "png"
    batch = False

    def render(
        self, labels: Sequence[LabelContent], spec: LabelSpec, on_label: Callable[[int], None] | None = None
    ) -> bytes:
        if len(labels) != 1:
            raise ValueError("a PNG holds one label; render a batch as PDF or a printer job")
        data = render_png(labels[0], spec)
        if on_label is not None:
            on_label(1)
        return data
