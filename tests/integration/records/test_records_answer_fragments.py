"""A tree-form answer reuses each fresh receipt's canonical body (already serialised for its leaf
hash) instead of serialising the receipt again: the JSON must decode to exactly the receipts of
``receipt_list("tree")``, for fresh receipts, a record sent twice, and retried (stored) ones."""

from __future__ import annotations

import orjson

from records_support import SimTerminal, issue_ref, parsed, personal, sealed_batch
from sealpost.bootstrap import Container
from sealpost.services.ingest import Source


def test_answer_receipts_decode_to_the_receipts(container: Container, terminal: SimTerminal) -> None:
    source = Source("terminal", terminal.terminal.terminal_id)
    courier = terminal.terminal.courier_id
    old = [(terminal.meta(identity_ref=issue_ref(container, courier).ref), personal()) for _ in range(2)]
    container.ingestor.ingest(parsed(sealed_batch(terminal.session(), old)), source)
    new = [(terminal.meta(identity_ref=issue_ref(container, courier).ref), personal()) for _ in range(3)]
    items = [new[0], old[0], new[1], new[1], new[2], old[1]]  # new, retried and repeated records
    outcome = container.ingestor.ingest(parsed(sealed_batch(terminal.session(), items)), source)
    assert outcome.stored == 3 and outcome.duplicates == 2 and outcome.rejected == []
    for form in ("tree", "full"):
        answer = outcome.answer_receipts(form)
        assert orjson.loads(orjson.dumps(answer)) == outcome.receipt_list(form)
    fragments = [r for r in outcome.answer_receipts("tree") if isinstance(r, orjson.Fragment)]
    assert len(fragments) == 4  # the fresh receipts (one twice); the retried ones are whole dicts
