"""The test vectors in docs/protocols/crypto.md: still what the code makes, and what the page describes.

The ``intl`` layouts are re-implemented here directly on ``cryptography`` from the page's text, so a
change to the code that the page does not describe fails.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import struct
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sealpost.adapters.crypto import BlindIndexer, FieldCipher, InMemoryDataKeyRepository, Keyring, get_suite
from sealpost.adapters.crypto.field_cipher import data_key_context
from sealpost.adapters.crypto.session import SessionOpener
from sealpost.adapters.crypto.vectors import all_vectors, vectors

DOC = Path(__file__).resolve().parents[3] / "docs" / "protocols" / "crypto.md"


def _doc_vectors() -> list[dict[str, Any]]:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- vectors:begin -->\s*```json\n(.*?)```\s*<!-- vectors:end -->", text, re.S)
    assert match, "vectors block missing from docs/protocols/crypto.md"
    data: list[dict[str, Any]] = json.loads(match.group(1))
    return data


def _without_gm_signature(vs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = json.loads(json.dumps(vs))
    for v in out:
        if v["suite"] == "gm":
            v["signature"]["signature"] = "(randomised)"
    return out


def test_doc_vectors_match_the_code() -> None:
    assert _without_gm_signature(_doc_vectors()) == _without_gm_signature(all_vectors())


@pytest.mark.parametrize("index", [0, 1])
def test_doc_vectors_open_and_verify(index: int) -> None:
    v = _doc_vectors()[index]
    suite = get_suite(v["suite"])
    box = v["sealed_box"]
    plaintext = suite.open(
        bytes.fromhex(box["recipient_private"]),
        bytes.fromhex(box["sealed"]),
        bytes.fromhex(box["aad"]),
        bytes.fromhex(box["info"]),
    )
    assert plaintext.decode() == box["plaintext_utf8"]
    sig = v["signature"]
    suite.verify(bytes.fromhex(sig["public"]), sig["message_utf8"].encode(), bytes.fromhex(sig["signature"]))
    assert suite.key_id(bytes.fromhex(sig["public"])) == sig["kid"]


@pytest.mark.parametrize("index", [0, 1])
def test_doc_vectors_through_the_platform_objects(index: int, tmp_path: Path) -> None:
    v = _doc_vectors()[index]
    suite = get_suite(v["suite"])
    ring = Keyring.open_or_create(tmp_path / "k", "pw", suite=suite.name, scrypt_n=2**10)
    # field ciphertext: store the vector's data key as that day's key
    f = v["field_ciphertext"]
    repo = InMemoryDataKeyRepository()
    from datetime import date

    day = date.fromisoformat(f["day"])
    repo.insert_if_absent(
        day,
        suite=suite.name,
        kek_kid=ring.kek_kid,
        wrapped=ring.wrap(bytes.fromhex(f["data_key"]), data_key_context(suite.name, day)),
        created_at=ring.describe()[0].created_at,
    )
    cipher = FieldCipher(suite, ring, repo)
    assert (
        cipher.decrypt_text(f["record_id"], f["field"], bytes.fromhex(f["ciphertext"])) == f["plaintext_utf8"]
    )
    # session records: a key store that holds the vector's platform key
    s = v["session"]

    class VectorKeys:
        def public_sealing_keys(self) -> dict[str, bytes]:
            public = bytes.fromhex(s["platform_public"])
            return {suite.key_id(public): public}

        def agree(self, kid: str, peer: bytes) -> bytes:
            return suite.agree(bytes.fromhex(s["platform_private"]), peer)

    opener = SessionOpener(suite, VectorKeys())  # type: ignore[arg-type]
    for r in s["records"]:
        assert (
            opener.open(bytes.fromhex(s["header"]), bytes.fromhex(r["record"])).decode()
            == r["plaintext_utf8"]
        )
    # blind index
    b = v["blind_index"]
    bi = BlindIndexer(suite, bytes.fromhex(b["key"]), "0" * 16)
    for t in b["tokens"]:
        assert bi.index(t["kind"], t["value"]).hex() == t["token"]


def _hkdf(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    return HKDF(hashes.SHA256(), length, salt, info).derive(ikm)


def test_intl_layouts_as_written_on_the_page() -> None:
    v = vectors(get_suite("intl"))
    # sealed box
    box = v["sealed_box"]
    sealed = bytes.fromhex(box["sealed"])
    recipient_private = X25519PrivateKey.from_private_bytes(bytes.fromhex(box["recipient_private"]))
    recipient_public = bytes.fromhex(box["recipient_public"])
    assert sealed[:3] == b"\x01\x01\x01"
    assert sealed[3:11] == hashlib.sha256(recipient_public).digest()[:8]
    eph = sealed[11:43]
    shared = recipient_private.exchange(X25519PublicKey.from_public_bytes(eph))
    okm = _hkdf(shared, eph + recipient_public, b"sealpost/v1/seal\x00" + bytes.fromhex(box["info"]), 44)
    plain = AESGCM(okm[:32]).decrypt(okm[32:], sealed[43:], sealed[:43] + bytes.fromhex(box["aad"]))
    assert plain.decode() == box["plaintext_utf8"]
    # field ciphertext
    f = v["field_ciphertext"]
    ct = bytes.fromhex(f["ciphertext"])
    assert ct[:3] == b"\x01\x01\x02"
    assert struct.unpack(">I", ct[3:7])[0] == 20785  # 2026-11-28 is day 20785 since 1970-01-01
    rid, field = f["record_id"].encode(), f["field"].encode()
    aad = ct[:7] + struct.pack(">H", len(rid)) + rid + struct.pack(">H", len(field)) + field
    assert (
        AESGCM(bytes.fromhex(f["data_key"])).decrypt(ct[7:19], ct[19:], aad).decode() == f["plaintext_utf8"]
    )
    # session
    s = v["session"]
    header = bytes.fromhex(s["header"])
    platform_public = bytes.fromhex(s["platform_public"])
    assert header[:3] == b"\x01\x01\x03" and header[3:11] == hashlib.sha256(platform_public).digest()[:8]
    shared = recipient_private.exchange(X25519PublicKey.from_public_bytes(header[11:]))
    key = _hkdf(shared, header[11:] + platform_public, b"sealpost/v1/session\x00", 32)
    sid = hashlib.sha256(header).digest()[:16]
    for r in s["records"]:
        rec = bytes.fromhex(r["record"])
        assert rec[:3] == b"\x01\x01\x04" and rec[3:19] == sid
        assert int.from_bytes(rec[19:27], "big") == r["counter"]
        assert (
            AESGCM(key).decrypt(b"\x00" * 4 + rec[19:27], rec[27:], rec[:27]).decode() == r["plaintext_utf8"]
        )
    # blind index
    b = v["blind_index"]
    subkey = hmac.digest(bytes.fromhex(b["key"]), b"sealpost/v1/blind-index/phone", "sha256")
    assert hmac.digest(subkey, b"13812345678", "sha256")[:16].hex() == b["tokens"][1]["token"]
