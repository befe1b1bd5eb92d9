"""Receipts under the Chinese commercial suite (SM2 signatures over an SM3 Merkle tree): a stored
receipt read back, and a retried record's receipt, are the receipt first given (the store
rebuilds the batch's tree with the batch's own hash, not SHA-256)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from records_support import (
    issue_ref,
    make_container,
    make_settings,
    parsed,
    personal,
    register_terminal,
    sealed_batch,
)
from sealpost.bootstrap import Container
from sealpost.client.receipts import verify_receipt
from sealpost.services.ingest import Source


@pytest.fixture
def gm_container(tmp_path: Path, db_url: str) -> Iterator[Container]:
    c = make_container(make_settings(tmp_path / "data", db_url, crypto_suite="gm"))
    yield c
    c.close()


def test_gm_receipts_read_back_and_retried_are_the_same(gm_container: Container) -> None:
    c = gm_container
    t = register_terminal(c)
    items = [(t.meta(identity_ref=issue_ref(c, t.terminal.courier_id).ref), personal()) for _ in range(3)]
    source = Source("terminal", t.terminal.terminal_id)
    first = c.ingestor.ingest(parsed(sealed_batch(t.session(), items)), source).receipt_list()
    assert [r["signature"]["alg"] for r in first] == ["SM2"] * 3
    keys = c.crypto.public_signing_keys()
    for receipt in first:
        verify_receipt(receipt, keys)
        assert c.records.get_receipt(receipt["record_id"]) == receipt
    again = c.ingestor.ingest(parsed(sealed_batch(t.session(), items)), source)
    assert again.duplicates == 3 and again.receipt_list() == first
