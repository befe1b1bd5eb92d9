"""docs/examples/receipt.json is a real receipt made by the system: its signature and proof verify."""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sealpost.client.receipts import ReceiptInvalidError, verify_receipt
from sealpost.domain.labels import LabelContent

EXAMPLES = Path(__file__).parents[3] / "docs" / "examples"


def _keys() -> dict[str, bytes]:
    doc = json.loads((EXAMPLES / "platform-keys.json").read_text(encoding="utf-8"))
    return {kid: base64.b64decode(key) for kid, key in doc["signing_keys"].items()}


def test_example_receipt_verifies_and_is_masked() -> None:
    receipt = json.loads((EXAMPLES / "receipt.json").read_text(encoding="utf-8"))
    verify_receipt(receipt, _keys())
    tampered = copy.deepcopy(receipt)
    tampered["masked"]["recipient"]["phone"] = "*******0000"
    with pytest.raises(ReceiptInvalidError):
        verify_receipt(tampered, _keys())
    # The label printer accepts it: masked forms only.
    LabelContent.from_receipt(receipt, printed_at=datetime(2026, 11, 28, 12, 0, tzinfo=UTC))
