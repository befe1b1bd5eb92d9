"""What the delivery-call use cases need from the outside: sealing, storage, the recipient's number.

Real phone numbers of couriers and recipients are personal data. Services never hand them to
storage in clear: a number becomes a keyed blind index (for lookups) and a sealed blob (to answer
the switch). Storage therefore works on ``Binding[bytes]`` (parties are blind indexes).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from sealpost.domain.calls import Binding, Model, PoolNumber, RejectReason, RouteEntry

#: Field names bound into the AAD of sealed numbers (with the binding id as record id).
FIELD_PHONE_A: str = "calls.phone_a"
FIELD_PHONE_B: str = "calls.phone_b"
#: Blind-index kind for phone numbers (shared with every area that indexes phones).
PHONE_KIND: str = "phone"

CallOutcome = Literal["answered", "no_answer", "busy", "failed", "rejected"]
CALL_OUTCOMES: tuple[CallOutcome, ...] = ("answered", "no_answer", "busy", "failed", "rejected")


class FieldSealer(Protocol):
    """Encryption at rest of one personal field, and its keyed blind index."""

    def seal(self, value: str, *, record_id: str, field: str, at: datetime) -> bytes:
        """Encrypt ``value`` under the data key of ``at``'s day; AAD binds record id and field."""
        ...

    def unseal(self, blob: bytes, *, record_id: str, field: str) -> str:
        """Decrypt what :meth:`seal` made for the same record id and field."""
        ...

    def blind_index(self, kind: str, value: str) -> bytes:
        """A keyed, deterministic index of a normalised ``value`` (HMAC; no plaintext)."""
        ...


class RecipientPhones(Protocol):
    """The platform's way to the recipient's real number for a waybill (read from sealed records)."""

    def recipient_phone(self, waybill_no: str, company: str | None = None) -> str | None:
        """The recipient's number of ``waybill_no`` (of ``company``'s records only, when given)."""
        ...


class CourierPhones(Protocol):
    """The courier registry's view of a courier's own number, as a blind index."""

    def phone_index(self, courier_id: str) -> bytes | None:
        """The blind index of the registered courier's phone, or ``None`` if not registered."""
        ...


@dataclass(frozen=True, slots=True)
class SealedCallee:
    """The callee's number as stored for one route entry: sealed, with the AAD field it was sealed under."""

    field: str
    blob: bytes


@dataclass(frozen=True, slots=True)
class NewBinding:
    """A binding request the service has already indexed and sealed; storage allocates X (and ext)."""

    id: str
    model: Model
    city: str
    waybill_no: str
    a_idx: bytes
    b_idx: bytes
    a_sealed: bytes
    b_sealed: bytes
    created_at: datetime
    expires_at: datetime
    ext_start: int = 0
    company: str | None = None


@dataclass(frozen=True, slots=True)
class PoolStatus:
    """A pool number and how busy it is right now (no personal data)."""

    number: str
    city: str
    model: Model
    enabled: bool
    live_bindings: int


@dataclass(frozen=True, slots=True)
class CallRecord:
    """A finished call as the switch reports it; who is kept as blind indexes, never numbers or content."""

    id: str
    call_id: str
    x: str
    extension: str | None
    caller_idx: bytes
    callee_idx: bytes | None
    binding_id: str | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime
    duration_s: int
    outcome: CallOutcome
    reject_reason: RejectReason | None
    received_at: datetime


@dataclass(frozen=True, slots=True)
class PurgeCounts:
    released_expired: int
    bindings_deleted: int
    records_deleted: int


class CallsRepository(Protocol):
    """Pools, bindings and call records; the invariant is kept by storage under concurrency."""

    def add_pool_numbers(self, numbers: Iterable[PoolNumber]) -> int:
        """Add numbers (existing ones are left as they are); returns how many were new."""
        ...

    def set_pool_number_enabled(self, number: str, enabled: bool) -> bool: ...

    def pool_status(self, now: datetime, city: str | None = None) -> list[PoolStatus]: ...

    def bind(self, new: NewBinding, *, max_pairs_per_x: int) -> Binding[bytes]:
        """Allocate X (and an extension for AXN) and store the binding, atomically.

        Raises :class:`sealpost.domain.calls.PoolExhaustedError` when no number can take the pair.
        """
        ...

    def get(self, binding_id: str) -> Binding[bytes] | None: ...

    def find_live(
        self, *, waybill_no: str, a_idx: bytes, b_idx: bytes, model: Model, now: datetime
    ) -> Binding[bytes] | None:
        """The live binding of this waybill between the same two parties, if there is one."""
        ...

    def unbind(self, binding_id: str, now: datetime) -> Binding[bytes]:
        """Release the binding now (idempotent); raises ``BindingNotFoundError``."""
        ...

    def route_entries(
        self, x: str, ext: str | None, caller_idx: bytes
    ) -> tuple[Model | None, list[RouteEntry[bytes, SealedCallee]]]:
        """X's model (``None`` if X is no enabled pool number) and its unreleased route entries.

        For AXB: the entry of ``caller_idx`` on X, if any. For AXN: the entries of ``(X, ext)``.
        One indexed query.
        """
        ...

    def add_call_record(self, record: CallRecord) -> bool:
        """Store a finished call; ``False`` if ``call_id`` was already reported (idempotent)."""
        ...

    def call_records(self, *, binding_id: str | None = None, limit: int = 100) -> list[CallRecord]: ...

    def sweep_expired(self, before: datetime) -> int:
        """Release every binding that expired before ``before``; its sealed numbers are deleted."""
        ...

    def purge(self, *, records_before: datetime, bindings_released_before: datetime) -> tuple[int, int]:
        """Delete released bindings and call records older than the cut-offs.

        Returns ``(bindings_deleted, records_deleted)``.
        """
        ...
