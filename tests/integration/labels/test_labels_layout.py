"""The layout engine: everything inside the label, text fitted to its box, CJK-aware wrapping."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sealpost.adapters.printing.fonts import metrics
from sealpost.adapters.printing.layout import (
    MIN_TEXT_MM,
    BarcodeOp,
    LineOp,
    QrOp,
    RectOp,
    TextOp,
    fit_text,
    layout_label,
    wrap,
)
from sealpost.domain.labels import SIZES, LabelContent, template

EPS = 1e-6


@pytest.mark.parametrize("size", ["76x130", "100x150"])
@pytest.mark.parametrize("two_part", [False, True])
def test_every_operation_lies_inside_the_label_and_text_fits_its_box(
    contents: list[LabelContent], size: str, two_part: bool
) -> None:
    tpl = template(SIZES[size], two_part)  # type: ignore[index]
    fm = metrics()
    for content in contents:
        layout = layout_label(content, tpl)
        assert (layout.width, layout.height) == (tpl.size.width_mm, tpl.size.height_mm)
        symbols = [op for op in layout.ops if isinstance(op, BarcodeOp | QrOp)]
        assert sum(isinstance(op, BarcodeOp) for op in symbols) == (2 if two_part else 1)
        assert sum(isinstance(op, QrOp) for op in symbols) == 1
        for op in layout.ops:
            if isinstance(op, LineOp):
                xs, ys = (op.x1, op.x2), (op.y1, op.y2)
            elif isinstance(op, QrOp):
                xs, ys = (op.x, op.x + op.size), (op.y, op.y + op.size)
            elif isinstance(op, TextOp | RectOp | BarcodeOp):
                xs, ys = (op.x, op.x + op.w), (op.y, op.y + op.h)
            assert min(xs) >= -EPS and max(xs) <= layout.width + EPS, op
            assert min(ys) >= -EPS and max(ys) <= layout.height + EPS, op
            if isinstance(op, TextOp):
                assert op.size >= MIN_TEXT_MM - EPS
                assert len(op.lines) * op.line_height <= op.h + EPS, op
                for line in op.lines:
                    assert fm.width(line, op.size) <= op.w + EPS, (line, op)
                for sym in symbols:  # no text over a barcode or the QR
                    sx, sy = sym.x, sym.y
                    sw = sym.size if isinstance(sym, QrOp) else sym.w
                    sh = sym.size if isinstance(sym, QrOp) else sym.h
                    used_h = len(op.lines) * op.line_height
                    overlap = (
                        min(op.x + op.w, sx + sw) - max(op.x, sx),
                        min(op.y + used_h, sy + sh) - max(op.y, sy),
                    )
                    assert overlap[0] <= EPS or overlap[1] <= 0.3, (op.lines, sym)


def test_every_displayed_field_is_on_the_label(contents: list[LabelContent]) -> None:
    content = contents[0]
    text = "".join(
        "".join(op.lines)
        for op in layout_label(content, template(SIZES["100x150"])).ops
        if isinstance(op, TextOp)
    )
    for field in (
        "waybill_no",
        "route.sort_code",
        "masked.recipient.name",
        "masked.recipient.phone",
        "masked.sender.name",
        "masked.sender.phone",
        "item.name",
    ):
        assert content.displayed_texts()[field] in text, field
    assert content.marks in text and content.printed_at_text in text


def test_wrapping_keeps_ascii_words_whole_and_punctuation_off_line_starts() -> None:
    fm = metrics()
    lines = wrap("上海市浦东新区世纪大道***号*号楼**室 *******5678", 22.0, 3.0, fm)
    assert all(fm.width(line, 3.0) <= 22.0 + EPS for line in lines)
    assert any(line.endswith("*******5678") or line == "*******5678" for line in lines)
    assert not any(
        line.startswith(("，", "。", "）")) for line in wrap("书籍（文件资料），共三件。" * 3, 12.0, 3.0, fm)
    )
    long = wrap("A" * 80, 20.0, 3.0, fm)  # a word wider than the line is split by characters
    assert "".join(long) == "A" * 80 and len(long) > 1


def test_text_that_cannot_fit_is_shrunk_then_cut_with_an_ellipsis() -> None:
    op = fit_text("北京市朝阳区建国路" * 10, 0, 0, 30.0, 8.0, size=4.0, max_lines=2)
    assert len(op.lines) <= 2
    assert op.size == pytest.approx(MIN_TEXT_MM)
    assert op.lines[-1].endswith("…")


_TEXT = st.text(
    alphabet=st.sampled_from(list("北京市朝阳区建国路号楼单元室欧阳张王书籍（）,，。*^_ 0123456789ABCxyz-")),
    min_size=1,
    max_size=120,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(address=_TEXT, item=_TEXT, size=st.sampled_from(["76x130", "100x150"]), two_part=st.booleans())
def test_any_text_is_laid_out_inside_its_box(
    contents: list[LabelContent], address: str, item: str, size: str, two_part: bool
) -> None:
    base = contents[0]
    content = replace(
        base,
        recipient=replace(base.recipient, address=address),
        item=replace(base.item, name=item),
    )
    tpl = template(SIZES[size], two_part)  # type: ignore[index]
    fm = metrics()
    for op in layout_label(content, tpl).ops:
        if isinstance(op, TextOp):
            assert len(op.lines) * op.line_height <= op.h + EPS
            assert all(fm.width(line, op.size) <= op.w + EPS for line in op.lines)
            assert op.x >= 0 and op.x + op.w <= tpl.size.width_mm + EPS


def test_a_missing_label_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from sealpost.adapters.printing.fonts import FONT_ENV, font_file
    from sealpost.errors import SealpostError

    monkeypatch.setenv(FONT_ENV, "/nonexistent/font.ttf#0")
    with pytest.raises(SealpostError) as info:
        font_file()
    assert info.value.code == "label_font_missing"
    assert "SEALPOST_LABEL_FONT" in info.value.message.en
