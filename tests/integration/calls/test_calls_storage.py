"""Bindings, routing and call records on SQLite and PostgreSQL (the ``engine`` fixture runs both)."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from calls_support import DictRecipients, FakeSealer
from sqlalchemy import Engine

from sealpost.adapters.db.calls_repo import SqlCallsRepository
from sealpost.adapters.db.tables.calls import calls_bindings, calls_records, calls_routes
from sealpost.domain.calls import (
    CallBook,
    Connect,
    ExpiryPolicy,
    Model,
    PoolExhaustedError,
    PoolNumber,
    Reject,
)
from sealpost.errors import SealpostError
from sealpost.ports.clock import FixedClock
from sealpost.services.bind_call import BindRequest, CallsPolicy, bind_call, unbind_call
from sealpost.services.record_call import CallReport, purge_call_data, record_call
from sealpost.services.route_call import route_call

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
CITY = "3101"
AXB = [f"1700000{i:04d}" for i in range(3)]
HOST = "02188880000"


def courier(i: int) -> str:
    return f"1390000{i:04d}"


def recipient(i: int) -> str:
    return f"1380000{i:04d}"


class Env:
    def __init__(self, engine: Engine, *, max_pairs: int = 5000, n_axb: int = 3) -> None:
        self.engine = engine
        self.repo = SqlCallsRepository(engine)
        self.sealer = FakeSealer()
        self.recipients = DictRecipients({f"W{i:06d}": recipient(i) for i in range(200)})
        self.clock = FixedClock(T0)
        self.policy = CallsPolicy(max_pairs_per_x=max_pairs)
        self.repo.add_pool_numbers([PoolNumber(x, CITY, "axb") for x in AXB[:n_axb]])
        self.repo.add_pool_numbers([PoolNumber(HOST, CITY, "axn")])
        self.ext = 0

    def bind(self, i: int, c: int, model: str = "axb", **kw: object):  # type: ignore[no-untyped-def]
        req = BindRequest(waybill_no=f"W{i:06d}", courier_phone=courier(c), model=model, city=CITY, **kw)  # type: ignore[arg-type]
        return bind_call(
            req,
            repo=self.repo,
            sealer=self.sealer,
            recipients=self.recipients,
            clock=self.clock,
            policy=self.policy,
            draw_extension=lambda: self.ext,
        )

    def route(self, caller: str, x: str, ext: str | None = None):  # type: ignore[no-untyped-def]
        return route_call(caller, x, ext, repo=self.repo, sealer=self.sealer, clock=self.clock)


def test_axb_bind_and_route_both_ways(engine: Engine) -> None:
    env = Env(engine)
    res = env.bind(1, 1)
    assert res.created
    assert res.x == AXB[0]
    assert res.expires_at == T0 + timedelta(days=15)
    assert env.route(courier(1), res.x).as_json() == {
        "action": "connect",
        "callee": recipient(1),
        "binding_id": res.binding_id,
    }
    before = env.sealer.unseal_calls
    assert env.route("+86 " + recipient(1), res.x).callee == courier(1)
    assert env.sealer.unseal_calls == before + 1  # one decryption per connect
    assert env.route(recipient(2), res.x).reason == "no_binding"
    assert env.route(recipient(1), "17099999999").reason == "unknown_number"
    assert env.route(recipient(1), "not-a-number").reason == "unknown_number"
    assert env.route("anonymous", res.x).reason == "no_binding"
    # asking again returns the same binding
    again = env.bind(1, 1)
    assert (again.binding_id, again.created) == (res.binding_id, False)


def test_no_plaintext_number_is_stored(engine: Engine) -> None:
    env = Env(engine)
    env.bind(1, 1)
    env.bind(2, 1, model="axn")
    dump: list[bytes] = []
    with engine.connect() as conn:
        for table in (calls_bindings, calls_routes):
            for row in conn.execute(sa.select(table)):
                dump.extend(bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for v in row)
    blob = b"|".join(dump)
    for number in (courier(1), recipient(1), recipient(2)):
        assert number.encode() not in blob
        assert number[-8:].encode() not in blob


def test_packing_and_exhaustion(engine: Engine) -> None:
    env = Env(engine)
    xs = {env.bind(i, i).x for i in range(10)}  # disjoint pairs
    assert xs == {AXB[0]}
    # one courier with several recipients needs a number per recipient
    spread = [env.bind(i, 50).x for i in range(20, 23)]
    assert sorted(spread) == AXB
    with pytest.raises(PoolExhaustedError) as err:
        env.bind(23, 50)
    assert err.value.code == "pool_exhausted"
    status = {p.number: p.live_bindings for p in env.repo.pool_status(T0, CITY)}
    assert status == {AXB[0]: 11, AXB[1]: 1, AXB[2]: 1, HOST: 0}


def test_capacity_per_number(engine: Engine) -> None:
    env = Env(engine, max_pairs=2)
    xs = [env.bind(i, i).x for i in range(6)]
    assert Counter(xs) == {AXB[0]: 2, AXB[1]: 2, AXB[2]: 2}
    with pytest.raises(PoolExhaustedError):
        env.bind(6, 6)


def test_expiry_unbind_and_rebinding(engine: Engine) -> None:
    env = Env(engine, n_axb=1)
    first = env.bind(1, 1, expires_at=T0 + timedelta(minutes=5))
    with pytest.raises(PoolExhaustedError):
        env.bind(2, 1)
    with pytest.raises(SealpostError) as err:
        env.bind(3, 3, expires_at=T0 + timedelta(seconds=59))
    assert err.value.code == "expiry_too_soon"
    env.clock.advance(300)
    assert env.route(courier(1), first.x).reason == "expired"
    second = env.bind(2, 1)  # the expired binding stands aside
    assert second.x == first.x
    old = env.repo.get(first.binding_id)
    assert old is not None
    assert old.release_reason == "expired"
    assert old.released_at == first.expires_at
    assert env.route(recipient(1), first.x).reason == "no_binding"
    assert env.route(courier(1), first.x).callee == recipient(2)
    released = unbind_call(second.binding_id, repo=env.repo, clock=env.clock)
    assert released.release_reason == "unbound"
    assert unbind_call(second.binding_id, repo=env.repo, clock=env.clock).released_at == released.released_at
    assert env.route(courier(1), first.x).reason == "no_binding"
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(calls_routes)).scalar_one() == 0
    with pytest.raises(SealpostError) as err:
        unbind_call("missing", repo=env.repo, clock=env.clock)
    assert err.value.status == 404


def test_axn_extensions(engine: Engine) -> None:
    env = Env(engine)
    env.ext = 9999
    a = env.bind(1, 1, model="axn")
    b = env.bind(2, 1, model="axn")
    assert (a.x, a.extension, b.extension) == (HOST, "9999", "0000")
    assert a.dial == f"{HOST}-9999"
    assert env.route(courier(1), HOST, "9999").callee == recipient(1)
    assert env.route(recipient(1), HOST, "9999").callee == courier(1)
    assert env.route(courier(1), HOST, "0000").callee == recipient(2)
    assert env.route(recipient(2), HOST, "9999").reason == "caller_not_party"
    assert env.route(courier(1), HOST, "1234").reason == "no_binding"
    assert env.route(courier(1), HOST, None).reason == "bad_extension"
    assert env.route(courier(1), HOST, "12").reason == "bad_extension"
    env.clock.advance(16 * 86400)
    assert env.route(courier(1), HOST, "9999").reason == "expired"
    env.ext = 9999
    c = env.bind(3, 3, model="axn")  # the expired holder of 9999 stands aside
    assert c.extension == "9999"
    assert env.route(courier(3), HOST, "9999").callee == recipient(3)
    assert env.route(courier(1), HOST, "9999").reason == "caller_not_party"


def test_call_records_and_purge(engine: Engine) -> None:
    env = Env(engine)
    res = env.bind(1, 1)
    report = CallReport(
        call_id="sw-1",
        caller=courier(1),
        x=res.x,
        started_at=T0,
        answered_at=T0 + timedelta(seconds=5),
        ended_at=T0 + timedelta(seconds=65),
        outcome="answered",
    )
    rec, created = record_call(report, repo=env.repo, sealer=env.sealer, clock=env.clock)
    assert created
    assert (rec.binding_id, rec.duration_s) == (res.binding_id, 60)
    assert rec.caller_idx == env.sealer.blind_index("phone", courier(1))
    assert rec.callee_idx == env.sealer.blind_index("phone", recipient(1))
    _, created = record_call(report, repo=env.repo, sealer=env.sealer, clock=env.clock)
    assert not created
    stored = env.repo.call_records(binding_id=res.binding_id)
    assert [r.call_id for r in stored] == ["sw-1"]
    assert stored[0].started_at == T0
    with pytest.raises(SealpostError) as err:
        record_call(
            CallReport(
                call_id="sw-2",
                caller=courier(1),
                x=res.x,
                started_at=T0,
                ended_at=T0 - timedelta(1),
                outcome="failed",
            ),
            repo=env.repo,
            sealer=env.sealer,
            clock=env.clock,
        )
    assert err.value.code == "bad_call_times"

    env.clock.advance(20 * 86400)  # the binding expired 5 days ago
    counts = purge_call_data(repo=env.repo, clock=env.clock, retention_days=730)
    assert (counts.released_expired, counts.bindings_deleted, counts.records_deleted) == (1, 0, 0)
    env.clock.advance(731 * 86400)
    counts = purge_call_data(repo=env.repo, clock=env.clock, retention_days=730)
    assert (counts.bindings_deleted, counts.records_deleted) == (1, 1)
    with engine.connect() as conn:
        for table in (calls_bindings, calls_routes, calls_records):
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 0


def test_storage_agrees_with_the_domain_model(engine: Engine) -> None:
    """Random bind / unbind / tick / sweep sequences give the same answers in SQL and in memory."""
    env = Env(engine, max_pairs=3)
    book: CallBook[bytes] = CallBook(max_pairs_per_x=3, expiry=ExpiryPolicy())
    for x in AXB:
        book.add_pool_number(PoolNumber(x, CITY, "axb"))
    book.add_pool_number(PoolNumber(HOST, CITY, "axn"))
    idx = env.sealer.blind_index
    rnd = random.Random(20261128)
    ids: list[str] = []
    for step in range(120):
        op = rnd.choice(["bind", "bind", "bind", "unbind", "tick", "sweep"])
        now = env.clock.now()
        if op == "bind":
            c, r = rnd.randrange(4), rnd.randrange(6)
            model: Model = rnd.choice(["axb", "axb", "axn"])
            minutes = rnd.choice([None, 2, 10, 60])
            expires = None if minutes is None else now + timedelta(minutes=minutes)
            env.ext = rnd.randrange(3)
            waybill = f"W{1000 + step:06d}"
            env.recipients.phones[waybill] = recipient(r)
            a_key, b_key = idx("phone", courier(c)), idx("phone", recipient(r))
            try:
                got = env.bind(1000 + step, c, model=model, expires_at=expires)
            except PoolExhaustedError:
                with pytest.raises(PoolExhaustedError):
                    book.bind(
                        binding_id=f"s{step}",
                        model=model,
                        city=CITY,
                        a=a_key,
                        b=b_key,
                        waybill_no=waybill,
                        now=now,
                        expires_at=expires,
                        ext_start=env.ext,
                    )
                continue
            if not got.created:  # the same waybill, courier and model: the live binding again
                continue
            mem = book.bind(
                binding_id=got.binding_id,
                model=model,
                city=CITY,
                a=a_key,
                b=b_key,
                waybill_no=waybill,
                now=now,
                expires_at=expires,
                ext_start=env.ext,
            )
            assert (mem.x, mem.extension) == (got.x, got.extension)
            ids.append(got.binding_id)
        elif op == "unbind" and ids:
            bid = rnd.choice(ids)
            unbind_call(bid, repo=env.repo, clock=env.clock)
            book.unbind(bid, now)
        elif op == "tick":
            env.clock.advance(rnd.choice([30, 120, 600, 3600]))
        elif op == "sweep":
            assert env.repo.sweep_expired(now) == len(book.sweep(now))
        now = env.clock.now()
        callers = [courier(i) for i in range(4)] + [recipient(i) for i in range(6)]
        targets = [(AXB[0], None), (AXB[1], None), (AXB[2], None), (HOST, "0000"), (HOST, "0001")]
        pairs = [(c, t) for c in callers for t in targets]
        for caller, (x, ext) in pairs if step % 10 == 9 else rnd.sample(pairs, 12):
            sql = env.route(caller, x, ext)
            mem_answer = book.route(idx("phone", caller), x, ext, now)
            if isinstance(mem_answer, Connect):
                assert sql.binding_id == mem_answer.binding_id
            else:
                assert isinstance(mem_answer, Reject)
                assert sql.reason == mem_answer.reason, (step, op, caller, x, ext)


def test_concurrent_binds_keep_the_invariant(engine: Engine) -> None:
    """Eight couriers bind the same recipient at once: B fits once per X, so 3 succeed, 5 are refused."""
    env = Env(engine)
    for i in range(8):
        env.recipients.phones[f"C{i:06d}"] = recipient(0)
    barrier = threading.Barrier(8)
    results: list[str] = []
    errors: list[str] = []

    def work(i: int) -> None:
        barrier.wait()
        try:
            res = bind_call(
                BindRequest(waybill_no=f"C{i:06d}", courier_phone=courier(i), model="axb", city=CITY),
                repo=env.repo,
                sealer=env.sealer,
                recipients=env.recipients,
                clock=env.clock,
            )
            results.append(res.x)
        except SealpostError as exc:
            errors.append(exc.code)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == AXB
    assert errors == ["pool_exhausted"] * 5
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(calls_bindings.c.x, calls_bindings.c.b_idx).where(
                calls_bindings.c.released_at.is_(None)
            )
        ).all()
    assert len(rows) == len({(x, bytes(b)) for x, b in rows}) == 3


def test_concurrent_binds_respect_capacity(engine: Engine) -> None:
    env = Env(engine, max_pairs=2)
    barrier = threading.Barrier(6)
    results: list[str] = []

    def work(i: int) -> None:
        barrier.wait()
        results.append(env.bind(i, i).x)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Counter(results) == {AXB[0]: 2, AXB[1]: 2, AXB[2]: 2}
