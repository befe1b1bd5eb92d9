"""The identity QR test vector of docs/protocols/identity-qr.md, rebuilt and checked."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric import ec

from sealpost.adapters.crypto.suites import get_suite
from sealpost.adapters.device_keys import P256DeviceSignatures
from sealpost.client.identity_qr import SenderDevice
from sealpost.domain import identity_qr as qr
from sealpost.domain.base45 import b45decode

DOC = Path(__file__).parents[3] / "docs" / "protocols" / "identity-qr.md"


def _vector() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("## Test vector", 1)[1].split("```", 2)[1]
    return dict(re.findall(r"^(\w+): (.+)$", block, flags=re.MULTILINE))


def test_vector_rebuilds_from_its_inputs() -> None:
    v = _vector()
    key = ec.derive_private_key(int(v["device_private_scalar"], 16), ec.SECP256R1())
    platform_public = bytes.fromhex(v["platform_sealing_public"])
    device = SenderDevice(key, sender_id=UUID(v["sender_id"]), platform_sealing_key=platform_public)
    assert device.public_key().hex() == v["device_public_key"]
    assert device.kid == v["device_kid"]
    at = datetime.fromisoformat(v["time"])
    assert qr.time_step(at) == int(v["time_step"])
    payload = qr.IdentityQrPayload(
        bytes.fromhex(v["device_kid"]), UUID(v["sender_id"]), qr.time_step(at), bytes.fromhex(v["nonce"])
    )
    assert payload.signed_bytes().hex() == v["signed_bytes"]
    signature = bytes.fromhex(v["signature"])
    assert P256DeviceSignatures().verify("ES256", device.public_key(), payload.signing_message(), signature)
    suite = get_suite("intl")
    assert suite.agreement_public_key(bytes.fromhex(v["platform_sealing_private"])) == platform_public
    sealed = suite.seal(
        platform_public,
        qr.encode_payload(payload, signature),
        aad=qr.envelope_aad(qr.VERSION, qr.SUITE_ES256_X25519),
        info=qr.SEAL_INFO,
        ephemeral_private=bytes.fromhex(v["ephemeral_private"]),
    )
    text = qr.encode_text(qr.SUITE_ES256_X25519, sealed)
    assert b45decode(text[len(qr.SCHEME) :]).hex() == v["envelope"]
    assert text == v["qr_text"]
    assert len(text) == 256


def test_vector_opens_with_the_platform_key() -> None:
    v = _vector()
    version, suite_id, sealed = qr.decode_text(v["qr_text"])
    plaintext = get_suite("intl").open(
        bytes.fromhex(v["platform_sealing_private"]),
        sealed,
        aad=qr.envelope_aad(version, suite_id),
        info=qr.SEAL_INFO,
    )
    payload, signature = qr.decode_payload(plaintext, suite=suite_id)
    assert payload.sender_id == UUID(v["sender_id"])
    assert payload.time_step == int(v["time_step"])
    assert signature.hex() == v["signature"]
