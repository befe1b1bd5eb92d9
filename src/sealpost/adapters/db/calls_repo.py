"""Pools, bindings, the routing table and call records on SQL (SQLite and PostgreSQL).

Allocation runs in one transaction per attempt:

1. read the city's candidates (live pairs and conflicts per X, or live extensions per host) and let
   the domain choose (first fit over numbers in use);
2. lock the chosen number with ``UPDATE calls_pool_numbers SET version = version + 1`` — a row lock
   on PostgreSQL, the database write lock on SQLite — so binds on the same X are serialised;
3. check the choice again under the lock; if a concurrent bind took the room, start over;
4. release expired bindings that stand in the way, insert the binding and its route rows.

The primary key of ``calls_routes`` and the partial unique index on live extensions are the last
line of defence: a violation rolls the attempt back and it is retried.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy import Connection, Engine, RowMapping
from sqlalchemy.exc import IntegrityError, OperationalError

from sealpost.adapters.db.tables.calls import calls_bindings, calls_pool_numbers, calls_records, calls_routes
from sealpost.domain.calls import (
    Binding,
    BindingNotFoundError,
    HostCandidate,
    Model,
    PoolExhaustedError,
    PoolNumber,
    ReleaseReason,
    RouteEntry,
    choose_axn_slot,
    first_fit_axb,
)
from sealpost.errors import SealpostError
from sealpost.i18n import Text
from sealpost.ports.calls import (
    FIELD_PHONE_A,
    FIELD_PHONE_B,
    CallOutcome,
    CallRecord,
    NewBinding,
    PoolStatus,
    SealedCallee,
)

T = TypeVar("T")

_pool = calls_pool_numbers
_bindings = calls_bindings
_routes = calls_routes
_records = calls_records
_CHUNK = 500


def _utc(dt: datetime) -> datetime:
    """Stored form: UTC (SQLite keeps no offset, so every value must be in the same zone)."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime given to storage")
    return dt.astimezone(UTC)


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _must(dt: datetime | None) -> datetime:
    out = _aware(dt)
    assert out is not None
    return out


def _retryable(exc: OperationalError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)
    if code in {"40001", "40P01", "55P03"}:  # serialization failure, deadlock, lock not available
        return True
    text = str(exc.orig).lower()
    return "database is locked" in text or "database is busy" in text


def _route_query() -> sa.CompoundSelect[Any]:
    """X's model and the unreleased route entries a call to X may use, in one indexed statement.

    AXB: the caller's own entry on X (primary key lookup ``(x, '', caller_idx)``); AXN: the entries of
    ``(x, ext)`` (primary key prefix, at most two rows). The pool row alone comes back when nothing
    matches, so "unknown number" and "no binding" are told apart without a second query.
    """
    cols = (
        _pool.c.model,
        _routes.c.binding_id,
        _routes.c.caller_idx,
        _routes.c.callee_field,
        _routes.c.callee_sealed,
        _routes.c.expires_at,
    )
    x = sa.bindparam("x", type_=sa.String)
    ext = sa.bindparam("ext", type_=sa.String)
    caller = sa.bindparam("caller", type_=sa.LargeBinary)
    axb = (
        sa.select(*cols)
        .select_from(
            _pool.outerjoin(
                _routes,
                sa.and_(
                    _routes.c.x == _pool.c.number,
                    _pool.c.model == "axb",
                    _routes.c.ext == "",
                    _routes.c.caller_idx == caller,
                ),
            )
        )
        .where(_pool.c.number == x, _pool.c.enabled.is_(True))
    )
    axn = (
        sa.select(*cols)
        .select_from(_pool.join(_routes, sa.and_(_routes.c.x == _pool.c.number, _routes.c.ext == ext)))
        .where(_pool.c.number == x, _pool.c.enabled.is_(True), _pool.c.model == "axn")
    )
    return sa.union_all(axb, axn)


_ROUTE_QUERY = _route_query()
# Built once: statements on the binding path (construction and cache-key work add up per call).
_INSERT_BINDING = _bindings.insert()
_INSERT_ROUTE = _routes.insert()
_LOCK_NUMBER = (
    _pool.update().where(_pool.c.number == sa.bindparam("lock_number")).values(version=_pool.c.version + 1)
)


class BindContentionError(SealpostError):
    status = 503

    def __init__(self) -> None:
        super().__init__(
            "bind_contention",
            Text("号码分配繁忙，请稍后重试", "too many concurrent bindings for this pool; retry shortly"),
        )


class SqlCallsRepository:
    """:class:`sealpost.ports.calls.CallsRepository` on a SQLAlchemy engine."""

    def __init__(self, engine: Engine, *, max_attempts: int = 20) -> None:
        self._engine = engine
        # PostgreSQL: a lone read in autocommit saves the BEGIN/ROLLBACK round trips of the hot path
        self._reader = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else engine
        )
        self._max_attempts = max_attempts

    # ---------------------------------------------------------------------------------- helpers
    def _retrying(self, work: Callable[[Connection], T | None]) -> T:
        for _ in range(self._max_attempts):
            try:
                with self._engine.begin() as conn:
                    result = work(conn)
            except IntegrityError:
                continue  # a concurrent transaction took the slot first: read again and choose again
            except OperationalError as exc:
                if _retryable(exc):
                    continue
                raise
            if result is not None:
                return result
        raise BindContentionError()

    # ------------------------------------------------------------------------------------- pool
    def add_pool_numbers(self, numbers: Iterable[PoolNumber]) -> int:
        wanted = {n.number: n for n in numbers}
        if not wanted:
            return 0
        now = datetime.now(UTC)
        with self._engine.begin() as conn:
            existing = set(
                conn.scalars(sa.select(_pool.c.number).where(_pool.c.number.in_(list(wanted)))).all()
            )
            rows = [
                {
                    "number": n.number,
                    "city": n.city,
                    "model": n.model,
                    "enabled": n.enabled,
                    "version": 0,
                    "added_at": now,
                }
                for key, n in sorted(wanted.items())
                if key not in existing
            ]
            if rows:
                conn.execute(_pool.insert(), rows)
        return len(rows)

    def set_pool_number_enabled(self, number: str, enabled: bool) -> bool:
        with self._engine.begin() as conn:
            done = conn.execute(_pool.update().where(_pool.c.number == number).values(enabled=enabled))
        return done.rowcount > 0

    def pool_status(self, now: datetime, city: str | None = None) -> list[PoolStatus]:
        live = (
            sa.select(sa.func.count())
            .where(
                _bindings.c.x == _pool.c.number,
                _bindings.c.released_at.is_(None),
                _bindings.c.expires_at > _utc(now),
            )
            .scalar_subquery()
        )
        query = sa.select(_pool.c.number, _pool.c.city, _pool.c.model, _pool.c.enabled, live).order_by(
            _pool.c.city, _pool.c.model, _pool.c.number
        )
        if city is not None:
            query = query.where(_pool.c.city == city)
        with self._engine.connect() as conn:
            return [
                PoolStatus(number=r[0], city=r[1], model=r[2], enabled=bool(r[3]), live_bindings=int(r[4]))
                for r in conn.execute(query)
            ]

    # ------------------------------------------------------------------------------------- bind
    def bind(self, new: NewBinding, *, max_pairs_per_x: int) -> Binding[bytes]:
        if new.a_idx == new.b_idx:
            raise ValueError("A and B must differ")

        def attempt(conn: Connection) -> Binding[bytes] | None:
            if new.model == "axb":
                return self._bind_axb(conn, new, max_pairs_per_x)
            return self._bind_axn(conn, new)

        return self._retrying(attempt)

    def _lock(self, conn: Connection, number: str) -> None:
        conn.execute(_LOCK_NUMBER, {"lock_number": number})

    def _choose_axb(self, conn: Connection, new: NewBinding, max_pairs: int, only: str | None = None) -> str:
        """First fit (domain rule) from cheap per-number probes; live pairs counted only where needed."""
        now = _utc(new.created_at)
        live_on_x = sa.and_(_routes.c.x == _pool.c.number, _routes.c.ext == "", _routes.c.expires_at > now)
        in_use = sa.exists().where(live_on_x)
        conflict = sa.exists().where(live_on_x, _routes.c.caller_idx.in_([new.a_idx, new.b_idx]))
        query = sa.select(_pool.c.number, in_use, conflict).where(
            _pool.c.city == new.city, _pool.c.model == "axb", _pool.c.enabled.is_(True)
        )
        if only is not None:
            query = query.where(_pool.c.number == only)
        rows = [(str(r[0]), bool(r[1]), bool(r[2])) for r in conn.execute(query)]

        def pairs_on(number: str) -> int:
            count = sa.select(sa.func.count()).where(
                _routes.c.x == number, _routes.c.ext == "", _routes.c.expires_at > now
            )
            return int(conn.execute(count).scalar_one()) // 2

        return first_fit_axb(rows, pairs_on, city=new.city, max_pairs=max_pairs)

    def _bind_axb(self, conn: Connection, new: NewBinding, max_pairs: int) -> Binding[bytes] | None:
        x = self._choose_axb(conn, new, max_pairs)
        self._lock(conn, x)
        try:
            self._choose_axb(conn, new, max_pairs, only=x)
        except PoolExhaustedError:
            return None  # taken meanwhile: choose again in a new transaction
        blocking = conn.scalars(
            sa.select(_routes.c.binding_id).where(
                _routes.c.x == x,
                _routes.c.ext == "",
                _routes.c.caller_idx.in_([new.a_idx, new.b_idx]),
                _routes.c.expires_at <= _utc(new.created_at),
            )
        ).all()
        self._release_expired(conn, blocking)
        return self._insert(conn, new, x, None)

    def _bind_axn(self, conn: Connection, new: NewBinding) -> Binding[bytes] | None:
        now = _utc(new.created_at)
        query = (
            sa.select(_pool.c.number, _bindings.c.extension)
            .select_from(
                _pool.outerjoin(
                    _bindings,
                    sa.and_(
                        _bindings.c.x == _pool.c.number,
                        _bindings.c.released_at.is_(None),
                        _bindings.c.expires_at > now,
                    ),
                )
            )
            .where(_pool.c.city == new.city, _pool.c.model == "axn", _pool.c.enabled.is_(True))
        )
        used: dict[str, set[str]] = {}
        for number, ext in conn.execute(query):
            used.setdefault(number, set())
            if ext is not None:
                used[number].add(ext)
        hosts = [HostCandidate(n, frozenset(e)) for n, e in used.items()]
        x, ext = choose_axn_slot(hosts, city=new.city, start=new.ext_start)
        self._lock(conn, x)
        holders = conn.execute(
            sa.select(_bindings.c.id, _bindings.c.expires_at).where(
                _bindings.c.x == x, _bindings.c.extension == ext, _bindings.c.released_at.is_(None)
            )
        ).all()
        if any(_must(exp) > now for _, exp in holders):
            return None
        self._release_expired(conn, [bid for bid, _ in holders])
        return self._insert(conn, new, x, ext)

    def _insert(self, conn: Connection, new: NewBinding, x: str, ext: str | None) -> Binding[bytes]:
        created, expires = _utc(new.created_at), _utc(new.expires_at)
        conn.execute(
            _INSERT_BINDING,
            {
                "id": new.id,
                "model": new.model,
                "x": x,
                "extension": ext,
                "city": new.city,
                "waybill_no": new.waybill_no,
                "a_idx": new.a_idx,
                "b_idx": new.b_idx,
                "created_at": created,
                "expires_at": expires,
                "company": new.company,
            },
        )
        common = {"x": x, "ext": ext or "", "binding_id": new.id, "expires_at": expires}
        conn.execute(
            _INSERT_ROUTE,
            [
                {
                    **common,
                    "caller_idx": new.a_idx,
                    "callee_field": FIELD_PHONE_B,
                    "callee_sealed": new.b_sealed,
                },
                {
                    **common,
                    "caller_idx": new.b_idx,
                    "callee_field": FIELD_PHONE_A,
                    "callee_sealed": new.a_sealed,
                },
            ],
        )
        return Binding(
            id=new.id,
            model=new.model,
            x=x,
            extension=ext,
            a=new.a_idx,
            b=new.b_idx,
            waybill_no=new.waybill_no,
            city=new.city,
            created_at=created,
            expires_at=expires,
            company=new.company,
        )

    def _release_expired(self, conn: Connection, binding_ids: Sequence[str]) -> int:
        """Release bindings that have expired: released at their expiry, sealed numbers deleted."""
        return self._release(conn, binding_ids, _bindings.c.expires_at, "expired")

    def _release(self, conn: Connection, binding_ids: Sequence[str], at: Any, reason: ReleaseReason) -> int:
        ids = sorted(set(binding_ids))
        done = 0
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            conn.execute(_routes.delete().where(_routes.c.binding_id.in_(chunk)))
            result = conn.execute(
                _bindings.update()
                .where(_bindings.c.id.in_(chunk), _bindings.c.released_at.is_(None))
                .values(released_at=at, release_reason=reason)
            )
            done += result.rowcount
        return done

    # ------------------------------------------------------------------------------- bindings
    def get(self, binding_id: str) -> Binding[bytes] | None:
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(_bindings).where(_bindings.c.id == binding_id)).first()
        return None if row is None else _binding(row._mapping)

    def find_live(
        self, *, waybill_no: str, a_idx: bytes, b_idx: bytes, model: Model, now: datetime
    ) -> Binding[bytes] | None:
        query = (
            sa.select(_bindings)
            .where(
                _bindings.c.waybill_no == waybill_no,
                _bindings.c.a_idx == a_idx,
                _bindings.c.b_idx == b_idx,
                _bindings.c.model == model,
                _bindings.c.released_at.is_(None),
                _bindings.c.expires_at > _utc(now),
            )
            .order_by(_bindings.c.created_at.desc())
            .limit(1)
        )
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else _binding(row._mapping)

    def unbind(self, binding_id: str, now: datetime) -> Binding[bytes]:
        def attempt(conn: Connection) -> Binding[bytes] | None:
            row = conn.execute(sa.select(_bindings).where(_bindings.c.id == binding_id)).first()
            if row is None:
                raise BindingNotFoundError(binding_id)
            if row._mapping["released_at"] is None:
                self._release(conn, [binding_id], _utc(now), "unbound")
                row = conn.execute(sa.select(_bindings).where(_bindings.c.id == binding_id)).first()
                assert row is not None
            return _binding(row._mapping)

        return self._retrying(attempt)

    def live_bindings(self, now: datetime, *, limit: int = 1000) -> list[Binding[bytes]]:
        query = (
            sa.select(_bindings)
            .where(_bindings.c.released_at.is_(None), _bindings.c.expires_at > _utc(now))
            .order_by(_bindings.c.created_at, _bindings.c.id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [_binding(r._mapping) for r in conn.execute(query)]

    # -------------------------------------------------------------------------------- routing
    def route_entries(
        self, x: str, ext: str | None, caller_idx: bytes
    ) -> tuple[Model | None, list[RouteEntry[bytes, SealedCallee]]]:
        with self._reader.connect() as conn:
            rows = conn.execute(_ROUTE_QUERY, {"x": x, "ext": ext or "", "caller": caller_idx}).all()
        if not rows:
            return None, []
        model = cast(Model, rows[0][0])
        entries = [
            RouteEntry(r[1], bytes(r[2]), SealedCallee(r[3], bytes(r[4])), _must(r[5]))
            for r in rows
            if r[1] is not None
        ]
        return model, entries

    # --------------------------------------------------------------------------- call records
    def add_call_record(self, record: CallRecord) -> bool:
        row = {
            "id": record.id,
            "call_id": record.call_id,
            "x": record.x,
            "extension": record.extension,
            "caller_idx": record.caller_idx,
            "callee_idx": record.callee_idx,
            "binding_id": record.binding_id,
            "started_at": _utc(record.started_at),
            "answered_at": None if record.answered_at is None else _utc(record.answered_at),
            "ended_at": _utc(record.ended_at),
            "duration_s": record.duration_s,
            "outcome": record.outcome,
            "reject_reason": record.reject_reason,
            "received_at": _utc(record.received_at),
        }
        exists = sa.select(_records.c.id).where(_records.c.call_id == record.call_id)
        try:
            with self._engine.begin() as conn:
                if conn.execute(exists).first() is not None:
                    return False
                conn.execute(_records.insert().values(**row))
        except IntegrityError:
            return False  # reported twice at the same moment
        return True

    def call_records(self, *, binding_id: str | None = None, limit: int = 100) -> list[CallRecord]:
        query = sa.select(_records).order_by(_records.c.started_at.desc(), _records.c.id).limit(limit)
        if binding_id is not None:
            query = query.where(_records.c.binding_id == binding_id)
        with self._engine.connect() as conn:
            return [_record(r._mapping) for r in conn.execute(query)]

    # ------------------------------------------------------------------------------ retention
    def sweep_expired(self, before: datetime) -> int:
        cut = _utc(before)

        def attempt(conn: Connection) -> int:
            ids = conn.scalars(
                sa.select(_routes.c.binding_id).where(_routes.c.expires_at <= cut).distinct()
            ).all()
            return self._release_expired(conn, ids)

        return self._retrying(attempt) if self._has_expired(cut) else 0

    def _has_expired(self, cut: datetime) -> bool:
        with self._engine.connect() as conn:
            return (
                conn.execute(sa.select(_routes.c.x).where(_routes.c.expires_at <= cut).limit(1)).first()
                is not None
            )

    def purge(self, *, records_before: datetime, bindings_released_before: datetime) -> tuple[int, int]:
        with self._engine.begin() as conn:
            records = conn.execute(_records.delete().where(_records.c.started_at < _utc(records_before)))
            bindings = conn.execute(
                _bindings.delete().where(
                    _bindings.c.released_at.is_not(None),
                    _bindings.c.released_at < _utc(bindings_released_before),
                )
            )
        return bindings.rowcount, records.rowcount


def _binding(row: RowMapping) -> Binding[bytes]:
    return Binding(
        id=row["id"],
        model=row["model"],
        x=row["x"],
        extension=row["extension"],
        a=bytes(row["a_idx"]),
        b=bytes(row["b_idx"]),
        waybill_no=row["waybill_no"],
        city=row["city"],
        created_at=_must(row["created_at"]),
        expires_at=_must(row["expires_at"]),
        released_at=_aware(row["released_at"]),
        release_reason=row["release_reason"],
        company=row["company"],
    )


def _record(row: RowMapping) -> CallRecord:
    return CallRecord(
        id=row["id"],
        call_id=row["call_id"],
        x=row["x"],
        extension=row["extension"],
        caller_idx=bytes(row["caller_idx"]),
        callee_idx=None if row["callee_idx"] is None else bytes(row["callee_idx"]),
        binding_id=row["binding_id"],
        started_at=_must(row["started_at"]),
        answered_at=_aware(row["answered_at"]),
        ended_at=_must(row["ended_at"]),
        duration_s=int(row["duration_s"]),
        outcome=cast(CallOutcome, row["outcome"]),
        reject_reason=row["reject_reason"],
        received_at=_must(row["received_at"]),
    )
