"""Test helpers for the delivery-calls area: an in-memory FieldSealer fake and small stores.

The fake sealer keeps the contract of the real one (AAD = record id + field; keyed, deterministic
blind index; no plaintext in what it returns) with standard-library primitives only, and counts
how often it decrypts so tests can check the routing hot path does one decryption.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any


class FakeSealer:
    def __init__(self, key: bytes = b"calls-test-key") -> None:
        self._key = key
        self.unseal_calls = 0
        self.seal_days: list[str] = []

    def _stream(self, record_id: str, field: str, n: int) -> bytes:
        out = b""
        counter = 0
        while len(out) < n:
            out += hashlib.sha256(self._key + f"{record_id}|{field}|{counter}".encode()).digest()
            counter += 1
        return out[:n]

    def _tag(self, record_id: str, field: str, body: bytes) -> bytes:
        return hmac.new(self._key, f"{record_id}|{field}|".encode() + body, hashlib.sha256).digest()[:16]

    def seal(self, value: str, *, record_id: str, field: str, at: datetime) -> bytes:
        self.seal_days.append(at.date().isoformat())
        raw = value.encode()
        body = bytes(a ^ b for a, b in zip(raw, self._stream(record_id, field, len(raw)), strict=True))
        return b"\x01" + body + self._tag(record_id, field, body)

    def unseal(self, blob: bytes, *, record_id: str, field: str) -> str:
        self.unseal_calls += 1
        body, tag = blob[1:-16], blob[-16:]
        if not hmac.compare_digest(tag, self._tag(record_id, field, body)):
            raise ValueError("AAD mismatch or tampered blob")
        return bytes(
            a ^ b for a, b in zip(body, self._stream(record_id, field, len(body)), strict=True)
        ).decode()

    def blind_index(self, kind: str, value: str) -> bytes:
        return hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).digest()[:16]


class DictRecipients:
    """RecipientPhones over a dict waybill_no → phone number."""

    def __init__(self, phones: dict[str, str] | None = None) -> None:
        self.phones = dict(phones or {})

    def recipient_phone(self, waybill_no: str, company: str | None = None) -> str | None:
        return self.phones.get(waybill_no)


class DictReceipts:
    """ReceiptStore over a dict waybill_no → receipt JSON object."""

    def __init__(self, receipts: dict[str, dict[str, Any]] | None = None) -> None:
        self.receipts = dict(receipts or {})

    def get_by_waybill(self, no: str) -> dict[str, Any] | None:
        return self.receipts.get(no)


def receipt(waybill_no: str = "EA123456785CN") -> dict[str, Any]:
    """A receipt in the shape of docs/protocols/receipt.md, masked the standard way."""
    return {
        "version": 1,
        "record_id": "01936f0e-7b1c-7cc0-8000-000000000001",
        "waybill_no": waybill_no,
        "company": "EMS",
        "collected_at": "2026-11-28T09:30:00.123Z",
        "received_at": "2026-11-28T09:30:00.456Z",
        "masked": {
            "sender": {"name": "张*", "phone": "*******5678", "address": "北京市朝阳区建国路**号"},
            "recipient": {
                "name": "欧阳**",
                "phone": "*******1234",
                "address": "上海市浦东新区世纪大道***号*号楼**室",
                "county_code": "310115",
            },
        },
        "item": {
            "name": "书籍",
            "category": "文件资料",
            "quantity": 1,
            "weight_g": 520,
            "declared_value_cny": 50,
        },
        "route": {"sort_code": "021-W12-03", "origin_county": "110105", "destination_county": "310115"},
        "marks": {"real_name": True, "inspected": True},
        "label_ref": "K3QJ5ZJ6XGQ2WABCDEFG234567",
        "proof": {"batch_root": "00", "path": [], "index": 0},
        "signature": {"kid": "0011223344556677", "alg": "Ed25519", "sig": "AAAA"},
    }
