"""Masking after GB/T 41833-2022: examples plus property tests.

Properties, for every kind: the output never contains the hidden part, never hides less than the
rule says, is the same for the same input, and the two styles agree (``restyle``). Every
``mask_*`` function is total: odd input never raises.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from identity_strategies import make_id, valid_resident_ids

from sealpost.domain.masking import (
    COMPOUND_SURNAMES,
    SMILE,
    address_kept_length,
    mask,
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
    name_visible_length,
    restyle,
)

# A pool of common characters for generated names (no '*' or '^', which the styles use).
HAN = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"
    "刚桂英华玉兰"
)
han_text = st.text(HAN, min_size=1, max_size=4)
latin_names = st.from_regex(r"[A-Z][a-z]{0,9}( [A-Z][a-z]{1,12}){0,2}", fullmatch=True)
odd_text = st.text(max_size=60)


# --- names ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "standard", "smile"),
    [
        ("张三", "张*", "张^_^"),
        ("张三丰", "张**", "张^_^"),
        ("欧阳娜娜", "欧阳**", "欧阳^_^"),
        ("诸葛亮", "诸葛*", "诸葛^_^"),
        ("司马相如", "司马**", "司马^_^"),
        ("上官婉儿", "上官**", "上官^_^"),
        ("欧阳", "欧*", "欧^_^"),  # keeping the whole compound surname would hide nothing
        ("李", "*", "^_^"),
        ("买买提·艾力", "买*****", "买^_^"),
        ("John Smith", "J*********", "J^_^"),
        ("  王五  ", "王*", "王^_^"),
        ("", "", ""),
    ],
)
def test_name_examples(name: str, standard: str, smile: str) -> None:
    assert mask_name(name) == standard
    assert mask_name(name, "smile") == smile


def test_compound_surname_list_covers_the_common_ones() -> None:
    assert len(COMPOUND_SURNAMES) >= 80
    for surname in (
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
    ):
        assert surname in COMPOUND_SURNAMES
    for surname in ("夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "呼延"):
        assert surname in COMPOUND_SURNAMES


@given(
    st.one_of(han_text, st.builds(lambda s, g: s + g, st.sampled_from(sorted(COMPOUND_SURNAMES)), han_text))
)
def test_chinese_name_keeps_only_the_surname_and_hides_at_least_one_character(name: str) -> None:
    out = mask_name(name)
    keep = name_visible_length(name)
    hidden = name[keep:]
    assert len(hidden) >= 1
    assert out == name[:keep] + "*" * len(hidden)
    assert not set(out[keep:]) & set(name)  # nothing of the hidden part shows
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        assert keep == 2
    else:
        assert keep == min(1, len(name) - 1)
    assert mask_name(name, "smile") == name[:keep] + SMILE
    assert mask_name(name) == out  # deterministic


@given(latin_names)
def test_latin_name_keeps_the_first_letter_only(name: str) -> None:
    out = mask_name(name)
    if len(name) == 1:
        assert out == "*"
    else:
        assert out == name[0] + "*" * (len(name) - 1)
    assert restyle(out, "smile") == mask_name(name, "smile")


@given(odd_text)
def test_name_masking_is_total_and_hides_something(value: str) -> None:
    out = mask_name(value)
    assert out == mask_name(value)
    if value.strip():
        assert "*" in out


# --- phones -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "standard", "smile"),
    [
        ("13812345678", "*******5678", "^_^5678"),
        ("+86 138-1234-5678", "*******5678", "^_^5678"),
        ("0086 13812345678", "*******5678", "^_^5678"),
        ("010-62345678", "*******5678", "^_^5678"),
        ("+86 10 6234 5678", "*******5678", "^_^5678"),
        ("1234567", "******7", "^_^7"),  # only len-6 digits may show
        ("123456", "******", "^_^"),
        ("12", "**", "^_^"),
        ("no digits", "** ******", "^_^ ^_^"),
    ],
)
def test_phone_examples(phone: str, standard: str, smile: str) -> None:
    assert mask_phone(phone) == standard
    assert mask_phone(phone, "smile") == smile


national_digits = st.text("0123456789", min_size=1, max_size=16).filter(
    lambda d: not d.startswith(("86", "00"))
)


@given(national_digits, st.integers(min_value=-3, max_value=20))
def test_phone_hides_at_least_six_digits_and_keeps_only_a_suffix(digits: str, keep_last: int) -> None:
    out = mask_phone(digits, keep_last=keep_last)
    kept = out.lstrip("*")
    hidden_count = len(out) - len(kept)
    assert len(out) == len(digits)
    assert hidden_count >= min(6, len(digits))
    assert len(kept) <= 4 or len(kept) <= keep_last
    assert len(kept) <= max(0, len(digits) - 6)
    assert digits.endswith(kept)
    assert mask_phone(digits, "smile", keep_last=keep_last) == restyle(out, "smile")


@given(st.sampled_from(["+86 ", "0086", "+86-", "86"]), st.text("0123456789", min_size=9, max_size=9))
def test_country_code_is_not_counted_as_shown_digits(prefix: str, tail: str) -> None:
    number = "13" + tail
    assert mask_phone(prefix + number) == mask_phone(number) == "*******" + number[-4:]


@given(st.sampled_from(["13", "15", "18", "19"]), st.text("0123456789", min_size=9, max_size=9))
def test_mobile_shows_last_four_at_most(head: str, tail: str) -> None:
    number = head + tail
    out = mask_phone(number)
    assert out == "*******" + number[-4:]
    assert number[:7] not in out


@given(odd_text)
def test_phone_masking_is_total(value: str) -> None:
    out = mask_phone(value)
    assert out == mask_phone(value)
    digits = [c for c in out if c.isdigit()]
    assert len(digits) <= 4


# --- ID numbers -------------------------------------------------------------------------------------


def test_id_number_examples() -> None:
    assert mask_id_number("11010519491231002X") == "1****************X"
    assert mask_id_number("110105 19491231 002x") == "1****************X"
    assert mask_id_number("11010519491231002X", "smile") == "1^_^X"
    assert mask_id_number("H1234567801") == "H*********1"
    assert mask_id_number("AB") == "A*"
    assert mask_id_number("A") == "*"
    assert mask_id_number("") == ""
    assert mask_id_number("11010519491231002X", keep_start=6, keep_end=4) == "110105*********02X"


@given(valid_resident_ids())
def test_id_number_keeps_first_and_last_only(generated: tuple[str, object, object, object]) -> None:
    number = str(generated[0])
    out = mask_id_number(number)
    assert out == number[0] + "*" * 16 + number[-1]
    assert number[1:-1] not in out
    assert mask_id_number(number, "smile") == number[0] + SMILE + number[-1]


@given(st.text(min_size=1, max_size=30), st.integers(0, 30), st.integers(0, 30))
def test_id_number_always_hides_at_least_half(value: str, start: int, end: int) -> None:
    out = mask_id_number(value, keep_start=start, keep_end=end)
    if out:
        assert out.count("*") >= max(1, (len(out) + 1) // 2)
    assert out == mask_id_number(value, keep_start=start, keep_end=end)


# --- addresses --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "standard"),
    [
        ("北京市朝阳区建国路88号院3号楼2单元1203室", "北京市朝阳区建国路**号院*号楼*单元****室"),
        ("浙江省杭州市西湖区文三路259号", "浙江省杭州市西湖区文三路***号"),
        ("广东省深圳市南山区粤海街道科技园南区A栋1801", "广东省深圳市南山区粤海街道科技园南区*栋****"),
        ("上海市黄浦区南京东路步行街8弄2号301室", "上海市黄浦区南京东路步行街*弄*号***室"),
        ("郑州市二七区大学路80号", "郑州市二七区大学路**号"),  # 二七 is a name, not a number
        ("南昌市东湖区八一大道357号", "南昌市东湖区八一大道***号"),
        ("浙江省杭州市西湖区幸福小区三号楼二单元五零一室", "浙江省杭州市西湖区幸福小区*号楼*单元***室"),
        ("新疆维吾尔自治区乌鲁木齐市天山区解放北路12号", "新疆维吾尔自治区乌鲁木齐市天山区解放北路**号"),
        ("四川省凉山彝族自治州西昌市胜利乡新村3组", "四川省凉山彝族自治州西昌市胜利乡新村*组"),
        ("北京市海淀区中关村大街27号１号楼", "北京市海淀区中关村大街**号*号楼"),
        ("123 Main Street Apt 4B", "*** **** ****** *** **"),
    ],
)
def test_address_examples(address: str, standard: str) -> None:
    assert mask_address(address) == standard
    assert mask_address(address, "smile") == restyle(standard, "smile")


PROVINCES = st.sampled_from(["浙江省", "广东省", "广西壮族自治区", ""])
CITIES = st.sampled_from(["杭州市", "深圳市", "南宁市", "北京市"])
COUNTIES = st.sampled_from(["西湖区", "南山区", "青秀区", "朝阳区", "淳安县"])
STREETS = st.sampled_from(["文三路", "深南大道", "民族大道", "建国门外大街", "南锣鼓巷", "中关村南大街"])
UNITS = st.lists(
    st.tuples(
        st.from_regex(r"[0-9A-Z一二三四五六七八九十]{1,4}", fullmatch=True),
        st.sampled_from(["号", "栋", "幢", "号楼", "单元", "室", "层"]),
    ),
    min_size=1,
    max_size=4,
)


@given(PROVINCES, CITIES, COUNTIES, STREETS, UNITS)
def test_address_keeps_divisions_and_street_and_hides_every_number_after(
    province: str, city: str, county: str, street: str, units: list[tuple[str, str]]
) -> None:
    kept = province + city + county + street
    tail = "".join(number + word for number, word in units)
    address = kept + tail
    out = mask_address(address)
    assert address_kept_length(address) == len(kept)
    assert out.startswith(kept)
    masked_tail = out[len(kept) :]
    assert len(masked_tail) == len(tail)
    assert not re.search(r"[0-9A-Z一二三四五六七八九十]", masked_tail)
    for number, _ in units:
        assert number not in masked_tail
    hidden = sum(len(number) for number, _ in units)
    assert masked_tail.count("*") == hidden
    assert mask_address(address, "smile") == restyle(out, "smile")
    assert mask_address(address) == out


@given(odd_text)
def test_address_masking_is_total_and_leaves_no_ascii_digit_or_letter(value: str) -> None:
    out = mask_address(value)
    assert out == mask_address(value)
    assert not re.search(r"[0-9A-Za-z]", out)


# --- entry points -----------------------------------------------------------------------------------


def test_mask_dispatches_by_kind() -> None:
    assert mask("name", "张三") == "张*"
    assert mask("phone", "13812345678", "smile") == "^_^5678"
    assert mask("address", "浙江省杭州市西湖区文三路259号") == "浙江省杭州市西湖区文三路***号"
    assert mask("id", make_id("110105", __import__("datetime").date(1990, 1, 1), 1)).startswith("1*")
    with pytest.raises(ValueError, match="unknown mask kind"):
        mask("email", "a@b.c")  # type: ignore[arg-type]


def test_restyle_turns_each_hidden_run_into_one_smile() -> None:
    assert restyle("张**", "smile") == "张^_^"
    assert restyle("北京市朝阳区建国路**号院*号楼", "smile") == "北京市朝阳区建国路^_^号院^_^号楼"
    assert restyle("张**", "standard") == "张**"
    assert restyle("no stars", "smile") == "no stars"


@given(odd_text, st.sampled_from(["name", "phone", "address", "id"]), st.sampled_from(["standard", "smile"]))
def test_every_kind_is_total_and_deterministic(value: str, kind: str, style: str) -> None:
    out = mask(kind, value, style)  # type: ignore[arg-type]
    assert out == mask(kind, value, style)  # type: ignore[arg-type]
    if style == "smile":
        assert "*" not in out or "*" in value


def test_non_string_input_does_not_raise() -> None:
    assert mask_name(None) == "N***"  # type: ignore[arg-type]
    assert mask_phone(13812345678) == "*******5678"  # type: ignore[arg-type]
    assert mask_id_number(12345) == "1***5"  # type: ignore[arg-type]
