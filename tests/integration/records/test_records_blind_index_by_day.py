"""SQLite's blind-index indexes lead with the UTC day a record was received (migration
records_0003): a look-up by token names its days and is answered by one index seek per day."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from records_support import SimTerminal, issue_ref, parsed, personal, sealed_batch
from sealpost.bootstrap import Container
from sealpost.services.ingest import Source

LOOKUP = (
    "SELECT record_id FROM records WHERE substr(received_at, 1, 10) IN (?, ?)"
    " AND bi_recipient_phone = ? ORDER BY record_id"
)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_token_is_found_by_its_days_through_the_day_led_index(
    container: Container, terminal: SimTerminal
) -> None:
    courier = terminal.terminal.courier_id
    phones = ["13912340001", "13912340002", "13912340001"]
    items = [
        (terminal.meta(identity_ref=issue_ref(container, courier).ref), personal(recipient_phone=p))
        for p in phones
    ]
    outcome = container.ingestor.ingest(
        parsed(sealed_batch(terminal.session(), items)), Source("terminal", terminal.terminal.terminal_id)
    )
    assert outcome.stored == 3
    today = container.clock.now().date().isoformat()
    token = container.crypto.blind.index("phone", "13912340001")
    with container.engine.connect() as conn:
        plan = " ".join(
            str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + LOOKUP, ("x", "y", token))
        )
        found = [r[0] for r in conn.exec_driver_sql(LOOKUP, (today, "1999-01-01", token))]
        elsewhere = conn.exec_driver_sql(LOOKUP, ("1999-01-01", "1999-01-02", token)).all()
        names = {r[0] for r in conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'index'"))}
    assert "USING INDEX ix_records_day_bi_recipient_phone" in plan
    expected = sorted(items[i][0]["record_id"].replace("-", "") for i in (0, 2))
    assert found == expected
    assert elsewhere == []
    assert {"ix_records_day_bi_sender_id_number", "ix_records_day_bi_sender_phone"} <= names
    assert not {n for n in names if n.startswith("ix_records_bi_")}  # the token-only indexes are gone
