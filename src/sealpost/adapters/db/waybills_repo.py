"""Waybill number formats and issuing ranges on SQL (SQLite ≥ 3.35 and PostgreSQL).

Issuing is one atomic statement, ``UPDATE … SET next_serial = next_serial + :n WHERE range_id = :id
AND next_serial + :n <= end_serial + 1 RETURNING next_serial``: PostgreSQL locks the row and
re-checks the condition against the committed value for a waiting writer; SQLite runs writers
one at a time. Either way two issuers never see the same ``next_serial``. The issue-log row is
written in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Engine

from sealpost.adapters.db.tables.waybills import waybill_formats, waybill_number_issues, waybill_number_ranges
from sealpost.domain.waybill_numbers import (
    NumberFormat,
    NumberRange,
    RangeExhaustedError,
    RangeNotFoundError,
    RangeOverlapError,
)
from sealpost.i18n import Text

__all__ = ["SqlWaybillNumbers"]

R = waybill_number_ranges


class SqlWaybillNumbers:
    """The :class:`sealpost.ports.waybill_numbers.WaybillNumberStore` on an SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- formats --

    def put_format(self, company: str, fmt: NumberFormat, at: datetime) -> None:
        name = fmt.name or Text(fmt.code, fmt.code)
        values = {
            "format_code": fmt.code,
            "pattern": fmt.pattern,
            "check_rule": fmt.check_rule,
            "country_group": fmt.country_group,
            "name_zh": name.zh,
            "name_en": name.en,
            "updated_at": at,
        }
        with self._engine.begin() as conn:
            updated = conn.execute(
                waybill_formats.update().where(waybill_formats.c.company == company).values(**values)
            ).rowcount
            if not updated:
                conn.execute(waybill_formats.insert().values(company=company, **values))

    def get_format(self, company: str) -> NumberFormat | None:
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(waybill_formats).where(waybill_formats.c.company == company)).first()
        return None if row is None else _format(row._mapping)

    def formats_by_company(self) -> dict[str, NumberFormat]:
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(waybill_formats)).all()
        return {row.company: _format(row._mapping) for row in rows}

    # -- ranges --

    def add_range(self, rng: NumberRange, at: datetime) -> None:
        with self._engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Serialise range creation (rare, administrative) so two overlapping ranges
                # created at once cannot both pass the check below.
                conn.execute(sa.text("LOCK TABLE waybill_number_ranges IN SHARE ROW EXCLUSIVE MODE"))
            # Insert first: on SQLite the insert takes the database write lock, which is then held
            # until commit, so the overlap check below sees every committed range.
            conn.execute(R.insert().values(**_range_row(rng), created_at=at))
            overlap = conn.execute(
                sa.select(R.c.range_id)
                .where(
                    R.c.company == rng.company_code,
                    R.c.prefix == rng.prefix,
                    R.c.suffix == rng.suffix,
                    R.c.serial_width == rng.serial_width,
                    R.c.range_id != rng.range_id,
                    R.c.start_serial <= rng.end,
                    R.c.end_serial >= rng.start,
                )
                .limit(1)
            ).first()
            if overlap is not None:
                raise RangeOverlapError(f"range overlaps range {overlap.range_id}")

    def get_range(self, range_id: str) -> NumberRange | None:
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(R).where(R.c.range_id == range_id)).first()
        return None if row is None else _range(row._mapping)

    def ranges_for_company(self, company: str) -> list[NumberRange]:
        query = sa.select(R).where(R.c.company == company).order_by(R.c.prefix, R.c.start_serial)
        with self._engine.connect() as conn:
            return [_range(row._mapping) for row in conn.execute(query)]

    def reserve(self, range_id: str, count: int, at: datetime, issued_to: str | None = None) -> int:
        if count < 1:
            raise ValueError("count must be at least 1")
        with self._engine.begin() as conn:
            new_next = conn.execute(
                R.update()
                .where(R.c.range_id == range_id, R.c.next_serial + count <= R.c.end_serial + 1)
                .values(next_serial=R.c.next_serial + count)
                .returning(R.c.next_serial)
            ).scalar_one_or_none()
            if new_next is None:
                row = conn.execute(
                    sa.select(R.c.next_serial, R.c.end_serial).where(R.c.range_id == range_id)
                ).first()
                if row is None:
                    raise RangeNotFoundError(range_id)
                raise RangeExhaustedError(
                    f"range {range_id} has {row.end_serial + 1 - row.next_serial} serials left, {count} asked"
                )
            first = int(new_next) - count
            conn.execute(
                waybill_number_issues.insert().values(
                    range_id=range_id, first_serial=first, count=count, issued_at=at, issued_to=issued_to
                )
            )
            return first


def _format(row: sa.RowMapping) -> NumberFormat:
    return NumberFormat(
        code=row["format_code"],
        pattern=row["pattern"],
        check_rule=row["check_rule"],
        name=Text(row["name_zh"], row["name_en"]),
        country_group=row["country_group"],
    )


def _range_row(rng: NumberRange) -> dict[str, object]:
    return {
        "range_id": rng.range_id,
        "company": rng.company_code,
        "format_code": rng.format.code,
        "pattern": rng.format.pattern,
        "check_rule": rng.format.check_rule,
        "country_group": rng.format.country_group,
        "prefix": rng.prefix,
        "suffix": rng.suffix,
        "serial_width": rng.serial_width,
        "start_serial": rng.start,
        "end_serial": rng.end,
        "next_serial": rng.next_serial,
    }


def _range(row: sa.RowMapping) -> NumberRange:
    fmt = NumberFormat(
        code=row["format_code"],
        pattern=row["pattern"],
        check_rule=row["check_rule"],
        country_group=row["country_group"],
    )
    return NumberRange(
        range_id=row["range_id"],
        company_code=row["company"],
        format=fmt,
        prefix=row["prefix"],
        serial_width=int(row["serial_width"]),
        start=int(row["start_serial"]),
        end=int(row["end_serial"]),
        next_serial=int(row["next_serial"]),
        suffix=row["suffix"],
    )
