"""Storage of collection records and their signed receipts (the ingest pipeline's port).

The ingest service hands a whole signed batch to :meth:`RecordStore.save_batch`, which must write
it in ONE transaction: the batch row, every record row, the identity references it redeems and
the regulator events it raises. Either all of it is durable when the call returns, or none of it
is. A unique key on ``record_id`` (and on the waybill number per company) makes a concurrent
duplicate fail the whole call with :class:`StoreConflict`; the service then re-reads and retries,
so a record is stored once however often it is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sealpost.domain.events import RegulatorEvent

#: A batch's records column by column: every column of the record layout (``records`` table)
#: → one value per record, all of the same length (the ingest loop builds them as lists).
RecordColumns = Mapping[str, Sequence[Any]]


class StoreConflict(Exception):  # noqa: N818 - a signal to retry, not an error to report
    """A record id, waybill number or identity reference was taken by a concurrent writer."""


@dataclass(frozen=True, slots=True)
class SignedBatch:
    """One receipt batch: the Merkle root over its receipts and the platform's signature on it."""

    batch_id: str
    signed_at: datetime
    source_kind: str
    source_id: str
    root: bytes
    tree_size: int
    kid: str
    alg: str
    signature: bytes = field(repr=False)
    leaf_hashes: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class Redemption:
    """An identity reference used by a record of the batch."""

    ref: str
    courier_id: str
    record_id: str


class RecordStore(Protocol):
    def find_receipts(self, record_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Complete signed receipts (with proof) of the records among ``record_ids`` already stored."""
        ...

    def taken_waybills(self, pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """The ``(company, waybill_no)`` pairs already used by a stored record."""
        ...

    def save_batch(
        self,
        batch: SignedBatch,
        columns: RecordColumns,
        *,
        redemptions: Sequence[Redemption] = (),
        events: Sequence[RegulatorEvent] = (),
        now: datetime,
    ) -> None:
        """Write everything in one transaction; raise :class:`StoreConflict` on a duplicate."""
        ...

    def record_ids_by_waybill(
        self, company: str, waybill_nos: Iterable[str]
    ) -> dict[str, tuple[str, str | None]]:
        """waybill number → (record id, agreement customer id) for those already stored for ``company``."""
        ...

    def get_receipt(self, record_id: str) -> dict[str, Any] | None: ...

    def get_by_waybill(self, no: str) -> dict[str, Any] | None: ...
