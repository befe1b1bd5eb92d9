"""Label content from receipts: masked-only validation, styles, marks, print time, zones."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sealpost.domain.labels import (
    SIZES,
    LabelContent,
    LabelSpec,
    ReceiptInvalidError,
    Zone,
    format_print_time,
    parse_size,
    template,
)
from sealpost.domain.masking import mask_address, mask_name, mask_phone
from sealpost.services.sample_receipts import sample_receipt

NOW = datetime(2026, 11, 28, 9, 31, tzinfo=UTC)


def _receipt(**changes: Any) -> dict[str, Any]:
    """A valid receipt with dotted-path changes (value ``...`` deletes the field)."""
    r = copy.deepcopy(sample_receipt(3).receipt)
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = r
        for p in parents:
            node = node[p]
        if value is ...:
            del node[last]
        else:
            node[last] = value
    return r


def _refused(receipt: dict[str, Any]) -> ReceiptInvalidError:
    with pytest.raises(ReceiptInvalidError) as info:
        LabelContent.from_receipt(receipt, printed_at=NOW)
    return info.value


def test_a_valid_receipt_becomes_label_content() -> None:
    r = _receipt()
    c = LabelContent.from_receipt(r, printed_at=NOW)
    assert c.waybill_no == r["waybill_no"] and c.label_ref == r["label_ref"]
    assert c.recipient.name == r["masked"]["recipient"]["name"]
    assert c.sender.phone == r["masked"]["sender"]["phone"]
    assert c.marks == "已实名 · 已验视"
    assert c.printed_at_text == "2026-11-28 17:31"  # China Standard Time
    assert c.style == "standard"


def test_the_example_receipt_of_the_protocol_is_valid() -> None:
    r = _receipt(
        masked__sender__name="张*",
        masked__sender__phone="*******5678",
        masked__sender__address="北京市朝阳区建国路**号",
        masked__recipient__name="欧阳**",
        masked__recipient__phone="*******1234",
        masked__recipient__address="上海市浦东新区世纪大道***号*号楼**室",
    )
    assert LabelContent.from_receipt(r, printed_at=NOW).recipient.name == "欧阳**"


def test_smile_style_restyles_every_masked_field() -> None:
    c = LabelContent.from_receipt(_receipt(masked__recipient__name="欧阳**"), printed_at=NOW, style="smile")
    assert c.recipient.name == "欧阳^_^"
    assert c.recipient.phone.startswith("^_^") and "*" not in c.recipient.phone
    assert "*" not in c.sender.address and "^_^" in c.sender.address
    assert c.style == "smile"


def test_marks_show_only_what_the_receipt_states() -> None:
    c = LabelContent.from_receipt(_receipt(marks__real_name=False), printed_at=NOW)
    assert c.marks == "已验视"


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"masked__recipient__name": "欧阳娜娜"}, "receipt_unmasked", "masked.recipient.name"),
        ({"masked__sender__phone": "13812345678"}, "receipt_unmasked", "masked.sender.phone"),
        (
            {"masked__sender__phone": "******45678"},
            "receipt_unmasked",
            "masked.sender.phone",
        ),  # 5 digits shown
        (
            {"masked__sender__phone": "138*****678"},
            "receipt_unmasked",
            "masked.sender.phone",
        ),  # 6 shown, 5 hidden
        ({"masked__sender__phone": "*****678"}, "receipt_unmasked", "masked.sender.phone"),  # hides only 5
        ({"masked__sender__phone": "tel *******5678"}, "receipt_invalid", "masked.sender.phone"),
        (
            {"masked__recipient__address": "上海市浦东新区世纪大道1188号6号楼2单元1703室"},
            "receipt_unmasked",
            "masked.recipient.address",
        ),
        (
            {"masked__recipient__address": "上海市浦东新区世纪大道***号*号楼2单元****室"},
            "receipt_unmasked",
            "masked.recipient.address",
        ),
        ({"item__name": "给 13912345678 的书"}, "receipt_unmasked", "item.name"),
        ({"item__name": "证件 11010519491231002X"}, "receipt_unmasked", "item.name"),
        (
            {"item__category": "１３９１２３４５６７８"},
            "receipt_unmasked",
            "item.category",
        ),  # full-width digits
        ({"version": 2}, "receipt_invalid", "version"),
        ({"waybill_no": "ea123"}, "receipt_invalid", "waybill_no"),
        ({"waybill_no": "EA^XZ123"}, "receipt_invalid", "waybill_no"),
        ({"label_ref": "not-base32!"}, "receipt_invalid", "label_ref"),
        (
            {"label_ref": "138001380001380013800"},
            "receipt_invalid",
            "label_ref",
        ),  # digits 0/1/8/9 are not base32
        ({"collected_at": "2026-11-28T09:30:00"}, "receipt_invalid", "collected_at"),
        ({"collected_at": "yesterday"}, "receipt_invalid", "collected_at"),
        ({"item__quantity": 0}, "receipt_invalid", "item.quantity"),
        ({"item__weight_g": "520"}, "receipt_invalid", "item.weight_g"),
        ({"item__declared_value_cny": True}, "receipt_invalid", "item.declared_value_cny"),
        ({"marks__inspected": "yes"}, "receipt_invalid", "marks.inspected"),
        ({"route__destination_county": "31011"}, "receipt_invalid", "route.destination_county"),
        ({"route__sort_code": ...}, "receipt_invalid", "route.sort_code"),
        ({"masked": "张*"}, "receipt_invalid", "masked.recipient.name"),
        ({"company": "EMS\u0007"}, "receipt_invalid", "company"),
        ({"record_id": "42"}, "receipt_invalid", "record_id"),
    ],
    ids=lambda v: str(v)[:40] if isinstance(v, dict) else None,
)
def test_bad_or_unmasked_receipts_are_refused_naming_the_field(
    changes: dict[str, Any], code: str, field: str
) -> None:
    err = _refused(_receipt(**changes))
    assert err.code == code
    assert err.extra["field"] == field
    assert err.status == 422
    for value in changes.values():  # the message names the field, never the value
        if isinstance(value, str) and len(value) > 4:
            assert value not in err.message.zh and value not in err.message.en


def test_a_receipt_must_be_an_object() -> None:
    with pytest.raises(ReceiptInvalidError):
        LabelContent.from_receipt([], printed_at=NOW)  # type: ignore[arg-type]


def test_print_time_must_be_aware_and_is_shown_in_china_standard_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        LabelContent.from_receipt(_receipt(), printed_at=datetime(2026, 1, 1))
    assert format_print_time(datetime(2026, 12, 31, 16, 5, tzinfo=UTC)) == "2027-01-01 00:05"
    assert (
        format_print_time(datetime(2026, 6, 1, 8, 0, tzinfo=timezone(timedelta(hours=-5))))
        == "2026-06-01 21:00"
    )


_NAMES = st.text(alphabet="王李张刘陈杨欧阳司马诸葛娜伟芳秀英", min_size=1, max_size=5)
_PHONES = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
_ROOMS = st.tuples(st.integers(1, 9999), st.integers(1, 99), st.integers(1, 9), st.integers(101, 3308))


@settings(max_examples=60, deadline=None)
@given(name=_NAMES, phone=_PHONES, room=_ROOMS)
def test_anything_masked_by_the_rules_is_accepted(
    name: str, phone: str, room: tuple[int, int, int, int]
) -> None:
    address = f"浙江省杭州市西湖区文三路{room[0]}号{room[1]}号楼{room[2]}单元{room[3]}室"
    r = _receipt(
        masked__recipient__name=mask_name(name),
        masked__recipient__phone=mask_phone(phone),
        masked__recipient__address=mask_address(address),
    )
    c = LabelContent.from_receipt(r, printed_at=NOW)
    assert phone not in c.recipient.phone and str(room[3]) not in c.recipient.address


@settings(max_examples=60, deadline=None)
@given(phone=_PHONES, shown=st.integers(5, 11))
def test_a_phone_showing_more_than_four_digits_is_always_refused(phone: str, shown: int) -> None:
    masked = "*" * (11 - shown) + phone[11 - shown :]
    assert _refused(_receipt(masked__sender__phone=masked)).code == "receipt_unmasked"


# --- zones -----------------------------------------------------------------------------------

GB_ZONES = {Zone.NUMBER, Zone.DESTINATION, Zone.RECIPIENT, Zone.SENDER, Zone.CONTENTS, Zone.SIGNATURE}


@pytest.mark.parametrize("size", ["76x130", "100x150"])
@pytest.mark.parametrize("two_part", [False, True])
def test_templates_have_the_six_zones_inside_the_label_without_overlap(size: str, two_part: bool) -> None:
    tpl = template(SIZES[size], two_part)  # type: ignore[index]
    zones = {z.zone for z in tpl.zones}
    assert zones >= GB_ZONES
    assert (Zone.STUB_NUMBER in zones) is two_part
    assert (tpl.cut_y is not None) is two_part
    for z in tpl.zones:
        assert z.x > 0 and z.right <= tpl.size.width_mm and z.y > 0 and z.bottom <= tpl.size.height_mm
    for i, a in enumerate(tpl.zones):
        for b in tpl.zones[i + 1 :]:
            overlap_x = min(a.right, b.right) - max(a.x, b.x)
            overlap_y = min(a.bottom, b.bottom) - max(a.y, b.y)
            assert overlap_x <= 1e-6 or overlap_y <= 1e-6, (a.zone, b.zone)
    if tpl.cut_y is not None:
        stub = [z for z in tpl.zones if z.zone.value.startswith("stub")]
        carrier = [z for z in tpl.zones if not z.zone.value.startswith("stub")]
        assert max(z.bottom for z in carrier) < tpl.cut_y < min(z.y for z in stub)


def test_sizes_parse_leniently_and_refuse_unknown_ones() -> None:
    assert parse_size("76x130") is SIZES["76x130"]
    assert parse_size(" 100×150mm ") is SIZES["100x150"]
    assert parse_size("100X150") is SIZES["100x150"]
    with pytest.raises(ReceiptInvalidError) as info:
        parse_size("4x6")
    assert info.value.code == "label_size_unknown"


def test_label_spec_checks_style_and_dpi() -> None:
    with pytest.raises(ValueError, match="dpi"):
        LabelSpec(dpi=600)
    with pytest.raises(ValueError, match="style"):
        LabelSpec(style="plain")  # type: ignore[arg-type]
