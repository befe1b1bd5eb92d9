"""Waybill number issuance on SQLite and PostgreSQL: never twice, even under concurrent issuers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from sealpost.adapters.db.engine import make_engine
from sealpost.adapters.db.tables.waybills import waybill_number_issues, waybill_number_ranges
from sealpost.adapters.db.waybills_repo import SqlWaybillNumbers
from sealpost.domain.waybill_numbers import (
    RangeExhaustedError,
    RangeNotFoundError,
    s10_number,
    validate_number,
    validate_s10,
)
from sealpost.errors import SealpostError
from sealpost.ports.clock import FixedClock
from sealpost.services.issue_waybill_numbers import (
    allocate_range,
    company_format,
    configure_format,
    issue_numbers,
)

CLOCK = FixedClock(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
S10 = {"company": "EMS", "format_code": "upu_s10", "prefix": "EA", "suffix": "CN", "serial_width": 8}


def test_formats_round_trip(engine: Engine) -> None:
    store = SqlWaybillNumbers(engine)
    assert store.get_format("XK") is None
    config = {
        "code": "xk12",
        "pattern": r"(?P<body>9\d{10})(?P<check>\d)",
        "check_rule": "luhn",
        "name_zh": "小快",
    }
    fmt = configure_format(store, CLOCK, "XK", config)
    assert store.get_format("XK") == fmt
    configure_format(store, CLOCK, "XK", {**config, "check_rule": "mod10_31"})  # replaced, not duplicated
    stored = store.get_format("XK")
    assert stored is not None and stored.check_rule == "mod10_31" and stored.name is not None
    assert stored.name.zh == "小快"
    assert set(store.formats_by_company()) == {"XK"}
    assert company_format(store, "XK").code == "xk12"


def test_allocate_issue_and_exhaust(engine: Engine) -> None:
    store = SqlWaybillNumbers(engine)
    rng = allocate_range(store, CLOCK, start=1, end=10, **S10)  # type: ignore[arg-type]
    issued = issue_numbers(store, CLOCK, company="EMS", count=4, issued_to="outlet-7")
    assert issued.numbers == tuple(s10_number("EA", n, "CN") for n in range(1, 5))
    stored = store.get_range(rng.range_id)
    assert stored is not None and stored.next_serial == 5 and stored.remaining == 6
    assert store.reserve(rng.range_id, 6, CLOCK.now()) == 5
    with pytest.raises(RangeExhaustedError):
        store.reserve(rng.range_id, 1, CLOCK.now())
    with pytest.raises(RangeNotFoundError):
        store.reserve("missing", 1, CLOCK.now())
    with pytest.raises(SealpostError) as err:
        issue_numbers(store, CLOCK, company="EMS", count=1)
    assert err.value.code == "waybill_range_exhausted"
    with engine.connect() as conn:
        rows = conn.execute(sa.select(waybill_number_issues).order_by(waybill_number_issues.c.id)).all()
    assert [(r.first_serial, r._mapping["count"], r.issued_to) for r in rows] == [
        (1, 4, "outlet-7"),
        (5, 6, None),
    ]
    assert rows[0].issued_at == CLOCK.now()


def test_overlap_is_refused_and_leaves_nothing_behind(engine: Engine) -> None:
    store = SqlWaybillNumbers(engine)
    allocate_range(store, CLOCK, start=100, end=199, **S10)  # type: ignore[arg-type]
    for start, end in [(150, 250), (0, 100), (199, 199), (0, 1000)]:
        with pytest.raises(SealpostError) as err:
            allocate_range(store, CLOCK, start=start, end=end, **S10)  # type: ignore[arg-type]
        assert err.value.code == "waybill_range_overlap"
    allocate_range(store, CLOCK, start=200, end=299, **S10)  # type: ignore[arg-type]
    allocate_range(store, CLOCK, start=100, end=199, **{**S10, "prefix": "EB"})  # type: ignore[arg-type]
    assert [(r.prefix, r.start) for r in store.ranges_for_company("EMS")] == [
        ("EA", 100),
        ("EA", 200),
        ("EB", 100),
    ]


def test_the_database_refuses_a_counter_past_the_end(engine: Engine) -> None:
    store = SqlWaybillNumbers(engine)
    rng = allocate_range(store, CLOCK, start=1, end=3, **S10)  # type: ignore[arg-type]
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(
            waybill_number_ranges.update()
            .where(waybill_number_ranges.c.range_id == rng.range_id)
            .values(next_serial=10)
        )


def test_concurrent_issuers_never_get_the_same_number(db_url: str) -> None:
    """8 threads, each with its own connection from the pool, issue 40 times 1–3 numbers."""
    engine = make_engine(db_url)
    try:
        store = SqlWaybillNumbers(engine)
        allocate_range(store, CLOCK, start=0, end=99_999, **S10)  # type: ignore[arg-type]
        results: list[list[str]] = []
        errors: list[BaseException] = []
        barrier = threading.Barrier(8)

        def worker(w: int) -> None:
            mine: list[str] = []
            try:
                barrier.wait()
                for k in range(40):
                    mine.extend(issue_numbers(store, CLOCK, company="EMS", count=1 + (w + k) % 3).numbers)
            except BaseException as exc:  # surfaced below
                errors.append(exc)
            results.append(mine)

        threads = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert errors == []
        numbers = [n for mine in results for n in mine]
        expected = sum(1 + (w + k) % 3 for w in range(8) for k in range(40))
        assert len(numbers) == expected
        assert len(set(numbers)) == expected, "a number was issued twice"
        assert all(validate_s10(n).ok for n in numbers)
        # the counter moved by exactly what was handed out, and the issue log adds up
        with engine.connect() as conn:
            next_serial = conn.execute(sa.select(waybill_number_ranges.c.next_serial)).scalar_one()
            logged = conn.execute(sa.select(sa.func.sum(waybill_number_issues.c.count))).scalar_one()
        assert next_serial == expected and logged == expected
        # serials are a gap-free block: 0 … expected-1
        assert sorted(int(n[2:10]) for n in numbers) == list(range(expected))
    finally:
        engine.dispose()


def test_concurrent_range_creation_admits_one_of_two_overlapping(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        store = SqlWaybillNumbers(engine)
        outcomes: list[str] = []
        barrier = threading.Barrier(2)

        def create(start: int) -> None:
            barrier.wait()
            try:
                allocate_range(store, CLOCK, start=start, end=start + 500, **S10)  # type: ignore[arg-type]
                outcomes.append("ok")
            except SealpostError as exc:
                outcomes.append(exc.code)

        threads = [threading.Thread(target=create, args=(s,)) for s in (0, 250)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert sorted(outcomes) == ["ok", "waybill_range_overlap"]
        assert len(store.ranges_for_company("EMS")) == 1
    finally:
        engine.dispose()


def test_company_format_numbers_validate(engine: Engine) -> None:
    store = SqlWaybillNumbers(engine)
    fmt = configure_format(
        store,
        CLOCK,
        "AWB",
        {"code": "iata", "pattern": r"(?P<airline>\d{3})(?P<body>\d{7})(?P<check>\d)", "check_rule": "mod7"},
    )
    allocate_range(store, CLOCK, company="AWB", prefix="784", serial_width=7, start=1_000_000, end=1_000_099)
    issued = issue_numbers(store, CLOCK, company="AWB", count=20)
    assert all(validate_number(fmt, n).ok for n in issued.numbers)
    assert issued.numbers[0] == "7841000000" + str(1_000_000 % 7)


def test_migration_matches_the_table_definitions(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from sealpost.adapters.db.tables.waybills import waybill_formats

    mine = sa.MetaData(naming_convention=waybill_formats.metadata.naming_convention)
    for table in (waybill_formats, waybill_number_ranges, waybill_number_issues):
        table.to_metadata(mine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, mine)
    mine_names = set(mine.tables)
    relevant = [d for d in diff if not (d[0] == "remove_table" and d[1].name not in mine_names)]
    relevant = [d for d in relevant if not (d[0] == "remove_index" and d[1].table.name not in mine_names)]
    assert relevant == []
