"""Privacy invariant: OCR of a printed label shows no personal data beyond the masked forms.

A receipt is made from known clear values masked by the real rules; the label is rendered and read
back with RapidOCR (the project's recogniser, one engine per test session). The recognised text
must hold none of the clear name, phone digits, house, building or room numbers — and must hold
what the label is supposed to show (so the OCR demonstrably worked). The PDF is read through
poppler the same way, which also shows its embedded CJK font renders Chinese.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from sealpost.adapters.ocr.rapid import RapidTextRecognizer
from sealpost.adapters.printing.pdf import render_pdf
from sealpost.adapters.printing.png import render_png
from sealpost.domain.labels import LabelContent, LabelSpec
from sealpost.domain.masking import mask_address, mask_name, mask_phone
from sealpost.services.sample_receipts import sample_receipt

pytestmark = pytest.mark.slow

CLEAR = {
    "recipient": ("欧阳娜娜", "13912345678", "上海市浦东新区世纪大道1188号6号楼2单元1703室"),
    "sender": ("张三丰", "18698765432", "北京市朝阳区建国路27号院9号楼4单元2209室"),
}
#: Substrings of the clear values that must never be readable on a label.
FORBIDDEN = (
    "欧阳娜娜",
    "娜娜",
    "张三丰",
    "三丰",
    "1391234",
    "1869876",
    "1188",
    "1703",
    "2209",
    "6号楼",
    "9号楼",
)


@pytest.fixture(scope="module")
def recognizer() -> RapidTextRecognizer:
    return RapidTextRecognizer()


def _receipt() -> dict[str, Any]:
    receipt = sample_receipt(11).receipt
    for role, (name, phone, address) in CLEAR.items():
        receipt["masked"][role].update(
            {"name": mask_name(name), "phone": mask_phone(phone), "address": mask_address(address)}
        )
    return receipt


def _text(recognizer: RapidTextRecognizer, png: bytes) -> str:
    page = recognizer.recognize(png)
    return "\n".join(box.text for box in page.boxes)


def _assert_private(text: str) -> None:
    flat = re.sub(r"\s+", "", text)
    leaked = [s for s in FORBIDDEN if s in flat]
    assert not leaked, f"clear personal data readable on the label: {leaked}"
    digits = re.sub(r"\D", "", flat)
    for phone in ("13912345678", "18698765432"):
        assert phone[:7] not in digits


def test_png_label_ocr_shows_only_masked_personal_data(recognizer: RapidTextRecognizer) -> None:
    content = LabelContent.from_receipt(_receipt(), printed_at=_now())
    text = _text(recognizer, render_png(content, LabelSpec(dpi=300)))

    _assert_private(text)
    flat = re.sub(r"\s+", "", text)
    assert "欧阳" in flat and "5678" in flat and "世纪大道" in flat  # the masked forms are there
    assert "签收" in flat and "已实名" in flat  # and the OCR really read the label


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_pdf_label_renders_chinese_from_its_embedded_font_and_stays_masked(
    recognizer: RapidTextRecognizer, tmp_path: Path
) -> None:
    content = LabelContent.from_receipt(_receipt(), printed_at=_now(), style="smile")
    pdf = tmp_path / "label.pdf"
    pdf.write_bytes(render_pdf([content], LabelSpec()))
    subprocess.run(
        ["pdftoppm", "-r", "300", "-gray", "-png", "-singlefile", str(pdf), str(tmp_path / "p")], check=True
    )
    buf = io.BytesIO()
    Image.open(tmp_path / "p.png").save(buf, "PNG")
    text = _text(recognizer, buf.getvalue())

    _assert_private(text)
    flat = re.sub(r"\s+", "", text)
    assert "签收" in flat and "内件" in flat and "上海市" in flat  # Chinese rendered from the embedded font


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime(2026, 11, 28, 9, 31, tzinfo=UTC)
