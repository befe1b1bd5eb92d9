"""Virtual numbers for delivery calls (隐私号): AXB and AXN-extension bindings, allocation, routing.

Two binding models, as couriers use them:

* **AXB** (中间号): courier A and recipient B talk through a pool number X. A calling X reaches B and
  B calling X reaches A. Invariant: *for any X, a party (an A or a B) appears in at most one
  unreleased binding*, so ``(caller, X)`` resolves to exactly one callee.
* **AXN-extension** (主号-分机号): a shared host number X plus a 4-digit extension E reaching B. The
  extension is unique per host among unreleased bindings; ``(X, E)`` names one binding, and only its
  two parties may use it (anyone else gets ``caller_not_party``).

A binding is *live* until it is released (unbound, or swept after expiry) and while ``now <
expires_at``. An expired binding that has not been swept yet still answers ``expired``.

Everything here is pure: parties are opaque keys (plain numbers in memory, blind indexes in the
database), time is passed in, randomness (the extension search start) is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Final, Generic, Literal, TypeVar

from sealpost.errors import ConflictError, NotFoundError, SealpostError
from sealpost.i18n import Text

Model = Literal["axb", "axn"]
MODELS: Final[tuple[Model, ...]] = ("axb", "axn")
RejectReason = Literal["no_binding", "expired", "caller_not_party", "unknown_number", "bad_extension"]
REJECT_REASONS: Final[tuple[RejectReason, ...]] = (
    "no_binding",
    "expired",
    "caller_not_party",
    "unknown_number",
    "bad_extension",
)
ReleaseReason = Literal["unbound", "expired"]

#: Default lifetime of a binding after delivery (platforms such as Taobao use 15 days).
DEFAULT_TTL: Final = timedelta(days=15)
#: An expiry must be at least this far ahead when a binding is made (Aliyun's Expiration rule).
MIN_AHEAD: Final = timedelta(seconds=60)
#: Pairs one AXB number may carry at once (Huawei Cloud's limit per X); configurable.
DEFAULT_MAX_PAIRS_PER_X: Final = 5000
#: Extensions are exactly four ASCII digits: 0000-9999.
EXTENSION_SPACE: Final = 10_000

_EXTENSION_RE: Final = re.compile(r"[0-9]{4}")
_MOBILE_RE: Final = re.compile(r"1[3-9][0-9]{9}")
_FIXED_RE: Final = re.compile(r"0[1-9][0-9]{8,10}")
_AREA_CODE_RE: Final = re.compile(r"0[1-9][0-9]{1,2}")
_DIVISION_RE: Final = re.compile(r"[1-9][0-9]{3}(?:[0-9]{2})?")
_NUMBER_NOISE: Final = re.compile(r"[\s\-().]")

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


# --------------------------------------------------------------------------------------------- errors


class CallsError(SealpostError):
    """A binding request that cannot be satisfied as asked (400 unless a subclass says otherwise)."""


class PoolExhaustedError(ConflictError):
    """No pool number in the city can take the pair (every X already holds A or B, or is full)."""

    def __init__(self, city: str, model: Model) -> None:
        super().__init__(
            "pool_exhausted",
            Text(
                f"城市 {city} 的{_MODEL_ZH[model]}号码池已无可用号码，请稍后再试或扩充号码池",
                f"the {model} number pool of city {city} has no number left for this pair; "
                "retry later or add numbers to the pool",
            ),
            extra={"city": city, "model": model},
        )


class BindingNotFoundError(NotFoundError):
    def __init__(self, binding_id: str) -> None:
        super().__init__(
            "binding_not_found",
            Text(f"绑定 {binding_id} 不存在", f"binding {binding_id} does not exist"),
        )


_MODEL_ZH: Final[dict[Model, str]] = {"axb": "AXB 中间号", "axn": "AXN 分机号"}


def _bad(code: str, zh: str, en: str) -> CallsError:
    return CallsError(code, Text(zh, en), status=422)


# ------------------------------------------------------------------------------------ value checking


def normalize_number(raw: str) -> str:
    """A phone number as digits only: a mainland mobile (11 digits) or a fixed line with area code.

    ``+86``/``0086``/``86`` prefixes, spaces, dashes, dots and brackets are dropped. Anything else
    (service numbers such as 95xxx/400, too short or too long) is refused with ``bad_number``;
    the number itself is never echoed in the message.
    """
    s = _NUMBER_NOISE.sub("", raw.strip())
    if s.startswith("+86"):
        s = s[3:]
    elif s.startswith("0086"):
        s = s[4:]
    elif s.startswith("86") and len(s) == 13:
        s = s[2:]
    if _MOBILE_RE.fullmatch(s) or _FIXED_RE.fullmatch(s):
        return s
    raise _bad(
        "bad_number",
        "电话号码格式不正确（应为 11 位手机号或带区号的固定电话）",
        "not a valid phone number (expected an 11-digit mobile number or a fixed line with area code)",
    )


def normalize_city(raw: str) -> str:
    """The key a number pool is filed under.

    Either a telephone area code (``010``, ``0571``) or an administrative division prefix per GB/T
    2260: a 6-digit county code is cut to its 4-digit prefecture prefix (``330106`` → ``3301``), so a
    receipt's destination county selects its city's pool. One deployment should use one scheme.
    """
    s = raw.strip()
    if _AREA_CODE_RE.fullmatch(s):
        return s
    if _DIVISION_RE.fullmatch(s):
        return s[:4]
    raise _bad(
        "bad_city",
        "城市代码不正确（应为电话区号如 0571，或行政区划代码如 330106/3301）",
        "not a valid city (expected an area code such as 0571 or a division code such as 330106/3301)",
    )


def is_extension(ext: str | None) -> bool:
    return ext is not None and _EXTENSION_RE.fullmatch(ext) is not None


def require_aware(dt: datetime, name: str) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise _bad("naive_time", f"{name} 必须带时区", f"{name} must carry a time zone")
    return dt


# ------------------------------------------------------------------------------------------ expiry


@dataclass(frozen=True, slots=True)
class ExpiryPolicy:
    """How long bindings live: ``ttl`` after delivery by default, never less than 60 s ahead."""

    ttl: timedelta = DEFAULT_TTL
    minimum_ahead: timedelta = MIN_AHEAD
    maximum_ahead: timedelta | None = timedelta(days=90)

    def __post_init__(self) -> None:
        if self.minimum_ahead < MIN_AHEAD:
            raise ValueError("minimum_ahead may not be below 60 s")
        if self.ttl < self.minimum_ahead:
            raise ValueError("ttl must be at least minimum_ahead")
        if self.maximum_ahead is not None and self.maximum_ahead < self.ttl:
            raise ValueError("maximum_ahead must be at least ttl")

    def resolve(
        self,
        now: datetime,
        *,
        requested: datetime | None = None,
        delivered_at: datetime | None = None,
    ) -> datetime:
        """The expiry for a new binding: ``requested`` if given, else ``ttl`` after delivery (or now)."""
        require_aware(now, "now")
        if requested is not None:
            expires_at = require_aware(requested, "expires_at")
        else:
            anchor = require_aware(delivered_at, "delivered_at") if delivered_at is not None else now
            expires_at = anchor + self.ttl
        ahead = expires_at - now
        if ahead < self.minimum_ahead:
            secs = int(self.minimum_ahead.total_seconds())
            raise _bad(
                "expiry_too_soon",
                f"绑定的失效时间必须至少在 {secs} 秒之后",
                f"a binding must expire at least {secs} s from now",
            )
        if self.maximum_ahead is not None and ahead > self.maximum_ahead:
            days = self.maximum_ahead.days
            raise _bad(
                "expiry_too_far",
                f"绑定的有效期不能超过 {days} 天",
                f"a binding may not last more than {days} days",
            )
        return expires_at


# -------------------------------------------------------------------------------------------- model


@dataclass(frozen=True, slots=True)
class PoolNumber:
    """A number the operator owns, filed under a city and dedicated to one model."""

    number: str
    city: str
    model: Model
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Binding(Generic[K]):
    """One pairing of courier ``a`` and recipient ``b`` through ``x`` (and ``extension`` for AXN)."""

    id: str
    model: Model
    x: str
    extension: str | None
    a: K
    b: K
    waybill_no: str
    city: str
    created_at: datetime
    expires_at: datetime
    released_at: datetime | None = None
    release_reason: ReleaseReason | None = None
    company: str | None = None  # the express company whose courier made it (tenant)

    @property
    def released(self) -> bool:
        return self.released_at is not None

    def is_live(self, now: datetime) -> bool:
        return self.released_at is None and now < self.expires_at

    def parties(self) -> tuple[K, K]:
        return (self.a, self.b)

    def peer_of(self, party: K) -> K | None:
        if party == self.a:
            return self.b
        if party == self.b:
            return self.a
        return None


@dataclass(frozen=True, slots=True)
class RouteEntry(Generic[K, V]):
    """One party's way through an unreleased binding: ``caller`` reaches ``callee``."""

    binding_id: str
    caller: K
    callee: V
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Connect(Generic[V]):
    callee: V
    binding_id: str
    action: Literal["connect"] = "connect"


@dataclass(frozen=True, slots=True)
class Reject:
    reason: RejectReason
    action: Literal["reject"] = "reject"


RouteDecision = Connect[V] | Reject


def decide_route(
    *,
    x_model: Model | None,
    caller: K,
    ext: str | None,
    entries: Iterable[RouteEntry[K, V]],
    now: datetime,
) -> Connect[V] | Reject:
    """The switch's answer for ``caller`` dialling X (and ``ext``), given what the store holds.

    ``x_model`` is the model of X's pool, ``None`` when X is no enabled pool number. ``entries``
    are the unreleased route entries for X — for AXB those of ``caller`` (ext ignored), for AXN
    those of ``(X, ext)``.
    """
    if x_model is None:
        return Reject("unknown_number")
    if x_model == "axn" and not is_extension(ext):
        return Reject("bad_extension")
    seen = False
    mine: RouteEntry[K, V] | None = None
    for entry in entries:
        seen = True
        if entry.caller == caller:
            mine = entry
            break
    if mine is None:
        return Reject("caller_not_party" if seen and x_model == "axn" else "no_binding")
    if now >= mine.expires_at:
        return Reject("expired")
    return Connect(mine.callee, mine.binding_id)


# --------------------------------------------------------------------------------------- allocation


@dataclass(frozen=True, slots=True)
class XCandidate:
    """An AXB pool number as allocation sees it at one instant."""

    number: str
    live_pairs: int
    conflict: bool  # A or B is already a party of a live binding on this number


def choose_axb_number(
    candidates: Iterable[XCandidate], *, city: str, max_pairs: int = DEFAULT_MAX_PAIRS_PER_X
) -> str:
    """First fit over numbers already in use, then the first unused one; ``pool_exhausted`` if none.

    Packing pairs onto numbers in use keeps the count of numbers in use (and paid for) low; the
    order is the numbers' own order, so the choice is deterministic.
    """
    pairs = {c.number: c.live_pairs for c in candidates}
    rows = [(c.number, c.live_pairs > 0, c.conflict) for c in candidates]
    return first_fit_axb(rows, pairs.__getitem__, city=city, max_pairs=max_pairs)


def first_fit_axb(
    rows: Iterable[tuple[str, bool, bool]],
    pairs_on: Callable[[str], int],
    *,
    city: str,
    max_pairs: int = DEFAULT_MAX_PAIRS_PER_X,
) -> str:
    """:func:`choose_axb_number` for storage: ``rows`` are ``(number, in_use, conflict)``.

    ``pairs_on(number)`` (the live pairs on a number, costly to count) is asked only for numbers in
    use without a conflict, in order, until one has room — usually just once.
    """
    ordered = sorted(rows)
    for number, in_use, conflict in ordered:
        if in_use and not conflict and pairs_on(number) < max_pairs:
            return number
    for number, in_use, conflict in ordered:
        if not in_use and not conflict and max_pairs > 0:
            return number
    raise PoolExhaustedError(city, "axb")


@dataclass(frozen=True, slots=True)
class HostCandidate:
    """An AXN host number and the extensions live on it."""

    number: str
    used_extensions: frozenset[str]


def free_extension(used: frozenset[str] | set[str], start: int) -> str | None:
    """The first extension not in ``used``, scanning upward from ``start`` (mod 10000)."""
    if len(used) >= EXTENSION_SPACE:
        return None
    for i in range(EXTENSION_SPACE):
        ext = f"{(start + i) % EXTENSION_SPACE:04d}"
        if ext not in used:
            return ext
    return None  # pragma: no cover - unreachable when len(used) < EXTENSION_SPACE


def choose_axn_slot(candidates: Iterable[HostCandidate], *, city: str, start: int) -> tuple[str, str]:
    """First fit over host numbers in use with a free extension, then the first unused host.

    ``start`` (drawn at random by the caller) is where the extension search begins, so extensions
    are not handed out in a guessable sequence.
    """
    hosts = sorted(candidates, key=lambda h: h.number)
    for in_use in (True, False):
        for h in hosts:
            if bool(h.used_extensions) is not in_use:
                continue
            ext = free_extension(h.used_extensions, start)
            if ext is not None:
                return h.number, ext
    raise PoolExhaustedError(city, "axn")


# ------------------------------------------------------------------------------ in-memory aggregate


@dataclass(slots=True)
class CallBook(Generic[K]):
    """Pools and bindings held in memory, with exactly the rules the database adapter enforces.

    It is the reference model for the property tests and the shape a storage adapter follows:
    binding releases the expired bindings that stand in the way, then allocates.
    """

    max_pairs_per_x: int = DEFAULT_MAX_PAIRS_PER_X
    expiry: ExpiryPolicy = field(default_factory=ExpiryPolicy)
    pool: dict[str, PoolNumber] = field(default_factory=dict)
    bindings: dict[str, Binding[K]] = field(default_factory=dict)

    def add_pool_number(self, number: PoolNumber) -> None:
        self.pool[number.number] = number

    # -- queries
    def unreleased(self) -> Iterator[Binding[K]]:
        return (b for b in self.bindings.values() if not b.released)

    def live(self, now: datetime) -> list[Binding[K]]:
        return [b for b in self.bindings.values() if b.is_live(now)]

    def _pool_of(self, city: str, model: Model) -> list[PoolNumber]:
        return [p for p in self.pool.values() if p.city == city and p.model == model and p.enabled]

    # -- commands
    def bind(
        self,
        *,
        binding_id: str,
        model: Model,
        city: str,
        a: K,
        b: K,
        waybill_no: str,
        now: datetime,
        expires_at: datetime | None = None,
        delivered_at: datetime | None = None,
        ext_start: int = 0,
    ) -> Binding[K]:
        if a == b:
            raise _bad("same_party", "主叫和被叫不能是同一个号码", "A and B must be different numbers")
        if binding_id in self.bindings:
            raise ValueError(f"duplicate binding id {binding_id}")
        expiry = self.expiry.resolve(now, requested=expires_at, delivered_at=delivered_at)
        numbers = self._pool_of(city, model)
        if model == "axb":
            x = choose_axb_number(
                self._axb_candidates(numbers, a, b, now), city=city, max_pairs=self.max_pairs_per_x
            )
            ext: str | None = None
            for old in list(self.unreleased()):
                if old.model == "axb" and old.x == x and not old.is_live(now) and {a, b} & {old.a, old.b}:
                    self._release(old.id, old.expires_at, "expired")
        else:
            x, ext = choose_axn_slot(self._axn_candidates(numbers, now), city=city, start=ext_start)
            for old in list(self.unreleased()):
                if old.x == x and old.extension == ext:
                    self._release(old.id, old.expires_at, "expired")
        binding = Binding(
            id=binding_id,
            model=model,
            x=x,
            extension=ext,
            a=a,
            b=b,
            waybill_no=waybill_no,
            city=city,
            created_at=now,
            expires_at=expiry,
        )
        self.bindings[binding_id] = binding
        return binding

    def _axb_candidates(self, numbers: Sequence[PoolNumber], a: K, b: K, now: datetime) -> list[XCandidate]:
        live = self.live(now)
        out = []
        for p in numbers:
            on_x = [bd for bd in live if bd.x == p.number]
            conflict = any(party in (a, b) for bd in on_x for party in bd.parties())
            out.append(XCandidate(p.number, len(on_x), conflict))
        return out

    def _axn_candidates(self, numbers: Sequence[PoolNumber], now: datetime) -> list[HostCandidate]:
        live = self.live(now)
        return [
            HostCandidate(
                p.number, frozenset(bd.extension for bd in live if bd.x == p.number and bd.extension)
            )
            for p in numbers
        ]

    def _release(self, binding_id: str, at: datetime, reason: ReleaseReason) -> Binding[K]:
        released = replace(self.bindings[binding_id], released_at=at, release_reason=reason)
        self.bindings[binding_id] = released
        return released

    def unbind(self, binding_id: str, now: datetime) -> Binding[K]:
        """Release a binding now; unbinding a released one changes nothing (idempotent)."""
        current = self.bindings.get(binding_id)
        if current is None:
            raise BindingNotFoundError(binding_id)
        if current.released:
            return current
        return self._release(binding_id, now, "unbound")

    def sweep(self, now: datetime) -> list[Binding[K]]:
        """Release every binding that has expired by ``now``."""
        return [
            self._release(b.id, b.expires_at, "expired")
            for b in list(self.unreleased())
            if now >= b.expires_at
        ]

    def route(self, caller: K, x: str, ext: str | None, now: datetime) -> Connect[K] | Reject:
        pn = self.pool.get(x)
        x_model = pn.model if pn is not None and pn.enabled else None
        entries: list[RouteEntry[K, K]] = []
        for bd in self.unreleased():
            if bd.x != x:
                continue
            if x_model == "axn" and bd.extension != ext:
                continue
            entries.append(RouteEntry(bd.id, bd.a, bd.b, bd.expires_at))
            entries.append(RouteEntry(bd.id, bd.b, bd.a, bd.expires_at))
        if x_model == "axb":
            entries = [e for e in entries if e.caller == caller]
        return decide_route(x_model=x_model, caller=caller, ext=ext, entries=entries, now=now)
