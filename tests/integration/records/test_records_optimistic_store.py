"""The optimistic first attempt of ingest: a batch of new records is stored without looking up
stored record ids and waybill numbers first; a batch that meets a stored one is redone carefully,
with the same outcome as before and nothing written twice or half-written."""

from __future__ import annotations

from typing import Any

import pytest

from records_support import SimTerminal, issue_ref, parsed, personal, register_terminal, sealed_batch
from sealpost.bootstrap import Container
from sealpost.services.ingest import Source


def _source(t: SimTerminal) -> Source:
    return Source("terminal", t.terminal.terminal_id)


def _meta(container: Container, t: SimTerminal, **overrides: Any) -> dict[str, Any]:
    return t.meta(identity_ref=issue_ref(container, t.terminal.courier_id).ref, **overrides)


def test_a_fresh_batch_skips_the_lookups(
    container: Container, terminal: SimTerminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    store = container.records
    for name in ("find_receipts", "taken_waybills"):
        original = getattr(store, name)

        def spy(*args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(store, name, spy)
    items = [(_meta(container, terminal), personal()) for _ in range(3)]
    outcome = container.ingestor.ingest(parsed(sealed_batch(terminal.session(), items)), _source(terminal))
    assert outcome.stored == 3 and outcome.rejected == []
    assert calls == []
    # A retry of the same records meets them in the store: the careful attempt looks them up.
    again = container.ingestor.ingest(parsed(sealed_batch(terminal.session(), items)), _source(terminal))
    assert again.duplicates == 3 and again.stored == 0
    assert again.receipt_list() == outcome.receipt_list()
    assert "find_receipts" in calls
    assert container.records.count() == 3


def test_a_taken_waybill_number_is_refused_and_the_rest_stored_once(
    container: Container, terminal: SimTerminal
) -> None:
    session = terminal.session()
    first = [(_meta(container, terminal), personal())]
    container.ingestor.ingest(parsed(sealed_batch(session, first)), _source(terminal))
    taken = first[0][0]["waybill_no"]
    batch = [
        (_meta(container, terminal), personal()),
        (_meta(container, terminal, waybill_no=taken), personal()),
        (_meta(container, terminal), personal()),
    ]
    outcome = container.ingestor.ingest(parsed(sealed_batch(session, batch)), _source(terminal))
    assert [(r.index, r.reason) for r in outcome.rejected] == [(1, "waybill_duplicate")]
    assert [i for i, _ in outcome.receipts] == [0, 2]
    assert outcome.stored == 2 and outcome.duplicates == 0
    assert container.records.count() == 3


def test_a_record_id_stored_by_another_company_is_refused_without_leaking_its_receipt(
    container: Container, terminal: SimTerminal
) -> None:
    other = register_terminal(container, company="SF", outlet="SZ-NS-001", courier_id="c-2001")
    mine = (_meta(container, terminal), personal())
    container.ingestor.ingest(parsed(sealed_batch(terminal.session(), [mine])), _source(terminal))
    stolen = _meta(container, other, record_id=mine[0]["record_id"])
    fresh = _meta(container, other)
    outcome = container.ingestor.ingest(
        parsed(sealed_batch(other.session(), [(stolen, personal()), (fresh, personal())])), _source(other)
    )
    assert [(r.index, r.reason) for r in outcome.rejected] == [(0, "record_id_invalid")]
    assert [r["company"] for r in outcome.receipt_list()] == ["SF"]
    assert container.records.count() == 2
