"""Field extraction from OCR boxes by layout and keywords (synthetic box lists, no OCR)."""

from __future__ import annotations

from datetime import date

import pytest

from sealpost.domain.identity.card_fields import (
    ETHNIC_GROUPS,
    RECOGNISED_ETHNICITIES,
    card_validity_years,
    extract_back,
    extract_front,
    normalize_ethnicity,
    normalize_id_number,
    parse_validity,
)
from sealpost.domain.ocr import TextBox, box

NUMBER = "11010519491231002X"


def _front(*, scale: float = 1.0, dx: float = 0.0, dy: float = 0.0, conf: float = 0.99) -> list[TextBox]:
    """A front laid out like the real card, labels and values in separate boxes."""

    def b(text: str, left: float, top: float, right: float, bottom: float) -> TextBox:
        return box(text, conf, left * scale + dx, top * scale + dy, right * scale + dx, bottom * scale + dy)

    return [
        b("姓名", 80, 70, 150, 100),
        b("张三丰", 190, 66, 300, 104),
        b("性别", 80, 150, 150, 180),
        b("男", 190, 146, 226, 184),
        b("民族", 380, 150, 450, 180),
        b("汉", 490, 146, 526, 184),
        b("出生", 80, 234, 150, 264),
        b("1949年12月31日", 190, 230, 500, 268),
        b("住址", 80, 318, 150, 348),
        b("北京市朝阳区建国路", 190, 314, 590, 352),
        b("88号3幢1单元", 190, 362, 520, 400),
        b("502室", 190, 410, 300, 448),
        b("公民身份号码", 80, 525, 330, 555),
        b(NUMBER, 345, 518, 900, 560),
    ]


def test_front_fields_from_separate_label_and_value_boxes() -> None:
    fields = extract_front(_front())
    assert {k: f.value for k, f in fields.items()} == {
        "name": "张三丰",
        "sex": "男",
        "ethnicity": "汉",
        "birth_date": "1949-12-31",
        "address": "北京市朝阳区建国路88号3幢1单元502室",
        "number": NUMBER,
    }
    assert all(f.confidence == pytest.approx(0.99) and not f.needs_confirmation for f in fields.values())


def test_extraction_does_not_depend_on_pixel_positions() -> None:
    """The same card, photographed bigger and elsewhere in the frame, reads the same."""
    a = {k: f.value for k, f in extract_front(_front()).items()}
    b = {k: f.value for k, f in extract_front(_front(scale=1.7, dx=400, dy=-30)).items()}
    assert a == b


def test_boxes_given_in_any_order() -> None:
    boxes = _front()
    fields = extract_front(list(reversed(boxes)))
    assert fields["address"].value == "北京市朝阳区建国路88号3幢1单元502室"
    assert fields["name"].value == "张三丰"


def test_merged_label_and_value_boxes() -> None:
    boxes = [
        box("姓名李楠", 0.99, 80, 70, 300, 104),
        box("性别女", 0.98, 80, 150, 226, 184),
        box("民族 汉", 0.97, 380, 150, 526, 184),
        box("出生1988年1月4日", 0.99, 80, 230, 500, 268),
        box("住 址浙江省杭州市临平区迎宾", 0.99, 80, 314, 590, 352),
        box("街97号迎宾名邸39栋25", 0.99, 190, 362, 560, 400),
        box("01", 0.95, 190, 410, 230, 448),
        box("公民身份号码", 0.99, 80, 525, 330, 555),
        box("330113198801041225", 0.99, 345, 518, 900, 560),
    ]
    fields = extract_front(boxes)
    assert fields["name"].value == "李楠"
    assert fields["sex"].value == "女"
    assert fields["ethnicity"].value == "汉"
    assert fields["birth_date"].value == "1988-01-04"
    assert fields["address"].value == "浙江省杭州市临平区迎宾街97号迎宾名邸39栋2501"
    assert fields["address"].confidence == pytest.approx(0.95)  # the weakest line
    assert fields["number"].value == "330113198801041225"


def test_sex_box_swallowing_the_ethnicity() -> None:
    boxes = [box("姓名王五", 0.99, 80, 70, 300, 104), box("性别男 民族 回", 0.99, 80, 150, 526, 184)]
    fields = extract_front(boxes)
    assert fields["sex"].value == "男"
    assert fields["ethnicity"].value == "回"


def test_letter_spaced_label_read_as_two_boxes() -> None:
    boxes = [
        box("姓", 0.99, 80, 70, 110, 100),
        box("名", 0.99, 130, 70, 160, 100),
        box("欧阳娜娜", 0.99, 190, 66, 330, 104),
        box("住", 0.99, 80, 318, 110, 348),
        box("址", 0.99, 130, 318, 160, 348),
        box("上海市黄浦区南京东路1号", 0.99, 190, 314, 590, 352),
    ]
    fields = extract_front(boxes)
    assert fields["name"].value == "欧阳娜娜"
    assert fields["address"].value == "上海市黄浦区南京东路1号"


def test_number_with_ocr_confusions_is_repaired_and_marked() -> None:
    boxes = _front()
    boxes[-1] = box("11O1O5l949l231OO2x", 0.93, 345, 518, 900, 560)
    field = extract_front(boxes)["number"]
    assert field.value == NUMBER
    assert field.corrected


def test_number_found_without_its_label() -> None:
    boxes = [b for b in _front() if b.text != "公民身份号码"]
    assert extract_front(boxes)["number"].value == NUMBER


def test_low_confidence_fields_are_flagged() -> None:
    boxes = _front()
    boxes[1] = box("张三丰", 0.62, 190, 66, 300, 104)
    fields = extract_front(boxes)
    assert fields["name"].needs_confirmation
    assert fields["name"].confidence == pytest.approx(0.62)
    assert not fields["sex"].needs_confirmation


def test_missing_fields_are_none_and_flagged() -> None:
    fields = extract_front([box("随便什么", 0.99, 0, 0, 100, 30)])
    assert all(f.value is None and f.needs_confirmation for f in fields.values())


def test_junk_before_the_province_is_dropped() -> None:
    boxes = _front()
    boxes[9] = box("具北京市朝阳区建国路", 0.9, 190, 314, 590, 352)
    field = extract_front(boxes)["address"]
    assert field.value is not None and field.value.startswith("北京市朝阳区")
    assert field.corrected


def test_back_fields() -> None:
    boxes = [
        box("中华人民共和国", 0.99, 340, 70, 800, 120),
        box("居民身份证", 0.99, 300, 170, 850, 250),
        box("签发机关", 0.99, 200, 455, 320, 485),
        box("北京市公安局朝阳分局", 0.98, 390, 450, 800, 490),
        box("有效期限", 0.99, 200, 540, 320, 570),
        box("2016.05.01-2036.05.01", 0.97, 390, 535, 800, 575),
    ]
    fields = extract_back(boxes)
    assert fields["authority"].value == "北京市公安局朝阳分局"
    assert fields["valid_from"].value == "2016-05-01"
    assert fields["valid_to"].value == "2036-05-01"
    assert fields["valid_to"].confidence == pytest.approx(0.97)


def test_back_long_term_and_label_merged() -> None:
    boxes = [
        box("签发机关郸城县公安局", 0.99, 200, 455, 800, 490),
        box("有效期限2001.02.03-长期", 0.99, 200, 540, 800, 575),
    ]
    fields = extract_back(boxes)
    assert fields["authority"].value == "郸城县公安局"
    assert (fields["valid_from"].value, fields["valid_to"].value) == ("2001-02-03", "长期")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2016.05.01-2036.05.01", (date(2016, 5, 1), date(2036, 5, 1))),
        ("2016.05.01-长期", (date(2016, 5, 1), None)),
        ("2016.05.01一2036.05.01", (date(2016, 5, 1), date(2036, 5, 1))),
        ("2016.O5.01－2036.05.0l", (date(2016, 5, 1), date(2036, 5, 1))),
        ("20160501-20360501", (date(2016, 5, 1), date(2036, 5, 1))),
        ("2016.13.01-2036.05.01", None),
        ("长期", None),
    ],
)
def test_parse_validity(text: str, expected: tuple[date, date | None] | None) -> None:
    assert parse_validity(text) == expected


@pytest.mark.parametrize(
    ("raw", "expected", "changed"),
    [
        (NUMBER, NUMBER, False),
        ("11010519491231002x", NUMBER, True),
        ("110105 1949 1231 002X", NUMBER, True),
        ("I1OlO519491231OO2X", NUMBER, True),
        ("１１０１０５１９４９１２３１００２X", NUMBER, True),
    ],
)
def test_normalize_id_number(raw: str, expected: str, changed: bool) -> None:
    assert normalize_id_number(raw) == (expected, changed)


def test_ethnic_groups() -> None:
    assert len(ETHNIC_GROUPS) == 56 == len(set(ETHNIC_GROUPS))
    assert {"穿青人", "其他", "汉", "柯尔克孜"} <= RECOGNISED_ETHNICITIES
    assert normalize_ethnicity("汉族") == "汉"
    assert normalize_ethnicity(" 维吾尔 ") == "维吾尔"
    assert normalize_ethnicity("火星") == "火星"


@pytest.mark.parametrize(
    ("birth", "issued", "years"),
    [
        (date(2015, 1, 1), date(2020, 1, 1), 5),
        (date(2000, 6, 1), date(2016, 6, 1), 10),
        (date(1990, 1, 1), date(2015, 12, 31), 10),
        (date(1990, 1, 1), date(2016, 1, 1), 20),
        (date(1970, 1, 1), date(2016, 1, 1), 0),
    ],
)
def test_card_validity_years(birth: date, issued: date, years: int) -> None:
    assert card_validity_years(birth, issued) == years
