"""Enterprise relay (总对总): an express company forwards its terminals' sealed records unchanged.

The enterprise cannot open what it relays: the records are sealed to the platform under the
terminals' session keys, and their clear metadata is authenticated with them (AEAD associated
data), so the relay can neither read nor alter a record. What the enterprise keeps — in its own
store, :class:`~sealpost.ports.relay.EnterpriseStore` — is the outcome per record: the waybill
number, the masked views from the platform's signed receipt, or the reason it was refused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sealpost.ports.clock import Clock
from sealpost.ports.relay import EnterpriseStore, RelayEntry
from sealpost.ports.terminals import EnterpriseClient
from sealpost.services.ingest import BatchOutcome, Ingestor, SealedBatch, Source


def _uuid(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


@dataclass
class Relay:
    ingestor: Ingestor
    store: EnterpriseStore
    clock: Clock

    def relay(self, client: EnterpriseClient, batch: SealedBatch) -> BatchOutcome:
        """Forward ``batch`` as received; keep only waybill numbers and masked views."""
        outcome = self.ingestor.ingest(batch, Source("enterprise", client.client_id, client.company))
        now = self.clock.now()
        entries: dict[str, RelayEntry] = {}
        for _, receipt in outcome.receipts:
            entries[receipt["record_id"]] = RelayEntry(
                client_id=client.client_id,
                record_id=receipt["record_id"],
                company=receipt["company"],
                status="accepted",
                relayed_at=now,
                waybill_no=receipt["waybill_no"],
                masked=receipt["masked"],
                received_at=_received(receipt),
            )
        for rejection in outcome.rejected:
            record_id = _uuid(rejection.record_id)
            if record_id is None or record_id in entries:
                continue
            meta = batch.records[rejection.index].meta
            waybill = meta.get("waybill_no")
            entries[record_id] = RelayEntry(
                client_id=client.client_id,
                record_id=record_id,
                company=client.company,
                status="rejected",
                relayed_at=now,
                waybill_no=waybill if isinstance(waybill, str) and len(waybill) <= 40 else None,
                reason=rejection.reason,
            )
        self.store.save(list(entries.values()))
        return outcome


def _received(receipt: dict[str, Any]) -> Any:
    from sealpost.domain.records import parse_time

    return parse_time(receipt["received_at"])
