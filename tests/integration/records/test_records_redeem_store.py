"""The store redeems a batch's identity references in its transaction: each one once, for its
courier only; a reference that cannot be redeemed fails the whole batch (nothing written)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from records_support import issue_ref
from sealpost.adapters.db.tables.records import identity_refs, receipt_batches
from sealpost.bootstrap import Container
from sealpost.ports.records import Redemption, SignedBatch, StoreConflict


def _batch(container: Container) -> SignedBatch:
    return SignedBatch(
        batch_id=str(uuid.uuid4()),
        signed_at=container.clock.now(),
        source_kind="terminal",
        source_id="t-1",
        root=b"\x01" * 32,
        tree_size=1,
        kid="k1",
        alg="Ed25519",
        signature=b"\x02" * 64,
        leaf_hashes=b"\x01" * 32,
    )


def _redeemed(container: Container) -> dict[str, str | None]:
    with container.engine.connect() as conn:
        rows = conn.execute(sa.select(identity_refs.c.ref, identity_refs.c.record_id))
        return {ref: (str(rid) if rid is not None else None) for ref, rid in rows}


def _batches(container: Container) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(receipt_batches)).scalar_one())


def test_references_are_redeemed_once_for_their_courier(container: Container) -> None:
    a, b = (issue_ref(container, "c-1").ref for _ in range(2))
    ra, rb = str(uuid.uuid4()), str(uuid.uuid4())
    now = container.clock.now()
    store = container.records
    store.save_batch(
        _batch(container), [], redemptions=[Redemption(a, "c-1", ra), Redemption(b, "c-1", rb)], now=now
    )
    assert _redeemed(container) == {a: ra, b: rb}
    with container.engine.connect() as conn:  # stored in the column's own form: reads back exact
        times = conn.execute(sa.select(identity_refs.c.redeemed_at).where(identity_refs.c.ref.in_([a, b])))
        assert [t for (t,) in times] == [now, now]
    assert container.identity_refs.lookup([a])[a].redeemed_at == now
    # Again (a concurrent batch that lost the race): the whole batch fails, nothing is written.
    fresh = issue_ref(container, "c-1").ref
    with pytest.raises(StoreConflict):
        store.save_batch(
            _batch(container),
            [],
            redemptions=[
                Redemption(fresh, "c-1", str(uuid.uuid4())),
                Redemption(a, "c-1", str(uuid.uuid4())),
            ],
            now=now,
        )
    assert _redeemed(container)[fresh] is None
    assert _redeemed(container)[a] == ra
    assert _batches(container) == 1
    # Another courier's reference, or one used twice in one batch, fails the same way.
    with pytest.raises(StoreConflict):
        store.save_batch(
            _batch(container), [], redemptions=[Redemption(fresh, "c-2", str(uuid.uuid4()))], now=now
        )
    with pytest.raises(StoreConflict):
        store.save_batch(
            _batch(container),
            [],
            redemptions=[
                Redemption(fresh, "c-1", str(uuid.uuid4())),
                Redemption(fresh, "c-1", str(uuid.uuid4())),
            ],
            now=now,
        )
    assert _redeemed(container)[fresh] is None
    assert _batches(container) == 1
