"""The sender phone's side of the identity QR, in Python (tests, the simulator, native-app reference).

A :class:`SenderDevice` holds the phone's ECDSA P-256 device key (non-extractable in a real phone's
key store; in memory or a PEM file here), the ``sender_id`` the platform assigned at enrollment and
the platform's public sealing key. :meth:`SenderDevice.identity_qr` makes the code to show now:
offline, a fresh one each 30-second step, each sealed anew so that two codes share no bytes.

The byte layout is ``docs/protocols/identity-qr.md``; the browser implementation is
``sealpost/web/sender/identity-qr.js``. Both must produce codes the platform accepts.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from uuid import UUID

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from sealpost.adapters.crypto.suites import get_suite
from sealpost.domain import identity_qr as qr
from sealpost.services.device_auth import DeviceAuthorization, b64url, request_message


class SenderDevice:
    """A sender's phone: its device key, its sender id, the platform's sealing key."""

    def __init__(
        self,
        private_key: ec.EllipticCurvePrivateKey,
        *,
        sender_id: UUID | None = None,
        platform_sealing_key: bytes | None = None,
    ) -> None:
        self._key = private_key
        self.sender_id = sender_id
        self.platform_sealing_key = platform_sealing_key

    # ------------------------------------------------------------------ keys
    @classmethod
    def generate(cls, *, platform_sealing_key: bytes | None = None) -> SenderDevice:
        return cls(ec.generate_private_key(ec.SECP256R1()), platform_sealing_key=platform_sealing_key)

    @classmethod
    def from_pem(
        cls, pem: bytes, *, sender_id: UUID | None = None, platform_sealing_key: bytes | None = None
    ) -> SenderDevice:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise ValueError("not a P-256 private key")
        return cls(key, sender_id=sender_id, platform_sealing_key=platform_sealing_key)

    def private_pem(self) -> bytes:
        return self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def public_key(self) -> bytes:
        """The uncompressed P-256 point (65 bytes), as sent at enrollment."""
        return self._key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )

    @property
    def kid(self) -> str:
        """16 hex characters: the first 8 bytes of SHA-256 of the public point."""
        return hashlib.sha256(self.public_key()).digest()[:8].hex()

    def sign(self, message: bytes) -> bytes:
        """ECDSA P-256 / SHA-256 signature as ``r || s`` (64 bytes), like WebCrypto."""
        r, s = decode_dss_signature(self._key.sign(message, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    # ------------------------------------------------------------------ identity QR
    def identity_qr(
        self,
        at: datetime | None = None,
        *,
        nonce: bytes | None = None,
        ephemeral_private: bytes | None = None,
    ) -> str:
        """The QR text to show at ``at`` (now by default).

        ``nonce`` and ``ephemeral_private`` exist only to reproduce the documented test vectors;
        leave them out otherwise.
        """
        if self.sender_id is None or self.platform_sealing_key is None:
            raise ValueError("enroll first: the sender id and the platform's sealing key are needed")
        at = at or datetime.now(UTC)
        payload = qr.IdentityQrPayload(
            device_kid=bytes.fromhex(self.kid),
            sender_id=self.sender_id,
            time_step=qr.time_step(at),
            nonce=nonce if nonce is not None else os.urandom(qr.NONCE_SIZE),
        )
        plaintext = qr.encode_payload(payload, self.sign(payload.signing_message()))
        suite = qr.SUITE_ES256_X25519
        sealed = get_suite("intl").seal(
            self.platform_sealing_key,
            plaintext,
            aad=qr.envelope_aad(qr.VERSION, suite),
            info=qr.SEAL_INFO,
            ephemeral_private=ephemeral_private,
        )
        return qr.encode_text(suite, sealed)

    # ------------------------------------------------------------------ signed requests
    def authorization(self, method: str, path: str, body: bytes = b"", at: datetime | None = None) -> str:
        """The ``Authorization`` header value for a device-signed request (list/revoke devices)."""
        ts = int((at or datetime.now(UTC)).timestamp())
        nonce = b64url(os.urandom(16))
        signature = self.sign(request_message(method, path, ts, nonce, body))
        return DeviceAuthorization(self.kid, ts, nonce, signature).header()
