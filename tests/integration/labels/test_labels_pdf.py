"""PDF labels: the CJK font is embedded (subset), pages have the label's size, and a 300 dpi
rendering by poppler (``pdftoppm``) decodes back to the waybill number and label_ref."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from labels_decoders import decode
from PIL import Image

from sealpost.adapters.printing.pdf import render_pdf
from sealpost.domain.labels import SIZES, LabelContent, LabelSpec

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")


def _pdf(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "labels.pdf"
    path.write_bytes(data)
    return path


def test_pdf_embeds_a_subset_of_the_cjk_truetype_font(tmp_path: Path, contents: list[LabelContent]) -> None:
    path = _pdf(tmp_path, render_pdf(contents[:1], LabelSpec()))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows, fonts
    for row in rows:
        name, emb, sub = row[0], row[-5], row[-4]
        assert emb == "yes" and sub == "yes", f"font {name} is not an embedded subset:\n{fonts}"
        assert "+" in name  # subset tag, e.g. AAAAAA+WenQuanYiZenHei-0
    # the embedded font program is in the file itself (a FontFile2 stream), not just referenced
    assert b"/FontFile2" in path.read_bytes()


@pytest.mark.parametrize(("size", "two_part"), [("76x130", False), ("100x150", True)])
def test_pdf_batch_pages_render_and_decode_at_300_dpi(
    tmp_path: Path, contents: list[LabelContent], size: str, two_part: bool
) -> None:
    spec = LabelSpec(size=SIZES[size], two_part=two_part)  # type: ignore[index]
    batch = contents[:3]
    path = _pdf(tmp_path, render_pdf(batch, spec))

    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages_m = re.search(r"Pages:\s+(\d+)", info)
    size_m = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert pages_m and size_m, info
    assert int(pages_m.group(1)) == 3
    assert float(size_m.group(1)) == pytest.approx(spec.size.width_mm / 25.4 * 72, abs=0.01)
    assert float(size_m.group(2)) == pytest.approx(spec.size.height_mm / 25.4 * 72, abs=0.01)

    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 3
    for page, content in zip(pages, batch, strict=True):
        found = decode(Image.open(page))
        assert found["Code128"] == [content.waybill_no] * (2 if two_part else 1)
        assert found["QRCode"] == [content.label_ref]
