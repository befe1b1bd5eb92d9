"""PNG labels decode back: zxing-cpp reads the Code 128 (waybill number) and the QR (label_ref)."""

from __future__ import annotations

import io

import pytest
from labels_decoders import decode
from PIL import Image

from sealpost.adapters.printing.png import render_png
from sealpost.domain.labels import SIZES, LabelContent, LabelSpec


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize("size", ["76x130", "100x150"])
@pytest.mark.parametrize("two_part", [False, True])
def test_png_label_decodes_to_waybill_number_and_label_ref(
    contents: list[LabelContent], dpi: int, size: str, two_part: bool
) -> None:
    content = contents[(dpi + len(size) + two_part) % len(contents)]
    spec = LabelSpec(size=SIZES[size], two_part=two_part, dpi=dpi)  # type: ignore[index]
    img = Image.open(io.BytesIO(render_png(content, spec)))

    assert img.mode == "1"
    assert img.size == (round(spec.size.width_mm * dpi / 25.4), round(spec.size.height_mm * dpi / 25.4))
    assert round(img.info["dpi"][0]) == dpi
    found = decode(img)
    # two-part labels carry the waybill barcode on the carrier part and on the customer stub
    assert found["Code128"] == [content.waybill_no] * (2 if two_part else 1)
    assert found["QRCode"] == [content.label_ref]


def test_smile_style_label_decodes_too(contents: list[LabelContent]) -> None:
    content = contents[0].restyled("smile")
    assert "^_^" in content.recipient.name
    found = decode(Image.open(io.BytesIO(render_png(content, LabelSpec(dpi=203)))))
    assert found["Code128"] == [content.waybill_no]
    assert found["QRCode"] == [content.label_ref]
