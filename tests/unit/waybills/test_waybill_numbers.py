"""Waybill number formats, check rules, UPU S10 and the range model."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sealpost.domain.waybill_numbers import (
    BUILTIN_FORMATS,
    CHECK_RULES,
    CheckRule,
    NumberFormat,
    NumberRange,
    RangeExhaustedError,
    compose_number,
    get_check_rule,
    is_iso_country,
    register_check_rule,
    s10_check_digit,
    s10_number,
    validate_number,
    validate_s10,
)

S10 = BUILTIN_FORMATS["upu_s10"]
AWB = BUILTIN_FORMATS["iata_awb"]


# --- UPU S10 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "AA473124829GB",  # the S10 standard's worked example
        "EA123456785CN",
        "RR000000005CN",  # weighted sum 0 → 11 → check 5
        "ea 123 456 785 cn",  # typed with spaces and lower case
        "ＥＡ１２３４５６７８５ＣＮ",  # full-width
    ],
)
def test_valid_s10_numbers(number: str) -> None:
    result = validate_s10(number)
    assert result.ok, result.reason
    assert result.groups["country"] in {"GB", "CN"}


def test_s10_check_digit_special_cases() -> None:
    assert s10_check_digit("00000000") == "5"  # sum 0: 11 - 0 = 11 → 5
    assert s10_check_digit("00060000") == "0"  # sum 12 ≡ 1: 11 - 1 = 10 → 0
    assert s10_check_digit("00000001") == "4"  # sum 7: 11 - 7 = 4
    assert s10_check_digit("47312482") == "9"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("", "waybill_empty"),
        ("EA12345678CN", "waybill_format"),
        ("E1123456785CN", "waybill_format"),
        ("EA123456784CN", "waybill_check_digit"),
        ("EA123456785XX", "waybill_country"),
        ("EA123456785UK", "waybill_country"),  # the UK's ISO code is GB
    ],
)
def test_invalid_s10_numbers(number: str, reason: str) -> None:
    result = validate_s10(number)
    assert not result.ok
    assert result.reason == reason
    assert result.message.zh


@given(
    service=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
    serial=st.integers(0, 99_999_999),
    country=st.sampled_from(["CN", "GB", "US", "HK", "DE", "JP"]),
)
def test_generated_s10_numbers_validate(service: str, serial: int, country: str) -> None:
    number = s10_number(service, serial, country)
    assert len(number) == 13
    assert validate_s10(number).ok


def _s10_residue(serial: str) -> int:
    return sum(int(d) * w for d, w in zip(serial, (8, 6, 4, 2, 3, 5, 9, 7), strict=True)) % 11


@given(serial=st.integers(0, 99_999_999), pos=st.integers(2, 10), delta=st.integers(1, 9))
def test_any_single_digit_change_is_caught_except_the_s10_0_5_collision(
    serial: int, pos: int, delta: int
) -> None:
    """With r = weighted sum mod 11, S10's check is 11 - r with 10 → 0 and 11 → 5. Digit 0 comes
    only from r = 1, but digit 5 comes from both r = 0 and r = 6. A single-digit change always moves
    r (every weight is nonzero mod 11, and 11 is prime), so it is caught unless r moved between 0
    and 6: the standard's one blind spot, which needs check digit 5."""
    number = s10_number("EA", serial, "CN")
    digit = (int(number[pos]) + delta) % 10
    mutated = number[:pos] + str(digit) + number[pos + 1 :]
    if pos == 10:  # the check digit itself changed
        assert not validate_s10(mutated).ok
        return
    old, new = number[2:10], mutated[2:10]
    assert _s10_residue(old) != _s10_residue(new)
    if validate_s10(mutated).ok:
        assert number[10] == "5" and {_s10_residue(old), _s10_residue(new)} == {0, 6}


def test_s10_collision_example_is_real() -> None:
    # 00000004 (r=6 → 5) and 00400004 (r=0 → 11 → 5) share the check digit: S10's known blind spot.
    assert validate_s10("EA000000045CN").ok and validate_s10("EA004000045CN").ok


def test_s10_number_refuses_bad_parts() -> None:
    with pytest.raises(ValueError, match="two letters"):
        s10_number("E1", 1, "CN")
    with pytest.raises(ValueError, match="ISO 3166"):
        s10_number("EA", 1, "ZZ")
    with pytest.raises(ValueError, match="8 digits"):
        s10_number("EA", 100_000_000, "CN")


def test_iso_country_list() -> None:
    assert is_iso_country("CN") and is_iso_country("MO") and is_iso_country("TW")
    assert not is_iso_country("UK") and not is_iso_country("cn") and not is_iso_country("")


# --- other rules and formats -----------------------------------------------------------------


def test_luhn_mod10_mod7_mod11_known_values() -> None:
    assert get_check_rule("luhn").compute("7992739871") == "3"  # the classic Luhn example
    assert get_check_rule("mod10_31").compute("629104150021") == "3"  # EAN-13 6291041500213
    assert get_check_rule("mod7").compute("1234567") == "5"
    assert get_check_rule("mod11").compute("12345678") in set("0123456789")
    assert get_check_rule("none").compute("123") == ""


def test_iata_air_waybill() -> None:
    assert validate_number(AWB, "784-1234 5675").ok
    assert validate_number(AWB, "78412345676").reason == "waybill_check_digit"


def test_company_format_from_config_with_luhn_over_prefix_and_serial() -> None:
    fmt = NumberFormat.from_config(
        {
            "code": "acme",
            "pattern": r"(?P<body>7\d{10})(?P<check>\d)",
            "check_rule": "luhn",
            "name_zh": "某快递",
        }
    )
    number = compose_number(fmt, "7", 123, 10)
    assert number.startswith("70000000123") and len(number) == 12
    assert validate_number(fmt, number).ok
    assert validate_number(fmt, number[:-1] + str((int(number[-1]) + 1) % 10)).reason == "waybill_check_digit"
    assert validate_number(fmt, "812345678901").reason == "waybill_format"


def test_format_without_check_rule() -> None:
    fmt = NumberFormat("sf_like", r"SF\d{13}")
    assert validate_number(fmt, "SF1234567890123").ok
    assert not validate_number(fmt, "SF123").ok
    assert compose_number(fmt, "SF", 42, 13) == "SF0000000000042"


def test_format_with_a_rule_needs_body_and_check_groups() -> None:
    with pytest.raises(ValueError, match="named groups"):
        NumberFormat("bad", r"\d{12}", check_rule="luhn")
    with pytest.raises(ValueError, match="unknown check rule"):
        NumberFormat("bad", r"(?P<body>\d{11})(?P<check>\d)", check_rule="crc32")


def test_pluggable_rule() -> None:
    name = "test_digit_sum_mod10"
    if name not in CHECK_RULES:
        register_check_rule(CheckRule(name, lambda body: str(sum(map(int, body)) % 10)))
    with pytest.raises(ValueError, match="already registered"):
        register_check_rule(CheckRule(name, lambda body: "0"))
    fmt = NumberFormat("carrier_x", r"X(?P<body>\d{6})(?P<check>\d)", check_rule=name)
    assert validate_number(fmt, "X1234561").ok  # 1+2+3+4+5+6 = 21 → 1
    assert validate_number(fmt, "X1234560").reason == "waybill_check_digit"


# --- ranges ----------------------------------------------------------------------------------


def _s10_range(start: int = 1, end: int = 10, next_serial: int | None = None) -> NumberRange:
    return NumberRange(
        range_id="r1",
        company_code="ems_local",
        format=S10,
        prefix="EA",
        serial_width=8,
        start=start,
        end=end,
        next_serial=start if next_serial is None else next_serial,
        suffix="CN",
    )


def test_range_take_advances_and_numbers_validate() -> None:
    r = _s10_range()
    first, r2 = r.take(3)
    assert first == 1 and r2.next_serial == 4 and r2.remaining == 7
    numbers = list(r2.numbers(first, 3))
    assert numbers == [s10_number("EA", n, "CN") for n in (1, 2, 3)]
    assert all(validate_s10(n).ok for n in numbers)


def test_range_exhaustion() -> None:
    r = _s10_range(next_serial=9)
    with pytest.raises(RangeExhaustedError):
        r.take(3)
    _, r2 = r.take(2)
    assert r2.remaining == 0


def test_range_validation() -> None:
    with pytest.raises(ValueError, match="start <= end"):
        _s10_range(start=10, end=5)
    with pytest.raises(ValueError, match="outside"):
        _s10_range(next_serial=12)
    with pytest.raises(ValueError, match="does not accept"):
        NumberRange("r", "c", S10, "E", 8, 1, 10, 1, "CN")  # one-letter prefix does not fit S10
    with pytest.raises(ValueError, match="outside range"):
        _s10_range().number(11)


def test_range_overlap_is_per_company_and_number_space() -> None:
    a = _s10_range(1, 100)
    b = _s10_range(100, 200)
    c = _s10_range(101, 200)
    assert a.overlaps(b) and not a.overlaps(c)
    other_company = NumberRange("r2", "other", S10, "EA", 8, 1, 100, 1, "CN")
    assert not a.overlaps(other_company)
    other_prefix = NumberRange("r3", "ems_local", S10, "EB", 8, 1, 100, 1, "CN")
    assert not a.overlaps(other_prefix)
