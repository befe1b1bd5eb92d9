"""Cross-check of the card's fields against the number, the ethnic groups and the validity period."""

from __future__ import annotations

from datetime import date

from sealpost.domain.identity.card_fields import (
    CardField,
    cross_check,
    flag_for_confirmation,
    reconcile_with_region,
)

TODAY = date(2026, 11, 28)
NUMBER = "11010519491231002X"  # 北京市朝阳区, born 1949-12-31, female (sequence 002)


def _fields(**overrides: str | None) -> dict[str, CardField]:
    values: dict[str, str | None] = {
        "name": "王芳",
        "sex": "女",
        "ethnicity": "汉",
        "birth_date": "1949-12-31",
        "address": "北京市朝阳区建国路88号",
        "number": NUMBER,
        "authority": "北京市公安局朝阳分局",
        "valid_from": "2006-03-01",
        "valid_to": "长期",
    }
    values.update(overrides)
    return {k: CardField(v, 0.99, needs_confirmation=False) for k, v in values.items()}


def _codes(issues: tuple[object, ...]) -> list[str]:
    return [i.code for i in issues]  # type: ignore[attr-defined]


def test_consistent_card_is_valid() -> None:
    check = cross_check(_fields(), today=TODAY, back_read=True)
    assert check.valid
    assert check.errors == ()
    assert check.warnings == ()
    assert check.number is not None and check.number.region.county == "朝阳区"


def test_sex_not_matching_the_number() -> None:
    check = cross_check(_fields(sex="男"), today=TODAY, back_read=True)
    assert not check.valid
    assert _codes(check.errors) == ["sex_mismatch"]
    assert check.errors[0].field == "sex"


def test_birth_date_not_matching_the_number() -> None:
    check = cross_check(_fields(birth_date="1949-12-30"), today=TODAY, back_read=True)
    assert _codes(check.errors) == ["birth_date_mismatch"]


def test_expired_card() -> None:
    check = cross_check(_fields(valid_from="2006-03-01", valid_to="2026-03-01"), today=TODAY, back_read=True)
    assert "card_expired" in _codes(check.errors)
    assert check.errors[-1].field == "valid_to"


def test_card_valid_until_today_is_not_expired() -> None:
    check = cross_check(_fields(valid_from="2006-11-28", valid_to="2026-11-28"), today=TODAY, back_read=True)
    assert "card_expired" not in _codes(check.errors)


def test_card_not_yet_valid_and_reversed_period() -> None:
    assert "card_not_yet_valid" in _codes(
        cross_check(_fields(valid_from="2027-01-01"), today=TODAY, back_read=True).errors
    )
    assert "validity_invalid" in _codes(
        cross_check(
            _fields(valid_from="2020-01-01", valid_to="2010-01-01"), today=TODAY, back_read=True
        ).errors
    )


def test_unknown_ethnicity() -> None:
    check = cross_check(_fields(ethnicity="火星"), today=TODAY, back_read=True)
    assert _codes(check.errors) == ["ethnicity_unknown"]
    assert cross_check(_fields(ethnicity="穿青人"), today=TODAY, back_read=True).valid


def test_address_in_another_province_is_only_a_warning() -> None:
    check = cross_check(_fields(address="浙江省杭州市西湖区文三路478号"), today=TODAY, back_read=True)
    assert check.valid
    assert _codes(check.warnings) == ["region_address_mismatch"]
    assert check.warnings[0].message.zh and check.warnings[0].message.en


def test_invalid_number() -> None:
    check = cross_check(_fields(number="110105194912310021"), today=TODAY, back_read=True)
    assert _codes(check.errors) == ["number_invalid"]
    assert "invalid_check_digit" in check.errors[0].message.en


def test_missing_fields_and_front_only() -> None:
    fields = _fields()
    del fields["valid_from"], fields["valid_to"], fields["authority"]
    check = cross_check(fields, today=TODAY, back_read=False)
    assert check.valid
    assert _codes(check.warnings) == ["back_not_read"]
    fields["name"] = CardField(None)
    assert _codes(cross_check(fields, today=TODAY, back_read=False).errors) == ["field_missing"]


def test_unusual_validity_length_is_a_warning() -> None:
    # Issued at 56: the card should be long-term, not 10 years.
    check = cross_check(_fields(valid_from="2006-03-01", valid_to="2036-03-01"), today=TODAY, back_read=True)
    assert check.valid
    assert _codes(check.warnings) == ["validity_period_unusual"]


def test_fields_in_error_are_flagged_for_confirmation() -> None:
    fields = _fields(sex="男")
    flagged = flag_for_confirmation(fields, cross_check(fields, today=TODAY, back_read=True))
    assert flagged["sex"].needs_confirmation
    assert not flagged["name"].needs_confirmation


def test_region_names_repaired_from_the_number() -> None:
    # 湾沚区 (340210): the recogniser's alphabet has no 沚, so it reads 湾区 / 湾淀.
    number = "340210195504086843"
    fields = _fields(
        number=number,
        sex="女",
        birth_date="1955-04-08",
        address="安徽省芜湖市湾区人民东路594号",
        authority="芜湖市公安局湾淀分局",
    )
    check = cross_check(fields, today=TODAY, back_read=True)
    assert check.number is not None
    repaired = reconcile_with_region(fields, check.number)
    assert repaired["address"].value == "安徽省芜湖市湾沚区人民东路594号"
    assert repaired["address"].corrected
    assert repaired["authority"].value == "芜湖市公安局湾沚分局"
    # Someone who moved keeps the address read.
    moved = _fields(address="浙江省杭州市西湖区文三路478号")
    assert reconcile_with_region(moved, check.number)["address"].value == "浙江省杭州市西湖区文三路478号"
