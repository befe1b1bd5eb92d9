"""The courier device's side of the credential QR, and an offline check for senders' apps.

The courier's phone keeps its ECDSA P-256 private key (non-extractable on a real phone; a PEM file
or memory here) and the issued credential; :meth:`CourierDevice.qr` makes the QR to show now.
:func:`verify_offline` is what a sender's app does with no network: platform signature (public
keys shipped with the app), validity, device signature and freshness; revocation needs the
online check (``POST /v1/couriers/verify``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from sealpost.adapters.crypto.suites import get_suite
from sealpost.adapters.device_keys import P256DeviceSignatures
from sealpost.domain import courier_credential as cc
from sealpost.ports.crypto import UnknownKey
from sealpost.services.courier_credentials import IssuedCredential, verify_courier_qr


class CourierDevice:
    """A courier's phone: its device key and the credential the platform issued for it."""

    def __init__(
        self, private_key: ec.EllipticCurvePrivateKey, issued: IssuedCredential | None = None
    ) -> None:
        self._key = private_key
        self.issued = issued

    @classmethod
    def generate(cls) -> CourierDevice:
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def from_pem(cls, pem: bytes, issued: IssuedCredential | None = None) -> CourierDevice:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("not an EC private key")
        return cls(key, issued)

    def private_pem(self) -> bytes:
        return self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def public_key(self) -> bytes:
        return self._key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )

    def sign(self, message: bytes) -> bytes:
        r, s = decode_dss_signature(self._key.sign(message, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def qr(self, now: datetime, nonce: bytes | None = None) -> str:
        """The QR text to show at ``now`` (a new nonce each time)."""
        if self.issued is None:
            raise ValueError("this device has no credential yet")
        body = self.issued.credential.body()
        step = cc.time_step(now)
        nonce = os.urandom(cc.NONCE_SIZE) if nonce is None else nonce
        qr = cc.CourierQr(
            cc.VERSION,
            self.issued.suite,
            body,
            self.issued.platform_kid,
            self.issued.platform_sig,
            step,
            nonce,
            self.sign(cc.device_message(body, step, nonce)),
        )
        return cc.encode(qr)


class PublishedKeys:
    """The platform's published signing keys, as a sender's app ships them (kid → public key)."""

    def __init__(self, suite_name: str, keys: Mapping[str, bytes]) -> None:
        self._suite = get_suite(suite_name)
        self._keys = dict(keys)

    def verify(self, kid: str, message: bytes, signature: bytes) -> None:
        public = self._keys.get(kid)
        if public is None:
            raise UnknownKey(kid)
        self._suite.verify(public, message, signature)

    def public_signing_keys(self) -> dict[str, bytes]:
        return dict(self._keys)


def verify_offline(text: str, platform_keys: PublishedKeys, now: datetime) -> cc.Verdict:
    """The sender's offline check (no revocation: that needs the network)."""
    return verify_courier_qr(text, platform=platform_keys, devices=P256DeviceSignatures(), now=now)
