"""GB/T 2260 administrative division codes, including abolished ones, with names of their era.

A resident ID number keeps the address code of the place and time it was issued, so a code that
was abolished since (110103 崇文区, merged into 东城区 in 2010) is still a valid address code. The
table therefore holds every code seen in any revision since 1980, each with the span of revisions
(``first_seen``..``last_seen``, as ``YYYYMM`` integers) in which it appeared under its name.

A code can have several spans when it was reused for a different place or renamed
(130502 桥东区 1983–2019, 襄都区 since 2020). :meth:`DivisionTable.region` names a code's
province, prefecture and county *as of its era*: the county span that contains the ``as_of``
month (or the nearest one), and the parent spans that existed at a month inside that county span.

The data ship inside the package (``sealpost/data/gb2260/divisions.tsv``; its README says where
they come from) and are read once with :mod:`importlib.resources`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Final, Literal

__all__ = [
    "Division",
    "DivisionTable",
    "Region",
    "division_level",
    "divisions",
]

Level = Literal["province", "prefecture", "county"]

#: Names the tables use for grouping rows that are not a real prefecture ("县", "市辖区", …).
PLACEHOLDER_PREFECTURES: Final[frozenset[str]] = frozenset(
    {
        "市辖区",
        "县",
        "省直辖县级行政区划",
        "自治区直辖县级行政区划",
        "省直辖行政单位",
        "省直辖县级行政单位",
        "自治区直辖县级行政单位",
    }
)

_DATA_PATH: Final = ("data", "gb2260", "divisions.tsv")


def division_level(code: str) -> Level:
    """Level a six-digit code names by its shape: ``xx0000`` province, ``xxxx00`` prefecture."""
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def _month_index(yyyymm: int) -> int:
    return (yyyymm // 100) * 12 + (yyyymm % 100) - 1


@dataclass(frozen=True, slots=True)
class Division:
    """One code under one name, seen in revisions ``first_seen``..``last_seen`` (YYYYMM)."""

    code: str
    name: str
    first_seen: int
    last_seen: int
    other_names: tuple[str, ...] = ()

    def contains(self, yyyymm: int) -> bool:
        return self.first_seen <= yyyymm <= self.last_seen

    def distance(self, yyyymm: int) -> int:
        """Months between ``yyyymm`` and this span (0 inside it)."""
        if self.contains(yyyymm):
            return 0
        if yyyymm < self.first_seen:
            return _month_index(self.first_seen) - _month_index(yyyymm)
        return _month_index(yyyymm) - _month_index(self.last_seen)


@dataclass(frozen=True, slots=True)
class Region:
    """A code with its province, prefecture (``city``) and county names as of one era."""

    code: str
    province: str | None
    city: str | None
    county: str | None
    first_seen: int
    last_seen: int

    @property
    def full_name(self) -> str:
        return "".join(part for part in (self.province, self.city, self.county) if part)

    def as_dict(self) -> dict[str, str | None]:
        return {
            "code": self.code,
            "province": self.province,
            "city": self.city,
            "county": self.county,
        }


class DivisionTable:
    """Every GB/T 2260 code ever published, looked up by code."""

    def __init__(self, divisions: Iterable[Division]) -> None:
        spans: dict[str, list[Division]] = {}
        for division in divisions:
            if len(division.code) != 6 or not division.code.isdigit():
                raise ValueError(f"not a six-digit division code: {division.code!r}")
            spans.setdefault(division.code, []).append(division)
        self._spans: Mapping[str, tuple[Division, ...]] = {
            code: tuple(sorted(items, key=lambda d: (d.first_seen, d.last_seen)))
            for code, items in spans.items()
        }
        self.latest_revision: int = max(
            (d.last_seen for items in self._spans.values() for d in items), default=0
        )

    @classmethod
    def from_tsv(cls, text: str) -> DivisionTable:
        """Parse the ``code name first_seen last_seen other_names`` TSV (with a header line)."""
        lines = text.splitlines()
        if not lines or lines[0].split("\t")[:4] != ["code", "name", "first_seen", "last_seen"]:
            raise ValueError("division table must start with a code/name/first_seen/last_seen header")
        rows: list[Division] = []
        for number, line in enumerate(lines[1:], start=2):
            if not line.strip():
                continue
            fields = line.split("\t")
            if len(fields) < 4:
                raise ValueError(f"line {number}: expected at least 4 tab-separated fields")
            other = tuple(n for n in (fields[4].split("|") if len(fields) > 4 else []) if n)
            rows.append(Division(fields[0], fields[1], int(fields[2]), int(fields[3]), other))
        return cls(rows)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._spans

    def __len__(self) -> int:
        return len(self._spans)

    def __iter__(self) -> Iterator[str]:
        return iter(self._spans)

    def spans(self, code: str) -> tuple[Division, ...]:
        """Every (name, span) a code had, oldest first; empty when the code never existed."""
        return self._spans.get(code, ())

    def is_county_level(self, code: str) -> bool:
        """True when ``code`` exists (or existed) and names a county-level division."""
        return code in self._spans and division_level(code) == "county"

    def division(self, code: str, as_of: int | None = None) -> Division | None:
        """The span of ``code`` in force at ``as_of`` (YYYYMM), or the nearest; latest if no date."""
        spans = self._spans.get(code)
        if not spans:
            return None
        if as_of is None:
            return max(spans, key=lambda d: (d.last_seen, d.first_seen))
        # The span containing as_of, else the nearest one; on a tie the later span wins.
        return min(spans, key=lambda d: (d.distance(as_of), -d.first_seen))

    def name(self, code: str, as_of: int | None = None) -> str | None:
        division = self.division(code, as_of)
        return division.name if division else None

    def region(self, code: str, as_of: int | None = None) -> Region | None:
        """Province/prefecture/county names for ``code`` as of its era; ``None`` if unknown."""
        own = self.division(code, as_of)
        if own is None:
            return None
        point = as_of if as_of is not None else own.last_seen
        point = min(max(point, own.first_seen), own.last_seen)  # a month the code existed
        level = division_level(code)
        province_code, prefecture_code = code[:2] + "0000", code[:4] + "00"
        province = own.name if level == "province" else self.name(province_code, point)
        city: str | None = None
        if level == "prefecture":
            city = own.name
        elif level == "county":
            city = self.name(prefecture_code, point)
        if city in PLACEHOLDER_PREFECTURES:
            city = None
        return Region(
            code=code,
            province=province,
            city=city,
            county=own.name if level == "county" else None,
            first_seen=own.first_seen,
            last_seen=own.last_seen,
        )


@functools.cache
def divisions() -> DivisionTable:
    """The table shipped with the package (read once per process)."""
    text = resources.files("sealpost").joinpath(*_DATA_PATH).read_text(encoding="utf-8")
    return DivisionTable.from_tsv(text)
