"""The AXB invariant under random bind / unbind / expire / sweep sequences (hypothesis stateful).

For any X, a party appears in at most one unreleased binding, so (caller, X) resolves to exactly
one callee; AXN extensions are unique per host among unreleased bindings; every live binding
routes both ways; nothing routes through a released binding.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from sealpost.domain.calls import (
    CallBook,
    Connect,
    ExpiryPolicy,
    Model,
    PoolExhaustedError,
    PoolNumber,
    Reject,
)

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
PARTIES = [f"1380000{i:04d}" for i in range(8)]
CITY = "3301"


class CallBookMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.book: CallBook[str] = CallBook(max_pairs_per_x=3, expiry=ExpiryPolicy(ttl=timedelta(minutes=30)))
        for i in range(3):
            self.book.add_pool_number(PoolNumber(f"1700000{i:04d}", CITY, "axb"))
        self.book.add_pool_number(PoolNumber("057188800000", CITY, "axn"))
        self.now = T0
        self.counter = 0

    # ------------------------------------------------------------------------------------- rules
    @rule(
        model=st.sampled_from(["axb", "axb", "axn"]),
        a=st.sampled_from(PARTIES),
        b=st.sampled_from(PARTIES),
        minutes=st.one_of(st.none(), st.integers(min_value=1, max_value=120)),
        ext_start=st.integers(min_value=0, max_value=9999),
    )
    def bind(self, model: Model, a: str, b: str, minutes: int | None, ext_start: int) -> None:
        if a == b:
            return
        self.counter += 1
        expires_at = None if minutes is None else self.now + timedelta(minutes=minutes)
        live_before = self.book.live(self.now)
        try:
            bd = self.book.bind(
                binding_id=f"b{self.counter}",
                model=model,
                city=CITY,
                a=a,
                b=b,
                waybill_no=f"W{self.counter}",
                now=self.now,
                expires_at=expires_at,
                ext_start=ext_start,
            )
        except PoolExhaustedError:
            if model == "axb":
                # exhausted only if every AXB number is full or already holds a or b
                for x in ("17000000000", "17000000001", "17000000002"):
                    on_x = [x_bd for x_bd in live_before if x_bd.x == x]
                    assert len(on_x) >= 3 or any({a, b} & {o.a, o.b} for o in on_x)
            return
        assert self.book.route(a, bd.x, bd.extension, self.now) == Connect(b, bd.id)
        assert self.book.route(b, bd.x, bd.extension, self.now) == Connect(a, bd.id)
        if model == "axb":
            # packing: a number already in use is preferred over an unused one
            used_before = {x_bd.x for x_bd in live_before if x_bd.model == "axb"}
            usable_used = [
                x
                for x in used_before
                if not any({a, b} & {o.a, o.b} for o in live_before if o.x == x)
                and sum(1 for o in live_before if o.x == x) < 3
            ]
            if usable_used:
                assert bd.x == min(usable_used)

    @precondition(lambda self: any(True for _ in self.book.unreleased()))
    @rule(data=st.data())
    def unbind(self, data: st.DataObject) -> None:
        ids = sorted(b.id for b in self.book.unreleased())
        bid = data.draw(st.sampled_from(ids))
        bd = self.book.unbind(bid, self.now)
        assert bd.release_reason == "unbound"
        for caller in (bd.a, bd.b):
            decision = self.book.route(caller, bd.x, bd.extension, self.now)
            assert not (isinstance(decision, Connect) and decision.binding_id == bid)

    @rule(minutes=st.integers(min_value=1, max_value=45))
    def tick(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule()
    def sweep(self) -> None:
        for bd in self.book.sweep(self.now):
            assert bd.expires_at <= self.now
            assert bd.release_reason == "expired"

    # -------------------------------------------------------------------------------- invariants
    @invariant()
    def a_party_is_on_an_axb_number_at_most_once(self) -> None:
        seen = Counter(
            (bd.x, party) for bd in self.book.unreleased() if bd.model == "axb" for party in bd.parties()
        )
        assert all(n == 1 for n in seen.values()), seen

    @invariant()
    def extensions_are_unique_per_host(self) -> None:
        seen = Counter((bd.x, bd.extension) for bd in self.book.unreleased() if bd.model == "axn")
        assert all(n == 1 for n in seen.values()), seen

    @invariant()
    def capacity_is_respected(self) -> None:
        per_x = Counter(bd.x for bd in self.book.live(self.now) if bd.model == "axb")
        assert all(n <= 3 for n in per_x.values())

    @invariant()
    def every_caller_resolves_to_exactly_its_peer(self) -> None:
        for bd in self.book.unreleased():
            for caller, callee in ((bd.a, bd.b), (bd.b, bd.a)):
                decision = self.book.route(caller, bd.x, bd.extension, self.now)
                if bd.is_live(self.now):
                    assert decision == Connect(callee, bd.id)
                else:
                    assert decision == Reject("expired")

    @invariant()
    def strangers_never_connect_on_axb(self) -> None:
        for x in ("17000000000", "17000000001", "17000000002"):
            parties = {p for bd in self.book.unreleased() if bd.x == x for p in bd.parties()}
            for stranger in set(PARTIES) - parties:
                assert self.book.route(stranger, x, None, self.now) == Reject("no_binding")


CallBookMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestCallBookInvariant = CallBookMachine.TestCase
