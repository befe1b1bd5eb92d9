"""Looking up identity references: the batch look-up (on PostgreSQL straight from the driver)
gives exactly what the table holds, decoded like any SQLAlchemy read of it."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from records_support import issue_ref
from sealpost.adapters.db.identity_refs_repo import _sender
from sealpost.adapters.db.tables.records import identity_refs
from sealpost.bootstrap import Container


def test_lookup_equals_a_plain_read_of_the_rows(container: Container) -> None:
    refs = [issue_ref(container, "c-1", source=("qr", "walk_in")[k % 2]).ref for k in range(5)]
    now = container.clock.now()
    record_id = str(uuid.uuid4())
    redeemed = container.identity_refs.redeem(refs[0], "c-1", now, record_id)
    found = container.identity_refs.lookup([*refs, "NO-SUCH-REF", refs[1]])
    with container.engine.connect() as conn:
        rows = conn.execute(sa.select(identity_refs).where(identity_refs.c.ref.in_(refs)))
        expected = {row.ref: _sender(row._mapping) for row in rows}
    assert found == expected
    assert set(found) == set(refs)
    first = found[refs[0]]
    assert first.redeemed_at == redeemed.redeemed_at and first.record_id == record_id
    assert first.issued_at.tzinfo is not None and first.expires_at > first.issued_at
    assert found[refs[1]].redeemed_at is None and found[refs[1]].record_id is None
    assert found[refs[1]].masked["name"] == "司马**" and isinstance(found[refs[1]].identity_enc, bytes)
    assert container.identity_refs.open_identity(found[refs[2]]).document_number == "11010519491231002X"
    assert container.identity_refs.lookup([]) == {}
