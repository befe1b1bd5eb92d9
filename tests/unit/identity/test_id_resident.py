"""Resident ID numbers (GB 11643-1999): published examples, generated numbers, every invalid class."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from identity_strategies import (
    TODAY,
    birth_dates,
    county_codes,
    make_first_generation,
    make_id,
    sequences,
    valid_resident_ids,
)

from sealpost.domain.identity import DocumentType, check_document
from sealpost.domain.identity.resident_id import (
    IdNumberError,
    age_on,
    check_character,
    has_valid_check_character,
    parse_citizen_number,
    upgrade_first_generation,
)


def check(number: str, doc_type: DocumentType | None = None) -> dict[str, object]:
    return check_document(number, doc_type, today=TODAY).as_dict()


# --- published examples ------------------------------------------------------------------------


def test_published_example_beijing_chaoyang_is_valid_with_everything_derived() -> None:
    assert check("11010519491231002X") == {
        "valid": True,
        "type": "resident_id",
        "normalized": "11010519491231002X",
        "message": "有效的居民身份证号码",
        "message_en": "a valid resident identity card number",
        "region": {"code": "110105", "province": "北京市", "city": None, "county": "朝阳区"},
        "birth_date": "1949-12-31",
        "sex": "F",
        "age": 76,
    }


def test_published_example_born_1880_has_a_valid_check_but_is_refused_as_pre_1900() -> None:
    assert has_valid_check_character("440524188001010014")
    result = check("440524188001010014")
    assert result["valid"] is False
    assert result["reason"] == "birth_date_before_1900"
    assert result["message"] == "出生日期早于1900年"


def test_published_example_jinan_born_1901_is_valid_male() -> None:
    result = check("370101190102039973")
    assert result["valid"] is True
    assert result["region"] == {"code": "370101", "province": "山东省", "city": "济南市", "county": "市辖区"}
    assert (result["birth_date"], result["sex"], result["age"]) == ("1901-02-03", "M", 125)


def test_published_example_340524_has_a_valid_check_but_no_such_division_code() -> None:
    # The textbook example's address code 340524 is in no GB/T 2260 revision since 1980.
    assert has_valid_check_character("34052419800101001X")
    assert check("34052419800101001X")["reason"] == "unknown_region"


def test_abolished_county_code_stays_valid_with_its_own_name() -> None:
    number = make_id("110103", date(1975, 3, 1), 21)  # 崇文区, merged into 东城区 in 2010
    result = check(number)
    assert result["valid"] is True
    assert result["region"] == {"code": "110103", "province": "北京市", "city": None, "county": "崇文区"}


@pytest.mark.parametrize(
    ("code", "born", "county", "city"),
    [
        ("130502", date(1990, 5, 1), "桥东区", "邢台市"),  # before the 2020 rename
        ("130502", date(2021, 5, 1), "襄都区", "邢台市"),  # after it
        ("410307", date(2004, 1, 1), "洛龙区", "洛阳市"),  # the code's first life
        ("410307", date(2022, 1, 1), "偃师区", "洛阳市"),  # reused in 2021
        ("342101", date(1985, 1, 1), "阜阳市", "阜阳地区"),  # parent named as of its era
        ("330113", date(2022, 3, 1), "临平区", "杭州市"),  # created 2021
    ],
)
def test_region_names_are_those_of_the_holders_era(code: str, born: date, county: str, city: str) -> None:
    result = check(make_id(code, born, 10))
    assert result["valid"] is True
    region = result["region"]
    assert isinstance(region, dict)
    assert (region["county"], region["city"]) == (county, city)


# --- the check character ------------------------------------------------------------------------


def test_check_character_matches_the_standard_weights_and_table() -> None:
    assert check_character("11010519491231002") == "X"
    assert check_character("44052418800101001") == "4"
    with pytest.raises(ValueError, match="17 digits"):
        check_character("1234")


@given(valid_resident_ids(), st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_every_single_digit_error_is_caught_by_the_check(
    generated: tuple[str, str, date, int], position: int, delta: int
) -> None:
    number = generated[0]
    wrong = str((int(number[position]) + delta) % 10)
    typo = number[:position] + wrong + number[position + 1 :]
    assert not has_valid_check_character(typo)
    assert check(typo)["reason"] == "invalid_check_digit"


@given(valid_resident_ids(), st.integers(min_value=0, max_value=15))
def test_every_adjacent_transposition_is_caught(generated: tuple[str, str, date, int], position: int) -> None:
    number = generated[0]
    if number[position] == number[position + 1]:
        return
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
    assert not has_valid_check_character(swapped)


# --- generated valid numbers --------------------------------------------------------------------


@given(valid_resident_ids())
def test_generated_numbers_are_valid_and_decode_to_what_built_them(
    generated: tuple[str, str, date, int],
) -> None:
    number, code, born, seq = generated
    result = check_document(number, today=TODAY)
    assert result.valid, result.reason
    assert result.doc_type is DocumentType.RESIDENT_ID
    assert result.resident is not None
    assert result.resident.region.code == code
    assert result.resident.region.county
    assert result.resident.birth_date == born
    assert result.resident.sex == ("M" if seq % 2 else "F")
    assert result.resident.age == age_on(born, TODAY)
    assert result.reason is None


@given(valid_resident_ids())
def test_temporary_resident_id_uses_the_same_number(generated: tuple[str, str, date, int]) -> None:
    result = check_document(generated[0], DocumentType.TEMPORARY_RESIDENT_ID, today=TODAY)
    assert result.valid
    assert result.doc_type is DocumentType.TEMPORARY_RESIDENT_ID


@given(valid_resident_ids())
def test_full_width_spaces_dashes_and_lowercase_x_are_normalised(
    generated: tuple[str, str, date, int],
) -> None:
    number = generated[0]
    messy = number[:6] + " " + number[6:14] + "-" + number[14:].lower()
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in messy.replace(" ", "").replace("-", ""))
    for variant in (messy, full_width, f"  {number}\t"):
        result = check_document(variant, today=TODAY)
        assert result.normalized == number
        assert result.valid


def test_age_counts_completed_years() -> None:
    assert age_on(date(2000, 6, 15), date(2026, 6, 15)) == 26
    assert age_on(date(2000, 6, 16), date(2026, 6, 15)) == 25
    assert age_on(date(2000, 2, 29), date(2026, 2, 28)) == 25


def test_born_today_is_accepted_with_age_zero() -> None:
    result = check(make_id("110105", TODAY, 1))
    assert (result["valid"], result["age"]) == (True, 0)


# --- every invalid class ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("11010519491231002", "invalid_length"),  # 17
        ("11010519491231002X1", "invalid_length"),  # 19
        ("1101051949123100", "invalid_length"),  # 16
        ("11010519491231002A", "invalid_characters"),
        ("1101051949123100XX", "invalid_characters"),
        ("X10105194912310021", "invalid_characters"),
        ("11010519491231002Y", "invalid_characters"),
        ("110105194912310021", "invalid_check_digit"),
        ("11010519491231A02X", "invalid_characters"),
        ("11010549123100A", "invalid_characters"),  # 15 characters, not all digits
    ],
)
def test_malformed_numbers_say_why(number: str, reason: str) -> None:
    result = check_document(number, DocumentType.RESIDENT_ID, today=TODAY)
    assert result.valid is False
    assert result.reason == reason


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("999999", "unknown_region"),
        ("000000", "unknown_region"),
        ("110199", "unknown_region"),
        ("110000", "region_not_county"),  # a province
        ("110100", "region_not_county"),  # a prefecture-level grouping
        ("330100", "region_not_county"),  # 杭州市
        ("810000", "hmt_residence_permit_number"),
    ],
)
def test_address_code_must_be_a_county_level_code_of_some_era(code: str, reason: str) -> None:
    number = make_id(code, date(1990, 1, 1), 11)
    result = check_document(number, DocumentType.RESIDENT_ID, today=TODAY)
    assert (result.valid, result.reason) == (False, reason)


@pytest.mark.parametrize(
    ("birth", "reason"),
    [
        ("19900230", "invalid_birth_date"),
        ("19901301", "invalid_birth_date"),
        ("19900000", "invalid_birth_date"),
        ("20230229", "invalid_birth_date"),  # not a leap year
        ((TODAY + timedelta(days=1)).strftime("%Y%m%d"), "birth_date_in_future"),
        ("20990101", "birth_date_in_future"),
        ("18991231", "birth_date_before_1900"),
        ("18800101", "birth_date_before_1900"),
    ],
)
def test_birth_date_must_be_real_past_and_not_before_1900(birth: str, reason: str) -> None:
    body = f"110105{birth}001"
    result = check(body + check_character(body))
    assert (result["valid"], result["reason"]) == (False, reason)


def test_leap_day_birth_is_real() -> None:
    assert check(make_id("110105", date(2000, 2, 29), 3))["valid"] is True


# --- first-generation numbers ---------------------------------------------------------------------


def test_first_generation_number_is_converted_but_not_accepted() -> None:
    result = check("110105491231002")
    assert result["valid"] is False
    assert result["reason"] == "first_generation_not_accepted"
    assert result["converted"] == "11010519491231002X"
    assert result["normalized"] == "110105491231002"
    assert result["birth_date"] == "1949-12-31"
    assert "2013" in str(result["message"])


@given(county_codes, st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)), sequences)
def test_generated_first_generation_numbers_upgrade_to_the_18_digit_number(
    code: str, born: date, seq: int
) -> None:
    old = make_first_generation(code, born, seq)
    assert upgrade_first_generation(old) == make_id(code, born, seq)
    result = check_document(old, today=TODAY)
    assert result.reason == "first_generation_not_accepted"
    assert result.converted == make_id(code, born, seq)
    assert result.resident is not None
    assert result.resident.first_generation


def test_first_generation_number_with_a_bad_date_reports_the_date() -> None:
    assert check("110105490230002")["reason"] == "invalid_birth_date"
    assert check("999999491231002")["reason"] == "unknown_region"


def test_parse_errors_carry_a_stable_reason() -> None:
    with pytest.raises(IdNumberError) as caught:
        parse_citizen_number("110105194912310021", today=TODAY)
    assert caught.value.reason == "invalid_check_digit"
    with pytest.raises(IdNumberError):
        upgrade_first_generation("11010549123100X")


@given(birth_dates)
def test_parse_needs_no_clock_only_the_today_given(born: date) -> None:
    number = make_id("110105", born, 2)
    before = parse_citizen_number(number, today=born)
    assert before.age == 0
    with pytest.raises(IdNumberError, match="birth_date_in_future"):
        parse_citizen_number(number, today=born - timedelta(days=1))
