"""Benchmark: the crypto layer's rates on one core, against raw primitives measured in the same run.

Figures: sealed box seal/open, platform sign/verify, terminal session seal/open, field
encrypt/decrypt (per-day key, AAD, cache lookup) against raw AEAD on the same 300-byte plaintext,
and blind-index tokens against a raw HMAC. The ratios show what the layer costs over the primitive.
"""

from __future__ import annotations

import hmac
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sealpost.adapters.crypto import CryptoKit, InMemoryDataKeyRepository
from sealpost.bench.report import report

RID = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
FIELD_PLAINTEXT = ("张三 北京市海淀区中关村大街1号 13800001111 " * 6).encode()[:300]


def _rate(fn: Callable[[int], object], n: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - started)


def run(suite: str, asymmetric_ops: int, symmetric_ops: int) -> None:
    with tempfile.TemporaryDirectory(prefix="sealpost-bench-") as tmp:
        kit = CryptoKit.open(
            Path(tmp) / "keyring", "bench passphrase", InMemoryDataKeyRepository(), suite=suite
        )
        s = kit.suite
        public = kit.sealing_public_key()
        box = s.seal(public, FIELD_PLAINTEXT[:120])
        message = FIELD_PLAINTEXT[:200]
        signature = kit.sign(message)
        session = kit.terminal_session()
        records = [session.seal(FIELD_PLAINTEXT) for _ in range(symmetric_ops)]
        kit.open_session_record(session.header, records[0])  # derive and cache the session key once
        kit.fields.ensure_day(kit.fields.today())
        field_ct = kit.fields.encrypt(RID, "recipient_address", FIELD_PLAINTEXT)
        raw_key = os.urandom(s.aead_key_size)
        raw = s.aead(raw_key)
        nonce = os.urandom(12)
        bi_key = os.urandom(32)

        figures: dict[str, object] = {"suite": suite}
        figures["seal_per_s"] = round(_rate(lambda _: s.seal(public, FIELD_PLAINTEXT[:120]), asymmetric_ops))
        figures["open_per_s"] = round(_rate(lambda _: kit.open_sealed(box), asymmetric_ops))
        figures["sign_per_s"] = round(_rate(lambda _: kit.sign(message), asymmetric_ops))
        figures["verify_per_s"] = round(
            _rate(lambda _: kit.verify(signature.kid, message, signature.value), asymmetric_ops)
        )
        figures["session_seal_per_s"] = round(_rate(lambda _: session.seal(FIELD_PLAINTEXT), symmetric_ops))
        figures["session_open_per_s"] = round(
            _rate(lambda i: kit.open_session_record(session.header, records[i]), symmetric_ops)
        )
        raw_rate = _rate(lambda _: raw.encrypt(nonce, FIELD_PLAINTEXT, b"record-id/field"), symmetric_ops)
        enc_rate = _rate(
            lambda _: kit.fields.encrypt(RID, "recipient_address", FIELD_PLAINTEXT),
            symmetric_ops,
        )
        dec_rate = _rate(
            lambda _: kit.fields.decrypt(RID, "recipient_address", field_ct),
            symmetric_ops,
        )
        figures["raw_aead_300b_per_s"] = round(raw_rate)
        figures["field_encrypt_300b_per_s"] = round(enc_rate)
        figures["field_decrypt_300b_per_s"] = round(dec_rate)
        figures["field_encrypt_ratio_to_raw"] = round(enc_rate / raw_rate, 3)
        raw_mac = _rate(lambda _: hmac.digest(bi_key, b"13800001111", "sha256"), symmetric_ops)
        bi_rate = _rate(lambda _: kit.blind.index("phone", "+86 138-0000-1111"), symmetric_ops)
        figures["raw_hmac_sha256_per_s"] = round(raw_mac)
        figures["blind_index_per_s"] = round(bi_rate)
        figures["blind_index_ratio_to_raw_hmac"] = round(bi_rate / raw_mac, 3)
        session.close()
    report(f"crypto ({suite})", figures)
