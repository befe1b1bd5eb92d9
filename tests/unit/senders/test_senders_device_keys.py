"""Device keys: P-256 public key forms, key ids, and r||s signatures as WebCrypto makes them."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from sealpost.adapters.device_keys import InvalidDeviceKeyError, P256DeviceSignatures

SIGS = P256DeviceSignatures()


def _raw_sign(key: ec.EllipticCurvePrivateKey, message: bytes) -> bytes:
    r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def test_public_key_forms_normalise_to_the_uncompressed_point() -> None:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    compressed = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
    spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    for form in (point, compressed, spki):
        assert SIGS.normalize_public_key("ES256", form) == point
    assert SIGS.key_id(point) == hashlib.sha256(point).digest()[:8].hex()


@pytest.mark.parametrize(
    "bad",
    [b"", b"\x04" + b"\x00" * 64, b"\x05" + b"\x01" * 64, b"not a key at all"],
)
def test_invalid_public_keys_are_refused(bad: bytes) -> None:
    with pytest.raises(InvalidDeviceKeyError):
        SIGS.normalize_public_key("ES256", bad)


def test_other_curves_are_refused() -> None:
    other = ec.generate_private_key(ec.SECP384R1()).public_key()
    spki = other.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(InvalidDeviceKeyError):
        SIGS.normalize_public_key("ES256", spki)


def test_signatures_verify_and_forgeries_do_not() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    point = SIGS.normalize_public_key(
        "ES256",
        key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        ),
    )
    sig = _raw_sign(key, b"message")
    assert SIGS.verify("ES256", point, b"message", sig)
    assert not SIGS.verify("ES256", point, b"messagE", sig)
    assert not SIGS.verify("ES256", point, b"message", sig[:-1] + bytes([sig[-1] ^ 1]))
    assert not SIGS.verify("ES256", point, b"message", sig[:63])
    assert not SIGS.verify("ES256", point, b"message", b"\x00" * 64)
    other = ec.generate_private_key(ec.SECP256R1())
    assert not SIGS.verify("ES256", point, b"message", _raw_sign(other, b"message"))
