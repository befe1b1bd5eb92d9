"""Couriers on SQL (SQLite or PostgreSQL)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from sealpost.adapters.db.tables.couriers import couriers
from sealpost.errors import ConflictError
from sealpost.i18n import Text
from sealpost.ports.couriers import CourierStatus, StoredCourier

_FIELDS = [f.name for f in dataclasses.fields(StoredCourier)]


class SqlCourierRepository:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, courier: StoredCourier) -> None:
        try:
            with self._engine.begin() as conn:
                conn.execute(couriers.insert().values(**dataclasses.asdict(courier)))
        except IntegrityError:
            raise ConflictError(
                "courier_exists",
                Text("该公司已登记此工号的快递员", "this company already registered that employee number"),
            ) from None

    def get(self, courier_id: str) -> StoredCourier | None:
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(couriers).where(couriers.c.courier_id == courier_id)).first()
        return None if row is None else StoredCourier(**{k: row._mapping[k] for k in _FIELDS})

    def revoke(self, courier_id: str, at: datetime) -> bool:
        with self._engine.begin() as conn:
            result = conn.execute(
                couriers.update()
                .where(couriers.c.courier_id == courier_id)
                .values(status="revoked", revoked_at=sa.func.coalesce(couriers.c.revoked_at, at))
            )
        return result.rowcount > 0

    def status(self, courier_id: str) -> CourierStatus | None:
        with self._engine.connect() as conn:
            value = conn.execute(
                sa.select(couriers.c.status).where(couriers.c.courier_id == courier_id)
            ).scalar_one_or_none()
        return None if value is None else ("revoked" if value == "revoked" else "active")

    def list_company(self, company: str) -> list[StoredCourier]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(couriers).where(couriers.c.company == company).order_by(couriers.c.employee_no)
            ).all()
        return [StoredCourier(**{k: r._mapping[k] for k in _FIELDS}) for r in rows]
