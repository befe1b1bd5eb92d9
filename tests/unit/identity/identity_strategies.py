"""Hypothesis strategies and builders for identity-number tests (imported by this folder's tests)."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from sealpost.domain.identity.regions import divisions
from sealpost.domain.identity.resident_id import check_character

#: The fixed "today" of these tests (the domain never reads the clock).
TODAY = date(2026, 6, 15)

COUNTY_CODES = sorted(code for code in divisions() if divisions().is_county_level(code))


def make_id(code: str, born: date, sequence: int) -> str:
    """A resident-ID-layout number with the right MOD 11-2 check character."""
    body = f"{code}{born:%Y%m%d}{sequence:03d}"
    return body + check_character(body)


def make_first_generation(code: str, born: date, sequence: int) -> str:
    return f"{code}{born:%y%m%d}{sequence:03d}"


county_codes = st.sampled_from(COUNTY_CODES)
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)


@st.composite
def valid_resident_ids(draw: st.DrawFn) -> tuple[str, str, date, int]:
    """(number, code, birth date, sequence) of a number that must be accepted."""
    code, born, seq = draw(county_codes), draw(birth_dates), draw(sequences)
    return make_id(code, born, seq), code, born, seq
