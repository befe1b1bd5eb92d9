"""公民身份号码 (GB 11643-1999) and the numbers built on it.

18 characters: a six-digit address code (a county-level GB/T 2260 code, as of the time of issue),
the birth date ``YYYYMMDD``, a three-digit sequence (odd for men, even for women) and a check
character computed with ISO 7064 MOD 11-2 over the first 17 digits.

First-generation numbers (GB 11643-1989) have 15 digits: address code, ``YYMMDD`` (19th century
not possible: the century is 19), sequence, no check character. :func:`upgrade_first_generation`
turns one into its 18-digit form by inserting ``19`` and computing the check character.

The residence permits for Hong Kong, Macao and Taiwan residents (港澳台居民居住证, 2018) use the
same layout and check with the address codes 810000 (HK), 820000 (Macao) and 830000 (Taiwan).
The 2023 Foreign Permanent Resident ID card also uses the MOD 11-2 check (see ``documents.py``).

Functions here raise :class:`IdNumberError` with a stable reason code; ``documents.py`` turns the
code into a bilingual message. ``today`` is always a parameter: the domain never reads the clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from sealpost.domain.identity.regions import DivisionTable, Region, divisions

__all__ = [
    "HMT_PERMIT_CODES",
    "IdNumberError",
    "ResidentNumber",
    "Sex",
    "age_on",
    "check_character",
    "has_valid_check_character",
    "parse_citizen_number",
    "parse_residence_permit_number",
    "upgrade_first_generation",
]

Sex = Literal["M", "F"]

#: ISO 7064 MOD 11-2 weights W_i = 2^(18-i) mod 11 for positions 1..17.
WEIGHTS: Final[tuple[int, ...]] = tuple(pow(2, 17 - i, 11) for i in range(17))
#: Check character for each value of ``sum mod 11``.
CHECK_CHARACTERS: Final = "10X98765432"

#: Address codes of the residence permits for HK, Macao and Taiwan residents.
HMT_PERMIT_CODES: Final[dict[str, str]] = {"810000": "HK", "820000": "MO", "830000": "TW"}

#: Region names the permit codes stand for (830000 is not a GB/T 2260 code: 台湾省 is 710000).
HMT_PERMIT_REGION_NAMES: Final[dict[str, str]] = {
    "810000": "香港特别行政区",
    "820000": "澳门特别行政区",
    "830000": "台湾地区",
}

#: Earliest accepted birth year (older numbers are not plausible holders).
MIN_BIRTH_YEAR: Final = 1900

_EIGHTEEN: Final = re.compile(r"\d{17}[\dX]")
_FIFTEEN: Final = re.compile(r"\d{15}")


class IdNumberError(ValueError):
    """A number that fails a rule; ``reason`` is a stable snake_case code."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ResidentNumber:
    """What an 18-digit resident-ID-layout number says about its holder."""

    number: str  # the 18-character form
    region: Region
    birth_date: date
    sex: Sex
    age: int
    first_generation: bool = False  # given as a 15-digit number and upgraded

    def as_dict(self) -> dict[str, object]:
        return {
            "region": self.region.as_dict(),
            "birth_date": self.birth_date.isoformat(),
            "sex": self.sex,
            "age": self.age,
        }


def check_character(body: str) -> str:
    """MOD 11-2 check character of the first 17 digits."""
    if len(body) != 17 or not body.isascii() or not body.isdigit():
        raise ValueError("the check character is computed over exactly 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(body, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def has_valid_check_character(number: str) -> bool:
    """True for an 18-character number whose last character matches its MOD 11-2 check."""
    return _EIGHTEEN.fullmatch(number) is not None and check_character(number[:17]) == number[17]


def upgrade_first_generation(number: str) -> str:
    """15-digit first-generation number → its 18-digit form (insert ``19``, add the check)."""
    if _FIFTEEN.fullmatch(number) is None:
        raise IdNumberError("invalid_characters")
    body = number[:6] + "19" + number[6:]
    return body + check_character(body)


def age_on(birth: date, today: date) -> int:
    """Completed years between ``birth`` and ``today``."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _birth_date(digits: str, today: date) -> date:
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise IdNumberError("invalid_birth_date") from None
    if born > today:
        raise IdNumberError("birth_date_in_future")
    if born.year < MIN_BIRTH_YEAR:
        raise IdNumberError("birth_date_before_1900")
    return born


def _check_shape(number: str) -> None:
    if len(number) != 18:
        raise IdNumberError("invalid_length")
    if _EIGHTEEN.fullmatch(number) is None:
        raise IdNumberError("invalid_characters")
    if not has_valid_check_character(number):
        raise IdNumberError("invalid_check_digit")


def _describe(number: str, region: Region, born: date, today: date, first_generation: bool) -> ResidentNumber:
    return ResidentNumber(
        number=number,
        region=region,
        birth_date=born,
        sex="M" if int(number[16]) % 2 == 1 else "F",
        age=age_on(born, today),
        first_generation=first_generation,
    )


def parse_citizen_number(number: str, *, today: date, table: DivisionTable | None = None) -> ResidentNumber:
    """Validate a normalised 18- or 15-digit citizen number and say what it encodes.

    A valid 15-digit number comes back with ``first_generation=True`` and its upgraded
    18-digit ``number``; whether such a number is *accepted* is the caller's policy.
    Raises :class:`IdNumberError` with one of ``invalid_length``, ``invalid_characters``,
    ``invalid_check_digit``, ``hmt_residence_permit_number``, ``unknown_region``,
    ``region_not_county``, ``invalid_birth_date``, ``birth_date_in_future``,
    ``birth_date_before_1900``.
    """
    table = table if table is not None else divisions()
    first_generation = len(number) == 15
    if first_generation:
        if _FIFTEEN.fullmatch(number) is None:
            raise IdNumberError("invalid_characters")
        full = upgrade_first_generation(number)
    else:
        _check_shape(number)
        full = number
    code = full[:6]
    if code in HMT_PERMIT_CODES:
        raise IdNumberError("hmt_residence_permit_number")
    if code not in table:
        raise IdNumberError("unknown_region")
    if not table.is_county_level(code):
        raise IdNumberError("region_not_county")
    born = _birth_date(full[6:14], today)
    region = table.region(code, as_of=born.year * 100 + born.month)
    assert region is not None  # the code is in the table
    return _describe(full, region, born, today, first_generation)


def parse_residence_permit_number(
    number: str, *, today: date, table: DivisionTable | None = None
) -> ResidentNumber:
    """Validate a normalised 港澳台居民居住证 number (810000/820000/830000 + birth + seq + check).

    Raises :class:`IdNumberError` (``invalid_length``, ``invalid_characters``,
    ``invalid_check_digit``, ``not_residence_permit_number``, ``invalid_birth_date``,
    ``birth_date_in_future``, ``birth_date_before_1900``).
    """
    table = table if table is not None else divisions()
    _check_shape(number)
    code = number[:6]
    if code not in HMT_PERMIT_CODES:
        raise IdNumberError("not_residence_permit_number")
    born = _birth_date(number[6:14], today)
    # The permits were first issued in 2018-09; the code names the holder's home region.
    region = Region(code, HMT_PERMIT_REGION_NAMES[code], None, None, 201809, table.latest_revision)
    return _describe(number, region, born, today, first_generation=False)
