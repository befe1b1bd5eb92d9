"""Sender device keys: ECDSA P-256 with SHA-256 ("ES256"), as WebCrypto makes them non-extractable.

Phones keep the private key in the platform key store (WebCrypto ``extractable: false`` in
IndexedDB, Android Keystore, iOS Secure Enclave: all support P-256). The platform stores the
public point and checks signatures in the IEEE P1363 form WebCrypto produces (``r || s``, 64 bytes).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from sealpost.errors import SealpostError
from sealpost.i18n import Text
from sealpost.ports.senders import DeviceAlgorithm

UNCOMPRESSED_SIZE = 65
_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


class InvalidDeviceKeyError(SealpostError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            "invalid_device_key",
            Text(f"设备公钥无效：{detail}", f"invalid device public key: {detail}"),
            status=422,
        )


@lru_cache(maxsize=65536)
def _public(point: bytes) -> ec.EllipticCurvePublicKey:
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)


class P256DeviceSignatures:
    """Implements :class:`sealpost.ports.senders.DeviceSignatures` for ``ES256``."""

    def normalize_public_key(self, algorithm: DeviceAlgorithm, public_key: bytes) -> bytes:
        if algorithm != "ES256":
            raise InvalidDeviceKeyError(f"unsupported algorithm {algorithm}")
        try:
            if public_key[:1] in (b"\x02", b"\x03", b"\x04") and len(public_key) in (33, 65):
                key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public_key)
            else:
                loaded = serialization.load_der_public_key(public_key)
                if not isinstance(loaded, ec.EllipticCurvePublicKey) or loaded.curve.name != "secp256r1":
                    raise InvalidDeviceKeyError("not a P-256 key")
                key = loaded
        except (ValueError, TypeError):
            raise InvalidDeviceKeyError("not a P-256 point or SPKI") from None
        return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)

    def key_id(self, public_key: bytes) -> str:
        return hashlib.sha256(public_key).digest()[:8].hex()

    def verify(self, algorithm: DeviceAlgorithm, public_key: bytes, message: bytes, signature: bytes) -> bool:
        if algorithm != "ES256" or len(signature) != 64:
            return False
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:], "big")
        if not (0 < r < _ORDER and 0 < s < _ORDER):
            return False
        try:
            _public(public_key).verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError):
            return False
        return True
