"""Label printing: one layout engine, renderers for PDF, PNG, ZPL II, TSPL and ESC/POS."""

from __future__ import annotations

from sealpost.adapters.printing.escpos import EscposRenderer
from sealpost.adapters.printing.pdf import PdfRenderer
from sealpost.adapters.printing.png import PngRenderer
from sealpost.adapters.printing.tspl import TsplRenderer
from sealpost.adapters.printing.zpl import ZplRenderer
from sealpost.domain.labels import LabelFormat
from sealpost.ports.printing import LabelRenderer


def label_renderers() -> dict[LabelFormat, LabelRenderer]:
    """The renderer for each label format (what ``bootstrap`` wires into the label service)."""
    return {
        "pdf": PdfRenderer(),
        "png": PngRenderer(),
        "zpl": ZplRenderer(),
        "tspl": TsplRenderer(),
        "escpos": EscposRenderer(),
    }


__all__ = ["label_renderers"]
