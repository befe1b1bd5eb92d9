"""ZPL II, TSPL and ESC/POS jobs: syntax checked, drawn back by emulators, decoded with zxing-cpp.

Native barcode commands (ZPL ``^BC``/``^BQ``, TSPL ``BARCODE "128M"``/``QRCODE``) are drawn by the
test emulators from their parameters with independent encoders (``labels_decoders``); the
``barcodes="graphic"`` mode sends the tested bitmaps themselves and is decoded pixel for pixel.
"""

from __future__ import annotations

import pytest
from labels_decoders import decode, escpos_to_images, ink_image, tspl_to_images, zpl_bc_values, zpl_to_images

from sealpost.adapters.printing.escpos import HEAD_58MM, HEAD_80MM, render_escpos
from sealpost.adapters.printing.layout import BarcodeOp, QrOp, layout_label
from sealpost.adapters.printing.raster import barcode_geometry, dots, qr_geometry
from sealpost.adapters.printing.symbols import code128, qr_modules
from sealpost.adapters.printing.tspl import code128m_content, render_tspl
from sealpost.adapters.printing.zpl import code128_field_data, gf_hex, render_zpl
from sealpost.domain.labels import SIZES, LabelContent, LabelSpec

SPECS = [
    LabelSpec(size=SIZES["76x130"], dpi=203),
    LabelSpec(size=SIZES["100x150"], dpi=300),
    LabelSpec(size=SIZES["76x130"], dpi=300, two_part=True),
]


def _expect(found: dict[str, list[str]], content: LabelContent, spec: LabelSpec) -> None:
    assert found["Code128"] == [content.waybill_no] * (2 if spec.two_part else 1)
    assert found["QRCode"] == [content.label_ref]


@pytest.mark.parametrize("barcodes", ["native", "graphic"])
@pytest.mark.parametrize(
    "spec", SPECS, ids=lambda s: f"{s.size.name}-{s.dpi}-{'two' if s.two_part else 'one'}"
)
def test_zpl_job_parses_and_decodes(contents: list[LabelContent], spec: LabelSpec, barcodes: str) -> None:
    batch = contents[:2]
    job = render_zpl(batch, spec, barcodes=barcodes)  # type: ignore[arg-type]
    labels = zpl_to_images(job)

    assert len(labels) == len(batch)
    for label, content in zip(labels, batch, strict=True):
        assert (label.width, label.height) == (
            dots(spec.size.width_mm, spec.dpi),
            dots(spec.size.height_mm, spec.dpi),
        )
        assert label.graphic_fields > 5  # the text (Chinese included) travels as ^GF graphics
        assert label.native_barcodes == (0 if barcodes == "graphic" else 2 + spec.two_part)
        _expect(decode(ink_image(label.image)), content, spec)


@pytest.mark.parametrize("barcodes", ["native", "graphic"])
@pytest.mark.parametrize(
    "spec", SPECS, ids=lambda s: f"{s.size.name}-{s.dpi}-{'two' if s.two_part else 'one'}"
)
def test_tspl_job_parses_and_decodes(contents: list[LabelContent], spec: LabelSpec, barcodes: str) -> None:
    batch = contents[2:4]
    job = render_tspl(batch, spec, barcodes=barcodes)  # type: ignore[arg-type]
    assert job.startswith(f"SIZE {spec.size.width_mm:g} mm,{spec.size.height_mm:g} mm\r\nGAP ".encode())
    labels = tspl_to_images(job, spec.dpi)

    assert len(labels) == len(batch)
    for label, content in zip(labels, batch, strict=True):
        assert label.bitmaps > 5
        assert label.native_barcodes == (0 if barcodes == "graphic" else 2 + spec.two_part)
        _expect(decode(ink_image(label.image)), content, spec)


@pytest.mark.parametrize("head", [HEAD_80MM, HEAD_58MM])
def test_escpos_job_parses_and_decodes(contents: list[LabelContent], head: int) -> None:
    spec = LabelSpec(dpi=203)
    batch = contents[:2]
    images = escpos_to_images(render_escpos(batch, spec, head_dots=head))

    assert len(images) == len(batch)
    for img, content in zip(images, batch, strict=True):
        assert img.size[0] <= head  # fits the print head
        _expect(decode(ink_image(img)), content, spec)


def test_native_barcode_commands_use_the_same_symbol_and_geometry_as_the_bitmaps(
    contents: list[LabelContent],
) -> None:
    spec = LabelSpec(dpi=203)
    content = contents[0]
    symbol = code128(content.waybill_no)
    # ZPL invocation codes and TSPL control codes give back exactly reportlab's symbol values
    assert zpl_bc_values(code128_field_data(symbol)) == list(symbol.values[:-2])
    assert code128m_content(code128("EA123456785CN")) == "!104EA!09912345678!1005CN"
    assert code128_field_data(code128("EA123456785CN")) == ">:EA>512345678>65CN"
    assert code128_field_data(code128("1234567890123")) == ">;123456789012>63"

    job = render_zpl([content], spec).decode()
    layout = layout_label(content, spec.template)
    op = next(o for o in layout.ops if isinstance(o, BarcodeOp))
    g = barcode_geometry(op, spec.dpi)
    assert f"^FO{g.x},{g.y}^BY{g.module}^BCN,{g.height},N,N,N,N^FD" in job
    assert g.module >= 2  # ≥ 0.25 mm bars at 203 dpi
    q = qr_geometry(next(o for o in layout.ops if isinstance(o, QrOp)), spec.dpi)
    assert f"^FO{q.x},{q.y}^BQN,2,{q.module}^FDMA,{content.label_ref}^FS" in job
    assert q.modules == qr_modules(content.label_ref) == 25


def test_zpl_graphic_field_compression_round_trips() -> None:
    from labels_decoders import zpl_gf_decompress
    from PIL import Image, ImageDraw

    mask = Image.new("1", (37, 9), 0)
    ImageDraw.Draw(mask).rectangle((3, 2, 20, 4), fill=1)
    total, row, payload = gf_hex(mask)
    assert row == 5 and total == 45
    assert ":" in payload and "," in payload  # repeated rows and white row tails are compressed
    assert zpl_gf_decompress(payload, row) == mask.tobytes()


def test_two_labels_in_one_zpl_job_are_two_formats(contents: list[LabelContent]) -> None:
    job = render_zpl(contents[:3], LabelSpec()).decode()
    assert job.count("^XA") == job.count("^XZ") == 3
    assert job.count("^PQ1,0,1,Y") == 3
