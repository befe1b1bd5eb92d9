"""The issuing use cases on an in-memory store (the SQL store is tested in tests/integration)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from sealpost.domain.waybill_numbers import (
    NumberFormat,
    NumberRange,
    RangeNotFoundError,
    RangeOverlapError,
    s10_number,
    validate_number,
    validate_s10,
)
from sealpost.errors import SealpostError
from sealpost.ports.clock import FixedClock
from sealpost.ports.waybill_numbers import WaybillNumberStore
from sealpost.services.issue_waybill_numbers import (
    MAX_ISSUE,
    allocate_range,
    company_format,
    configure_format,
    issue_numbers,
)


class MemoryStore:
    """A fake store with the port's atomicity (one lock)."""

    def __init__(self) -> None:
        self.formats: dict[str, NumberFormat] = {}
        self.ranges: dict[str, NumberRange] = {}
        self.issues: list[tuple[str, int, int, str | None]] = []
        self._lock = threading.Lock()

    def put_format(self, company: str, fmt: NumberFormat, at: datetime) -> None:
        self.formats[company] = fmt

    def get_format(self, company: str) -> NumberFormat | None:
        return self.formats.get(company)

    def formats_by_company(self) -> dict[str, NumberFormat]:
        return dict(self.formats)

    def add_range(self, rng: NumberRange, at: datetime) -> None:
        with self._lock:
            if any(rng.overlaps(r) for r in self.ranges.values()):
                raise RangeOverlapError(rng.range_id)
            self.ranges[rng.range_id] = rng

    def get_range(self, range_id: str) -> NumberRange | None:
        return self.ranges.get(range_id)

    def ranges_for_company(self, company: str) -> list[NumberRange]:
        return sorted(
            (r for r in self.ranges.values() if r.company_code == company), key=lambda r: (r.prefix, r.start)
        )

    def reserve(self, range_id: str, count: int, at: datetime, issued_to: str | None = None) -> int:
        with self._lock:
            rng = self.ranges.get(range_id)
            if rng is None:
                raise RangeNotFoundError(range_id)
            first, self.ranges[range_id] = rng.take(count)
            self.issues.append((range_id, first, count, issued_to))
            return first


CLOCK = FixedClock(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


def test_memory_store_satisfies_the_port(store: MemoryStore) -> None:
    port: WaybillNumberStore = store
    assert port.formats_by_company() == {}


def test_s10_range_issues_valid_consecutive_numbers(store: MemoryStore) -> None:
    rng = allocate_range(
        store,
        CLOCK,
        company="EMS",
        format_code="upu_s10",
        prefix="EA",
        suffix="CN",
        serial_width=8,
        start=1,
        end=100,
    )
    issued = issue_numbers(store, CLOCK, company="EMS", count=3, issued_to="outlet-1")
    assert issued.range_id == rng.range_id and issued.first_serial == 1
    assert issued.numbers == tuple(s10_number("EA", n, "CN") for n in (1, 2, 3))
    assert all(validate_s10(n).ok for n in issued.numbers)
    again = issue_numbers(store, CLOCK, company="EMS", count=2)
    assert again.first_serial == 4
    assert store.issues[0] == (rng.range_id, 1, 3, "outlet-1")


def test_configured_company_format(store: MemoryStore) -> None:
    fmt = configure_format(
        store,
        CLOCK,
        "XK",
        {"code": "xk12", "pattern": r"(?P<body>9\d{10})(?P<check>\d)", "check_rule": "luhn"},
    )
    assert company_format(store, "XK") == fmt
    allocate_range(store, CLOCK, company="XK", prefix="9", serial_width=10, start=0, end=999)
    issued = issue_numbers(store, CLOCK, company="XK", count=5)
    assert all(validate_number(fmt, n).ok for n in issued.numbers)
    assert [n[:11] for n in issued.numbers] == [f"9{k:010d}" for k in range(5)]


@pytest.mark.parametrize(
    "config",
    [
        {"pattern": r"\d{12}"},  # no code
        {"code": "x", "pattern": r"(\d{12}"},  # bad regex
        {"code": "x", "pattern": r"\d{12}", "check_rule": "luhn"},  # no body/check groups
        {"code": "x", "pattern": r"(?P<body>\d{11})(?P<check>\d)", "check_rule": "nope"},
    ],
)
def test_bad_format_configs_are_refused(store: MemoryStore, config: dict[str, str]) -> None:
    with pytest.raises(SealpostError) as err:
        configure_format(store, CLOCK, "XK", config)
    assert err.value.code == "waybill_format_invalid" and err.value.status == 400


def test_unknown_format_and_bad_company(store: MemoryStore) -> None:
    with pytest.raises(SealpostError) as err:
        allocate_range(store, CLOCK, company="NOFMT", prefix="", serial_width=10, start=0, end=9)
    assert err.value.code == "waybill_format_unknown" and err.value.status == 404
    with pytest.raises(SealpostError) as err:
        allocate_range(store, CLOCK, company="bad company!", prefix="", serial_width=10, start=0, end=9)
    assert err.value.code == "waybill_company_invalid"


def test_range_errors(store: MemoryStore) -> None:
    common = {"company": "EMS", "format_code": "upu_s10", "prefix": "EA", "suffix": "CN", "serial_width": 8}
    allocate_range(store, CLOCK, start=1, end=100, **common)  # type: ignore[arg-type]
    with pytest.raises(SealpostError) as err:
        allocate_range(store, CLOCK, start=50, end=150, **common)  # type: ignore[arg-type]
    assert err.value.code == "waybill_range_overlap" and err.value.status == 409
    with pytest.raises(SealpostError) as err:
        allocate_range(store, CLOCK, start=200, end=100, **common)  # type: ignore[arg-type]
    assert err.value.code == "waybill_range_invalid"
    with pytest.raises(SealpostError) as err:
        allocate_range(store, CLOCK, start=1, end=10**8, **common)  # type: ignore[arg-type]
    assert err.value.code == "waybill_range_invalid"
    # another company, or another prefix, may use the same serials
    allocate_range(store, CLOCK, start=1, end=100, **{**common, "prefix": "EB"})  # type: ignore[arg-type]
    allocate_range(store, CLOCK, start=1, end=100, **{**common, "company": "EMS2"})  # type: ignore[arg-type]


def test_issue_moves_to_the_next_range_and_then_runs_out(store: MemoryStore) -> None:
    common = {"company": "EMS", "format_code": "upu_s10", "prefix": "EA", "suffix": "CN", "serial_width": 8}
    first = allocate_range(store, CLOCK, start=1, end=5, **common)  # type: ignore[arg-type]
    second = allocate_range(store, CLOCK, start=100, end=109, **common)  # type: ignore[arg-type]
    assert issue_numbers(store, CLOCK, company="EMS", count=4).range_id == first.range_id
    # only 1 left in the first range: 3 numbers come from the second, never split across ranges
    assert issue_numbers(store, CLOCK, company="EMS", count=3).range_id == second.range_id
    assert issue_numbers(store, CLOCK, company="EMS", count=1, range_id=first.range_id).first_serial == 5
    with pytest.raises(SealpostError) as err:
        issue_numbers(store, CLOCK, company="EMS", count=8)
    assert err.value.code == "waybill_range_exhausted" and err.value.status == 409


def test_issue_argument_errors(store: MemoryStore) -> None:
    for count in (0, MAX_ISSUE + 1):
        with pytest.raises(SealpostError) as err:
            issue_numbers(store, CLOCK, company="EMS", count=count)
        assert err.value.code == "waybill_count_invalid"
    with pytest.raises(SealpostError) as err:
        issue_numbers(store, CLOCK, company="EMS", count=1, range_id="missing")
    assert err.value.code == "waybill_range_not_found"


def test_a_raced_range_is_skipped(store: MemoryStore) -> None:
    """``ranges_for_company`` may be stale: a range another issuer emptied is skipped."""
    common = {"company": "EMS", "format_code": "upu_s10", "prefix": "EA", "suffix": "CN", "serial_width": 8}
    a = allocate_range(store, CLOCK, start=1, end=5, **common)  # type: ignore[arg-type]
    b = allocate_range(store, CLOCK, start=10, end=20, **common)  # type: ignore[arg-type]
    stale = [store.ranges[a.range_id], store.ranges[b.range_id]]
    store.reserve(a.range_id, 5, CLOCK.now())  # someone else empties range a
    real = store.ranges_for_company
    store.ranges_for_company = lambda company: stale  # type: ignore[method-assign]
    try:
        assert issue_numbers(store, CLOCK, company="EMS", count=2).range_id == b.range_id
    finally:
        store.ranges_for_company = real  # type: ignore[method-assign]


def test_concurrent_issuers_never_share_a_number(store: MemoryStore) -> None:
    allocate_range(
        store,
        CLOCK,
        company="EMS",
        format_code="upu_s10",
        prefix="EA",
        suffix="CN",
        serial_width=8,
        start=0,
        end=10**6,
    )
    results: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        for k in range(50):
            nums = issue_numbers(store, CLOCK, company="EMS", count=1 + k % 3).numbers
            with lock:
                results.extend(nums)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == len(set(results)) == 8 * sum(1 + k % 3 for k in range(50))
