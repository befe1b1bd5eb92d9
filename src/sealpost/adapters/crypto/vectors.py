"""Test vectors for ``docs/protocols/crypto.md``, made from fixed keys through the real code paths.

``python -m sealpost.adapters.crypto.vectors`` prints them as JSON; a test checks that the vectors
in the document still match (and that every vector opens / verifies). SM2 signatures are
randomised, so for ``gm`` the signature vector is checked by verifying it, not by comparing bytes.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import date
from typing import Any

from sealpost.adapters.crypto.blind_index import BlindIndexer
from sealpost.adapters.crypto.field_cipher import encode_field_ciphertext
from sealpost.adapters.crypto.session import TerminalSession, session_id
from sealpost.adapters.crypto.suites import GmSuite, IntlSuite, get_suite

PLAINTEXT = "测试 test vector".encode()
AAD = b"example-aad"
INFO = b"sealpost/example"
RECORD_ID = "01900000-0000-7000-8000-000000000000"
FIELD = "recipient_name"
DAY = date(2026, 11, 28)
FIELD_NONCE = bytes(range(12))
SESSION_RECORDS = ("第一条 record 1".encode(), "第二条 record 2".encode())


def fixed(label: str) -> bytes:
    """A fixed 32-byte secret: SHA-256 of ``"sealpost test vector " + label``."""
    return hashlib.sha256(b"sealpost test vector " + label.encode()).digest()


def vectors(suite: IntlSuite | GmSuite) -> dict[str, Any]:
    recipient_private = fixed("recipient")
    recipient_public = suite.agreement_public_key(recipient_private)
    eph_private = fixed("ephemeral")
    sealed = suite.seal(recipient_public, PLAINTEXT, AAD, INFO, ephemeral_private=eph_private)

    signing_private = fixed("signing")
    signing_public = suite.signing_public_key(signing_private)
    signature = suite.sign(signing_private, PLAINTEXT)

    data_key = fixed("data key")[: suite.aead_key_size]
    field_ct = encode_field_ciphertext(suite, data_key, DAY, FIELD_NONCE, RECORD_ID, FIELD, PLAINTEXT)

    session = TerminalSession(suite, recipient_public, ephemeral_private=fixed("session ephemeral"))
    records = [session.seal(r) for r in SESSION_RECORDS]

    bi_key = fixed("blind index key")
    blind = BlindIndexer(suite, bi_key, "0" * 16)

    def hx(b: bytes) -> str:
        return b.hex()

    return {
        "suite": suite.name,
        "suite_id": suite.suite_id,
        "sealed_box": {
            "recipient_private": hx(recipient_private),
            "recipient_public": hx(recipient_public),
            "recipient_kid": suite.key_id(recipient_public),
            "ephemeral_private": hx(eph_private),
            "plaintext_utf8": PLAINTEXT.decode(),
            "aad": hx(AAD),
            "info": hx(INFO),
            "sealed": hx(sealed),
        },
        "signature": {
            "private": hx(signing_private),
            "public": hx(signing_public),
            "kid": suite.key_id(signing_public),
            "message_utf8": PLAINTEXT.decode(),
            "signature": hx(signature),
        },
        "field_ciphertext": {
            "data_key": hx(data_key),
            "day": DAY.isoformat(),
            "nonce": hx(FIELD_NONCE),
            "record_id": RECORD_ID,
            "field": FIELD,
            "plaintext_utf8": PLAINTEXT.decode(),
            "ciphertext": hx(field_ct),
        },
        "session": {
            "platform_private": hx(recipient_private),
            "platform_public": hx(recipient_public),
            "ephemeral_private": hx(fixed("session ephemeral")),
            "header": hx(session.header),
            "session_id": hx(session_id(suite, session.header)),
            "records": [
                {"counter": i + 1, "plaintext_utf8": p.decode(), "record": hx(r)}
                for i, (p, r) in enumerate(zip(SESSION_RECORDS, records, strict=True))
            ],
        },
        "blind_index": {
            "key": hx(bi_key),
            "tokens": [
                {
                    "kind": "phone",
                    "value": "+86 138-1234-5678",
                    "token": hx(blind.index("phone", "+86 138-1234-5678")),
                },
                {"kind": "phone", "value": "13812345678", "token": hx(blind.index("phone", "13812345678"))},
                {
                    "kind": "id_number",
                    "value": "11010519491231002x",
                    "token": hx(blind.index("id_number", "11010519491231002x")),
                },
            ],
        },
    }


def all_vectors() -> list[dict[str, Any]]:
    return [vectors(get_suite("intl")), vectors(get_suite("gm"))]


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(json.dumps(all_vectors(), indent=2, ensure_ascii=False) + "\n")
