"""Mainland phone numbers: every carrier, normalisation, refused ranges, landlines with area code."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sealpost.domain.identity.phone import (
    MOBILE_PREFIXES,
    REASONS,
    Carrier,
    carrier_of,
    check_phone,
    normalize_phone,
)


@pytest.mark.parametrize(
    ("number", "carrier", "mvno", "satellite"),
    [
        ("13312345678", Carrier.CHINA_TELECOM, False, False),
        ("18912345678", Carrier.CHINA_TELECOM, False, False),
        ("19912345678", Carrier.CHINA_TELECOM, False, False),
        ("17001234567", Carrier.CHINA_TELECOM, True, False),
        ("16212345678", Carrier.CHINA_TELECOM, True, False),
        ("13491234567", Carrier.CHINA_TELECOM, False, True),
        ("17405123456", Carrier.CHINA_TELECOM, False, True),
        ("13812345678", Carrier.CHINA_MOBILE, False, False),
        ("13481234567", Carrier.CHINA_MOBILE, False, False),
        ("19812345678", Carrier.CHINA_MOBILE, False, False),
        ("17031234567", Carrier.CHINA_MOBILE, True, False),
        ("16512345678", Carrier.CHINA_MOBILE, True, False),
        ("13012345678", Carrier.CHINA_UNICOM, False, False),
        ("18612345678", Carrier.CHINA_UNICOM, False, False),
        ("17091234567", Carrier.CHINA_UNICOM, True, False),
        ("17112345678", Carrier.CHINA_UNICOM, True, False),
        ("19212345678", Carrier.CHINA_BROADNET, False, False),
        ("16191234567", Carrier.CHINA_SATNET, False, True),
        ("17406123456", Carrier.CHINA_SATNET, False, True),
        ("17412123456", Carrier.CHINA_SATNET, False, True),
        ("17491234567", Carrier.CHINA_SATNET, False, True),
    ],
)
def test_each_carrier_range(number: str, carrier: Carrier, mvno: bool, satellite: bool) -> None:
    result = check_phone(number)
    assert result.valid, result.reason
    assert (result.kind, result.carrier, result.mvno, result.satellite) == (
        "mobile",
        carrier,
        mvno,
        satellite,
    )
    assert result.as_dict()["carrier"] == carrier.value


@pytest.mark.parametrize(
    "raw",
    [
        "+86 138 1234 5678",
        "+86-138-1234-5678",
        "0086 13812345678",
        "008613812345678",
        "8613812345678",
        "138-1234-5678",
        "138 1234 5678",
        "(138) 1234.5678",
        "１３８１２３４５６７８",
        "＋８６　１３８　１２３４　５６７８",
    ],
)
def test_country_code_and_separators_are_normalised(raw: str) -> None:
    result = check_phone(raw)
    assert (result.valid, result.normalized, result.carrier) == (True, "13812345678", Carrier.CHINA_MOBILE)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("15412345678", "unallocated_mobile_range"),
        ("19412345678", "unallocated_mobile_range"),
        ("17912345678", "unallocated_mobile_range"),
        ("17413123456", "unallocated_mobile_range"),
        ("16012345678", "unallocated_mobile_range"),
        ("14012345678", "unallocated_mobile_range"),  # IoT range
        ("12012345678", "unallocated_mobile_range"),
        ("1381234567", "invalid_mobile_length"),
        ("138123456789", "invalid_mobile_length"),
        ("1401234567890", "invalid_mobile_length"),  # 13-digit IoT numbers are not contact numbers
        ("", "empty"),
        (" - ", "empty"),
        ("138-1234-567a", "invalid_characters"),
        ("+852 2123 4567", "not_mainland_number"),
        ("+1 212 555 0100", "not_mainland_number"),
    ],
)
def test_refused_mobile_numbers_say_why(raw: str, reason: str) -> None:
    result = check_phone(raw)
    assert (result.valid, result.reason, result.carrier) == (False, reason, None)
    assert result.message == REASONS[reason]
    assert result.as_dict()["reason"] == reason


@pytest.mark.parametrize(
    ("raw", "normalized", "area"),
    [
        ("010-62345678", "01062345678", "010"),
        ("(010) 6234 5678", "01062345678", "010"),
        ("021-52345678", "02152345678", "021"),
        ("0755-86123456", "075586123456", "0755"),
        ("0571-8812345", "05718812345", "0571"),  # 7-digit local number
        ("+86 10 6234 5678", "01062345678", "010"),
        ("+86 (0)10 6234 5678", "01062345678", "010"),
        ("0086 755 8612 3456", "075586123456", "0755"),
    ],
)
def test_landlines_with_area_code_are_contact_numbers(raw: str, normalized: str, area: str) -> None:
    result = check_phone(raw)
    assert result.valid, result.reason
    assert (result.kind, result.normalized, result.area_code, result.carrier) == (
        "landline",
        normalized,
        area,
        None,
    )


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("62345678", "landline_needs_area_code"),
        ("8812345", "landline_needs_area_code"),
        ("010-6234567", "invalid_landline"),  # big-city numbers have 8 digits
        ("010-12345678", "invalid_landline"),  # local numbers start 2–9
        ("0755-123456789", "invalid_landline"),
        ("0123-4567890", "invalid_landline"),  # no area code starts 01 other than 010
        ("4001234567", "invalid_landline"),  # service numbers are not contact numbers
        ("0", "invalid_landline"),
    ],
)
def test_bad_landlines_say_why(raw: str, reason: str) -> None:
    result = check_phone(raw)
    assert (result.valid, result.reason) == (False, reason)


def test_allocation_table_has_no_overlapping_prefixes() -> None:
    prefixes = sorted(MOBILE_PREFIXES)
    for a in prefixes:
        for b in prefixes:
            assert a == b or not b.startswith(a), (a, b)


@given(st.sampled_from(sorted(MOBILE_PREFIXES)), st.data())
def test_every_allocated_range_is_valid_with_its_carrier(prefix: str, data: st.DataObject) -> None:
    rest = data.draw(st.text("0123456789", min_size=11 - len(prefix), max_size=11 - len(prefix)))
    number = prefix + rest
    result = check_phone(number)
    assert result.valid
    assert result.carrier is MOBILE_PREFIXES[prefix][0]
    assert carrier_of(number) == MOBILE_PREFIXES[prefix]


@given(st.text("0123456789", min_size=10, max_size=10))
def test_any_eleven_digit_mobile_is_valid_exactly_when_its_range_is_allocated(rest: str) -> None:
    number = "1" + rest
    allocated = any(number.startswith(p) for p in MOBILE_PREFIXES)
    assert check_phone(number).valid == allocated


@given(st.text(max_size=30))
def test_check_phone_never_raises(raw: str) -> None:
    result = check_phone(raw)
    assert result.valid == (result.reason is None)
    assert result.reason is None or result.reason in REASONS


def test_normalize_keeps_foreign_numbers_recognisable() -> None:
    assert normalize_phone("+852 2123 4567") == "+85221234567"
    assert normalize_phone("+86 138 1234 5678") == "13812345678"
