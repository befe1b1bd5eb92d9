"""Use cases with fakes (no database): an in-memory repository over the domain's CallBook."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest

from sealpost.domain.calls import (
    Binding,
    CallBook,
    Model,
    PoolNumber,
    RouteEntry,
)
from sealpost.errors import SealpostError
from sealpost.ports.calls import (
    FIELD_PHONE_A,
    FIELD_PHONE_B,
    CallRecord,
    NewBinding,
    PoolStatus,
    SealedCallee,
)
from sealpost.ports.clock import FixedClock
from sealpost.services.bind_call import BindRequest, bind_call, unbind_call
from sealpost.services.record_call import CallReport, purge_call_data, record_call
from sealpost.services.route_call import route_call

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


class MemoryRepo:
    """CallsRepository in memory: the domain's CallBook plus the sealed callees and call records."""

    def __init__(self) -> None:
        self.book: CallBook[bytes] = CallBook()
        self.sealed: dict[str, tuple[bytes, bytes]] = {}
        self.records: dict[str, CallRecord] = {}

    def add_pool_numbers(self, numbers: Iterable[PoolNumber]) -> int:
        new = [n for n in numbers if n.number not in self.book.pool]
        for n in new:
            self.book.add_pool_number(n)
        return len(new)

    def set_pool_number_enabled(self, number: str, enabled: bool) -> bool:
        return False

    def pool_status(self, now: datetime, city: str | None = None) -> list[PoolStatus]:
        return []

    def bind(self, new: NewBinding, *, max_pairs_per_x: int) -> Binding[bytes]:
        self.book.max_pairs_per_x = max_pairs_per_x
        bd = self.book.bind(
            binding_id=new.id,
            model=new.model,
            city=new.city,
            a=new.a_idx,
            b=new.b_idx,
            waybill_no=new.waybill_no,
            now=new.created_at,
            expires_at=new.expires_at,
            ext_start=new.ext_start,
        )
        self.sealed[new.id] = (new.a_sealed, new.b_sealed)
        return bd

    def get(self, binding_id: str) -> Binding[bytes] | None:
        return self.book.bindings.get(binding_id)

    def find_live(
        self, *, waybill_no: str, a_idx: bytes, b_idx: bytes, model: Model, now: datetime
    ) -> Binding[bytes] | None:
        for bd in self.book.live(now):
            if (bd.waybill_no, bd.a, bd.b, bd.model) == (waybill_no, a_idx, b_idx, model):
                return bd
        return None

    def unbind(self, binding_id: str, now: datetime) -> Binding[bytes]:
        return self.book.unbind(binding_id, now)

    def route_entries(
        self, x: str, ext: str | None, caller_idx: bytes
    ) -> tuple[Model | None, list[RouteEntry[bytes, SealedCallee]]]:
        pn = self.book.pool.get(x)
        if pn is None or not pn.enabled:
            return None, []
        out = []
        for bd in self.book.unreleased():
            if bd.x != x or (pn.model == "axn" and bd.extension != ext):
                continue
            a_sealed, b_sealed = self.sealed[bd.id]
            out.append(RouteEntry(bd.id, bd.a, SealedCallee(FIELD_PHONE_B, b_sealed), bd.expires_at))
            out.append(RouteEntry(bd.id, bd.b, SealedCallee(FIELD_PHONE_A, a_sealed), bd.expires_at))
        if pn.model == "axb":
            out = [e for e in out if e.caller == caller_idx]
        return pn.model, out

    def add_call_record(self, record: CallRecord) -> bool:
        if any(r.call_id == record.call_id for r in self.records.values()):
            return False
        self.records[record.id] = record
        return True

    def call_records(self, *, binding_id: str | None = None, limit: int = 100) -> list[CallRecord]:
        return [r for r in self.records.values() if binding_id in (None, r.binding_id)][:limit]

    def sweep_expired(self, before: datetime) -> int:
        return len(self.book.sweep(before))

    def purge(self, *, records_before: datetime, bindings_released_before: datetime) -> tuple[int, int]:
        old = [k for k, r in self.records.items() if r.started_at < records_before]
        for k in old:
            del self.records[k]
        gone = [
            k
            for k, b in self.book.bindings.items()
            if b.released_at is not None and b.released_at < bindings_released_before
        ]
        for k in gone:
            del self.book.bindings[k]
        return len(gone), len(old)


class Sealer:
    def __init__(self, broken: bool = False) -> None:
        self.broken = broken

    def seal(self, value: str, *, record_id: str, field: str, at: datetime) -> bytes:
        return f"{record_id}|{field}|{value[::-1]}".encode()

    def unseal(self, blob: bytes, *, record_id: str, field: str) -> str:
        if self.broken:
            raise RuntimeError("key destroyed")
        rid, fld, rev = blob.decode().split("|")
        assert (rid, fld) == (record_id, field)
        return rev[::-1]

    def blind_index(self, kind: str, value: str) -> bytes:
        return f"{kind}:{value}".encode()


class Recipients:
    def recipient_phone(self, waybill_no: str, company: str | None = None) -> str | None:
        return {"EA000000001CN": "13800000001", "EA000000002CN": "13800000002"}.get(waybill_no)


@pytest.fixture
def repo() -> MemoryRepo:
    r = MemoryRepo()
    r.add_pool_numbers([PoolNumber("17000000001", "3101", "axb"), PoolNumber("02188880000", "3101", "axn")])
    return r


def _bind(repo: MemoryRepo, clock: FixedClock, waybill: str = "EA000000001CN", model: Model = "axb"):  # type: ignore[no-untyped-def]
    return bind_call(
        BindRequest(waybill, "13900000001", model, "310115"),
        repo=repo,
        sealer=Sealer(),
        recipients=Recipients(),
        clock=clock,
        draw_extension=lambda: 7,
    )


def test_bind_is_idempotent_for_the_same_waybill_courier_and_model(repo: MemoryRepo) -> None:
    clock = FixedClock(T0)
    first = _bind(repo, clock)
    again = _bind(repo, clock)
    assert again.binding_id == first.binding_id
    assert not again.created
    other = _bind(repo, clock, model="axn")
    assert other.created
    assert other.dial == "02188880000-0007"


def test_route_refuses_when_the_callee_cannot_be_unsealed(repo: MemoryRepo) -> None:
    clock = FixedClock(T0)
    res = _bind(repo, clock)
    ok = route_call("13900000001", res.x, None, repo=repo, sealer=Sealer(), clock=clock)
    assert ok.callee == "13800000001"
    broken = route_call("13900000001", res.x, None, repo=repo, sealer=Sealer(broken=True), clock=clock)
    assert broken.as_json() == {"action": "reject", "reason": "no_binding"}


def test_record_resolves_the_binding_and_purge_keeps_retention(repo: MemoryRepo) -> None:
    clock = FixedClock(T0)
    res = _bind(repo, clock)
    rec, created = record_call(
        CallReport(
            call_id="c1",
            caller="13800000001",
            x=res.x,
            started_at=T0,
            ended_at=T0 + timedelta(seconds=9),
            outcome="no_answer",
        ),
        repo=repo,
        sealer=Sealer(),
        clock=clock,
    )
    assert created
    assert rec.binding_id == res.binding_id
    assert rec.callee_idx == b"phone:13900000001"
    assert rec.duration_s == 0
    rejected, _ = record_call(
        CallReport(
            call_id="c2",
            caller="anonymous",
            x=res.x,
            started_at=T0,
            ended_at=T0,
            outcome="rejected",
            reject_reason="no_binding",
        ),
        repo=repo,
        sealer=Sealer(),
        clock=clock,
    )
    assert rejected.binding_id is None
    assert rejected.caller_idx == b""
    with pytest.raises(SealpostError) as err:
        record_call(
            CallReport(
                call_id="c3",
                caller="13800000001",
                x=res.x,
                ext="12",
                started_at=T0,
                ended_at=T0,
                outcome="failed",
            ),
            repo=repo,
            sealer=Sealer(),
            clock=clock,
        )
    assert err.value.code == "bad_extension"
    clock.advance(16 * 86400)
    counts = purge_call_data(repo=repo, clock=clock, retention_days=30)
    assert (counts.released_expired, counts.bindings_deleted, counts.records_deleted) == (1, 0, 0)
    clock.advance(31 * 86400)
    counts = purge_call_data(repo=repo, clock=clock, retention_days=30)
    assert (counts.bindings_deleted, counts.records_deleted) == (1, 2)


def test_unbind_and_bad_requests(repo: MemoryRepo) -> None:
    clock = FixedClock(T0)
    res = _bind(repo, clock)
    assert unbind_call(res.binding_id, repo=repo, clock=clock).release_reason == "unbound"
    for req, code in [
        (BindRequest("EA000000001CN", "13900000001", "axg", "3101"), "bad_model"),  # type: ignore[arg-type]
        (BindRequest("E!", "13900000001", "axb", "3101"), "bad_waybill_no"),
        (BindRequest("EA000000009CN", "13900000001", "axb", "3101"), "waybill_not_found"),
    ]:
        with pytest.raises(SealpostError) as err:
            bind_call(req, repo=repo, sealer=Sealer(), recipients=Recipients(), clock=clock)
        assert err.value.code == code


class Registry:
    def phone_index(self, courier_id: str) -> bytes | None:
        return {"c-1": b"phone:13900000001"}.get(courier_id)


def test_a_registered_courier_binds_only_their_own_number(repo: MemoryRepo) -> None:
    clock = FixedClock(T0)
    ok = bind_call(
        BindRequest("EA000000001CN", "+86 139 0000 0001", "axb", "3101", courier_id="c-1"),
        repo=repo,
        sealer=Sealer(),
        recipients=Recipients(),
        clock=clock,
        couriers=Registry(),
    )
    assert ok.created
    with pytest.raises(SealpostError) as err:
        bind_call(
            BindRequest("EA000000002CN", "13700000000", "axb", "3101", courier_id="c-1"),
            repo=repo,
            sealer=Sealer(),
            recipients=Recipients(),
            clock=clock,
            couriers=Registry(),
        )
    assert err.value.code == "courier_phone_mismatch"
    assert err.value.status == 403
    unknown = bind_call(
        BindRequest("EA000000002CN", "13700000000", "axb", "3101", courier_id="c-unregistered"),
        repo=repo,
        sealer=Sealer(),
        recipients=Recipients(),
        clock=clock,
        couriers=Registry(),
    )
    assert unknown.created
