"""Pure-domain tests: numbers, cities, expiry, allocation, packing, exhaustion, routing answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sealpost.domain.calls import (
    DEFAULT_TTL,
    CallBook,
    CallsError,
    Connect,
    ExpiryPolicy,
    HostCandidate,
    PoolExhaustedError,
    PoolNumber,
    Reject,
    RouteEntry,
    XCandidate,
    choose_axb_number,
    choose_axn_slot,
    decide_route,
    free_extension,
    normalize_city,
    normalize_number,
)
from sealpost.errors import SealpostError

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def book(n_axb: int = 3, n_axn: int = 2, city: str = "3301", **kw: object) -> CallBook[str]:
    cb: CallBook[str] = CallBook(**kw)  # type: ignore[arg-type]
    for i in range(n_axb):
        cb.add_pool_number(PoolNumber(f"1700000{i:04d}", city, "axb"))
    for i in range(n_axn):
        cb.add_pool_number(PoolNumber(f"0571888{i:05d}", city, "axn"))
    return cb


def courier(i: int) -> str:
    return f"1390000{i:04d}"


def recipient(i: int) -> str:
    return f"1380000{i:04d}"


# ----------------------------------------------------------------------------- numbers and cities


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("0086 13800138000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("(0571) 8888-0000", "057188880000"),
        ("010-12345678", "01012345678"),
    ],
)
def test_normalize_number_accepts_mobile_and_fixed_lines(raw: str, expected: str) -> None:
    assert normalize_number(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "12345", "95555", "4008001234", "23800138000", "138001380001", "1380013800a"]
)
def test_normalize_number_refuses_bad_numbers_without_echoing_them(raw: str) -> None:
    with pytest.raises(CallsError) as err:
        normalize_number(raw)
    assert err.value.code == "bad_number"
    if raw:
        assert raw not in str(err.value)
        assert raw not in err.value.message.zh


@pytest.mark.parametrize(
    ("raw", "expected"), [("0571", "0571"), ("010", "010"), ("330106", "3301"), ("3301", "3301")]
)
def test_normalize_city(raw: str, expected: str) -> None:
    assert normalize_city(raw) == expected


@pytest.mark.parametrize("raw", ["", "57", "hangzhou", "33010", "0", "1234567"])
def test_normalize_city_refuses_garbage(raw: str) -> None:
    with pytest.raises(CallsError) as err:
        normalize_city(raw)
    assert err.value.code == "bad_city"


# -------------------------------------------------------------------------------------------- expiry


def test_default_expiry_is_15_days_after_delivery() -> None:
    policy = ExpiryPolicy()
    assert policy.resolve(T0) == T0 + timedelta(days=15)
    delivered = T0 - timedelta(days=1)
    assert policy.resolve(T0, delivered_at=delivered) == delivered + DEFAULT_TTL


def test_expiry_ttl_is_configurable() -> None:
    assert ExpiryPolicy(ttl=timedelta(days=3)).resolve(T0) == T0 + timedelta(days=3)


@given(st.integers(min_value=-10_000, max_value=59))
def test_expiry_less_than_60_s_ahead_is_refused(seconds: int) -> None:
    with pytest.raises(CallsError) as err:
        ExpiryPolicy().resolve(T0, requested=T0 + timedelta(seconds=seconds))
    assert err.value.code == "expiry_too_soon"


@given(st.integers(min_value=60, max_value=90 * 86400))
def test_expiry_60_s_or_more_ahead_is_kept(seconds: int) -> None:
    requested = T0 + timedelta(seconds=seconds)
    assert ExpiryPolicy().resolve(T0, requested=requested) == requested


def test_expiry_from_an_old_delivery_is_refused() -> None:
    with pytest.raises(CallsError) as err:
        ExpiryPolicy().resolve(T0, delivered_at=T0 - timedelta(days=15))
    assert err.value.code == "expiry_too_soon"


def test_expiry_too_far_and_naive_times_are_refused() -> None:
    with pytest.raises(CallsError) as err:
        ExpiryPolicy().resolve(T0, requested=T0 + timedelta(days=91))
    assert err.value.code == "expiry_too_far"
    with pytest.raises(CallsError) as err:
        ExpiryPolicy().resolve(T0, requested=datetime(2026, 12, 1, 9, 0))
    assert err.value.code == "naive_time"


def test_policy_cannot_lower_the_60_s_floor() -> None:
    with pytest.raises(ValueError, match="60 s"):
        ExpiryPolicy(minimum_ahead=timedelta(seconds=30))


# ---------------------------------------------------------------------------------------- allocation


def test_first_fit_prefers_numbers_in_use() -> None:
    cands = [XCandidate("3", 0, False), XCandidate("2", 4, False), XCandidate("1", 0, False)]
    assert choose_axb_number(cands, city="c") == "2"
    cands = [XCandidate("3", 0, False), XCandidate("2", 4, True), XCandidate("1", 0, False)]
    assert choose_axb_number(cands, city="c") == "1"


def test_full_numbers_are_skipped() -> None:
    cands = [XCandidate("1", 2, False), XCandidate("2", 1, False)]
    assert choose_axb_number(cands, city="c", max_pairs=2) == "2"


def test_no_usable_number_is_pool_exhausted() -> None:
    with pytest.raises(PoolExhaustedError) as err:
        choose_axb_number([XCandidate("1", 1, True)], city="3301")
    assert err.value.code == "pool_exhausted"
    assert err.value.status == 409
    with pytest.raises(PoolExhaustedError):
        choose_axb_number([], city="3301")


@given(st.integers(min_value=1, max_value=60))
def test_k_disjoint_pairs_share_one_number(k: int) -> None:
    cb = book(n_axb=5)
    xs = {
        cb.bind(
            binding_id=f"b{i}",
            model="axb",
            city="3301",
            a=courier(i),
            b=recipient(i),
            waybill_no=f"W{i}",
            now=T0,
        ).x
        for i in range(k)
    }
    assert len(xs) == 1


@given(st.integers(min_value=1, max_value=8))
def test_one_courier_with_many_recipients_exhausts_the_pool(n: int) -> None:
    cb = book(n_axb=n)
    xs = [
        cb.bind(
            binding_id=f"b{i}",
            model="axb",
            city="3301",
            a=courier(0),
            b=recipient(i),
            waybill_no=f"W{i}",
            now=T0,
        ).x
        for i in range(n)
    ]
    assert len(set(xs)) == n
    with pytest.raises(PoolExhaustedError):
        cb.bind(
            binding_id="over", model="axb", city="3301", a=courier(0), b=recipient(n), waybill_no="W", now=T0
        )
    # the pool of another city is not used
    cb.add_pool_number(PoolNumber("17099999999", "0571", "axb"))
    with pytest.raises(PoolExhaustedError):
        cb.bind(
            binding_id="over2", model="axb", city="3301", a=courier(0), b=recipient(n), waybill_no="W", now=T0
        )


def test_unbinding_frees_the_number_for_the_party() -> None:
    cb = book(n_axb=1)
    first = cb.bind(
        binding_id="b1", model="axb", city="3301", a=courier(0), b=recipient(0), waybill_no="W1", now=T0
    )
    with pytest.raises(PoolExhaustedError):
        cb.bind(
            binding_id="b2", model="axb", city="3301", a=courier(0), b=recipient(1), waybill_no="W2", now=T0
        )
    cb.unbind(first.id, T0)
    second = cb.bind(
        binding_id="b2", model="axb", city="3301", a=courier(0), b=recipient(1), waybill_no="W2", now=T0
    )
    assert second.x == first.x


def test_expired_binding_stands_aside_for_a_new_one() -> None:
    cb = book(n_axb=1)
    cb.bind(
        binding_id="b1",
        model="axb",
        city="3301",
        a=courier(0),
        b=recipient(0),
        waybill_no="W1",
        now=T0,
        expires_at=T0 + timedelta(minutes=5),
    )
    later = T0 + timedelta(minutes=6)
    assert cb.route(courier(0), "17000000000", None, later) == Reject("expired")
    cb.bind(
        binding_id="b2", model="axb", city="3301", a=courier(0), b=recipient(1), waybill_no="W2", now=later
    )
    assert cb.bindings["b1"].release_reason == "expired"
    assert cb.route(courier(0), "17000000000", None, later) == Connect(recipient(1), "b2")
    assert cb.route(recipient(0), "17000000000", None, later) == Reject("no_binding")


def test_same_party_is_refused() -> None:
    with pytest.raises(CallsError) as err:
        book().bind(
            binding_id="b", model="axb", city="3301", a=courier(0), b=courier(0), waybill_no="W", now=T0
        )
    assert err.value.code == "same_party"


def test_axn_extensions_are_unique_per_host_and_start_where_told() -> None:
    cb = book(n_axn=2)
    seen = set()
    for i in range(30):
        bd = cb.bind(
            binding_id=f"e{i}",
            model="axn",
            city="3301",
            a=courier(0),
            b=recipient(i),
            waybill_no=f"W{i}",
            now=T0,
            ext_start=9990,
        )
        assert bd.extension is not None
        assert len(bd.extension) == 4
        seen.add((bd.x, bd.extension))
    assert len(seen) == 30
    assert {x for x, _ in seen} == {"057188800000"}  # packed on the first host
    assert ("057188800000", "9990") in seen
    assert ("057188800000", "0000") in seen


def test_axn_host_full_moves_to_next_host_then_exhausts() -> None:
    full = frozenset(f"{i:04d}" for i in range(10_000))
    assert free_extension(full, 0) is None
    assert choose_axn_slot(
        [HostCandidate("1", full), HostCandidate("2", frozenset())], city="c", start=7
    ) == ("2", "0007")
    with pytest.raises(PoolExhaustedError) as err:
        choose_axn_slot([HostCandidate("1", full)], city="c", start=0)
    assert err.value.extra["model"] == "axn"


# ------------------------------------------------------------------------------------------- routing


def test_route_answers() -> None:
    cb = book()
    axb = cb.bind(
        binding_id="b1", model="axb", city="3301", a=courier(1), b=recipient(1), waybill_no="W1", now=T0
    )
    axn = cb.bind(
        binding_id="e1",
        model="axn",
        city="3301",
        a=courier(1),
        b=recipient(2),
        waybill_no="W2",
        now=T0,
        ext_start=42,
    )
    assert cb.route(courier(1), axb.x, None, T0) == Connect(recipient(1), "b1")
    assert cb.route(recipient(1), axb.x, None, T0) == Connect(courier(1), "b1")
    assert cb.route(recipient(1), axb.x, "1234", T0) == Connect(courier(1), "b1")  # ext ignored on AXB
    assert cb.route(recipient(9), axb.x, None, T0) == Reject("no_binding")
    assert cb.route(courier(1), "19999999999", None, T0) == Reject("unknown_number")
    assert cb.route(courier(1), axn.x, "0042", T0) == Connect(recipient(2), "e1")
    assert cb.route(recipient(2), axn.x, "0042", T0) == Connect(courier(1), "e1")
    assert cb.route(recipient(9), axn.x, "0042", T0) == Reject("caller_not_party")
    assert cb.route(courier(1), axn.x, "0043", T0) == Reject("no_binding")
    assert cb.route(courier(1), axn.x, None, T0) == Reject("bad_extension")
    assert cb.route(courier(1), axn.x, "42", T0) == Reject("bad_extension")
    assert cb.route(courier(1), axn.x, "００４２", T0) == Reject("bad_extension")  # full-width digits
    end = axb.expires_at
    assert cb.route(courier(1), axb.x, None, end - timedelta(microseconds=1)) == Connect(recipient(1), "b1")
    assert cb.route(courier(1), axb.x, None, end) == Reject("expired")
    cb.sweep(end)
    assert cb.route(courier(1), axb.x, None, end) == Reject("no_binding")


def test_disabled_pool_number_is_unknown() -> None:
    cb = book(n_axb=0, n_axn=0)
    cb.add_pool_number(PoolNumber("17000000000", "3301", "axb", enabled=False))
    assert cb.route(courier(1), "17000000000", None, T0) == Reject("unknown_number")
    with pytest.raises(PoolExhaustedError):
        cb.bind(
            binding_id="b", model="axb", city="3301", a=courier(1), b=recipient(1), waybill_no="W", now=T0
        )


def test_unbind_is_idempotent_and_unknown_id_is_not_found() -> None:
    cb = book()
    bd = cb.bind(
        binding_id="b1", model="axb", city="3301", a=courier(1), b=recipient(1), waybill_no="W1", now=T0
    )
    first = cb.unbind(bd.id, T0)
    assert cb.unbind(bd.id, T0 + timedelta(hours=1)) == first
    with pytest.raises(SealpostError) as err:
        cb.unbind("nope", T0)
    assert err.value.code == "binding_not_found"
    assert err.value.status == 404


def test_decide_route_prefers_the_callers_entry() -> None:
    entries = [
        RouteEntry("b", "A", "B", T0 + timedelta(hours=1)),
        RouteEntry("b", "B", "A", T0 + timedelta(hours=1)),
    ]
    assert decide_route(x_model="axn", caller="B", ext="0001", entries=entries, now=T0) == Connect("A", "b")
    assert decide_route(x_model="axn", caller="C", ext="0001", entries=entries, now=T0) == Reject(
        "caller_not_party"
    )
    assert decide_route(x_model="axb", caller="C", ext=None, entries=[], now=T0) == Reject("no_binding")
    assert decide_route(x_model=None, caller="C", ext=None, entries=entries, now=T0) == Reject(
        "unknown_number"
    )
