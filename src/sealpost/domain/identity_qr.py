"""The sender's identity QR token: byte layouts, time steps and failure reasons (no crypto here).

The full protocol, with test vectors, is ``docs/protocols/identity-qr.md``. In short::

    text      = "SPQ1:" + base45(envelope)
    envelope  = version(1) || suite(1) || sealed box to the platform's sealing key
                (AAD = b"SPQ1" || version || suite)
    plaintext = version(1) || suite(1) || device_kid(8) || sender_id(16) || time_step(4, big-endian)
                || nonce(12) || signature(64)
    signature = device key's signature over SIGNING_CONTEXT || plaintext[:42]

The phone makes one token per 30-second time step (``time_step = floor(unix_time / 30)``); the
platform accepts a token whose step window lies within ±60 s of its own clock, once.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal
from uuid import UUID

from sealpost.domain.base45 import Base45Error, b45decode, b45encode

__all__ = [
    "ENVELOPE_HEADER_SIZE",
    "NONCE_SIZE",
    "PAYLOAD_SIZE",
    "SCHEME",
    "SEAL_INFO",
    "SIGNED_SIZE",
    "SIGNING_CONTEXT",
    "STEP_SECONDS",
    "SUITE_ES256_X25519",
    "TOLERANCE_SECONDS",
    "VERSION",
    "IdentityQrError",
    "IdentityQrPayload",
    "RejectReason",
    "decode_payload",
    "decode_text",
    "encode_payload",
    "encode_text",
    "envelope_aad",
    "step_window_ok",
    "time_step",
]

#: Scheme prefix of the QR text. The digit is the major version: a new layout gets a new prefix.
SCHEME: Final = "SPQ1:"
VERSION: Final = 1
#: Suite 1: device signature ECDSA P-256 with SHA-256 (r||s, 64 bytes); sealing X25519 +
#: HKDF-SHA256 + AES-256-GCM (the platform's ``intl`` sealed box).
SUITE_ES256_X25519: Final = 1
SUITES: Final = frozenset({SUITE_ES256_X25519})

STEP_SECONDS: Final = 30
TOLERANCE_SECONDS: Final = 60

DEVICE_KID_SIZE: Final = 8
SENDER_ID_SIZE: Final = 16
NONCE_SIZE: Final = 12
SIGNATURE_SIZE: Final = 64
SIGNED_SIZE: Final = 2 + DEVICE_KID_SIZE + SENDER_ID_SIZE + 4 + NONCE_SIZE  # 42
PAYLOAD_SIZE: Final = SIGNED_SIZE + SIGNATURE_SIZE  # 106
ENVELOPE_HEADER_SIZE: Final = 2
#: HKDF ``info`` of the sealed box (domain separation from every other sealed box to the platform).
SEAL_INFO: Final = b"sealpost/identity-qr/v1"
#: Domain separation: a device signature over a QR payload can never be mistaken for another message.
SIGNING_CONTEXT: Final = b"sealpost/identity-qr/v1\x00"

_SIGNED: Final = struct.Struct(">BB8s16sI12s")

#: Why the platform refused a token (API reason codes).
RejectReason = Literal[
    "expired", "replayed", "unknown_device", "revoked_device", "bad_signature", "malformed", "wrong_suite"
]


class IdentityQrError(ValueError):
    """A token the platform refuses, with the reason code."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason: RejectReason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class IdentityQrPayload:
    """What a token says once opened: which device, which sender, which time step."""

    device_kid: bytes
    sender_id: UUID
    time_step: int
    nonce: bytes
    version: int = VERSION
    suite: int = SUITE_ES256_X25519

    def signed_bytes(self) -> bytes:
        """The 42 payload bytes the device signs (after :data:`SIGNING_CONTEXT`)."""
        if len(self.device_kid) != DEVICE_KID_SIZE:
            raise ValueError("device key id must be 8 bytes")
        if len(self.nonce) != NONCE_SIZE:
            raise ValueError("nonce must be 12 bytes")
        if not 0 <= self.time_step < 2**32:
            raise ValueError("time step out of range")
        return _SIGNED.pack(
            self.version, self.suite, self.device_kid, self.sender_id.bytes, self.time_step, self.nonce
        )

    def signing_message(self) -> bytes:
        return SIGNING_CONTEXT + self.signed_bytes()


def encode_payload(payload: IdentityQrPayload, signature: bytes) -> bytes:
    if len(signature) != SIGNATURE_SIZE:
        raise ValueError("signature must be 64 bytes (r||s)")
    return payload.signed_bytes() + signature


def decode_payload(data: bytes, *, suite: int) -> tuple[IdentityQrPayload, bytes]:
    """Split an opened plaintext into the payload and its signature.

    ``suite`` is the envelope's suite: the signed copy inside must match it (no downgrade).
    """
    if len(data) != PAYLOAD_SIZE:
        raise IdentityQrError("malformed", f"payload is {len(data)} bytes, expected {PAYLOAD_SIZE}")
    version, inner_suite, kid, sender, step, nonce = _SIGNED.unpack_from(data)
    if version != VERSION:
        raise IdentityQrError("malformed", f"payload version {version}")
    if inner_suite != suite:
        raise IdentityQrError("wrong_suite", "payload suite differs from the envelope suite")
    payload = IdentityQrPayload(
        device_kid=kid,
        sender_id=UUID(bytes=sender),
        time_step=step,
        nonce=nonce,
        version=version,
        suite=inner_suite,
    )
    return payload, data[SIGNED_SIZE:]


def envelope_aad(version: int, suite: int) -> bytes:
    """Associated data of the sealed box: the scheme and the envelope header."""
    return b"SPQ1" + bytes((version, suite))


def encode_text(suite: int, sealed: bytes, version: int = VERSION) -> str:
    """The QR text for a sealed box."""
    return SCHEME + b45encode(bytes((version, suite)) + sealed)


def decode_text(text: str) -> tuple[int, int, bytes]:
    """Parse QR text into (version, suite, sealed box); raise :class:`IdentityQrError`.

    Scanners sometimes add surrounding whitespace or a trailing newline; those are ignored. A
    lower-case scheme is accepted too (some scanners fold case in alphanumeric mode).
    """
    text = text.strip()
    if text[: len(SCHEME)].upper() != SCHEME:
        raise IdentityQrError("malformed", "not an identity QR (scheme prefix missing)")
    try:
        envelope = b45decode(text[len(SCHEME) :])
    except Base45Error as exc:
        raise IdentityQrError("malformed", str(exc)) from None
    if len(envelope) < ENVELOPE_HEADER_SIZE + 1:
        raise IdentityQrError("malformed", "envelope too short")
    version, suite = envelope[0], envelope[1]
    if version != VERSION:
        raise IdentityQrError("malformed", f"envelope version {version}")
    if suite not in SUITES:
        raise IdentityQrError("wrong_suite", f"suite {suite} is not supported")
    return version, suite, envelope[ENVELOPE_HEADER_SIZE:]


def time_step(at: datetime) -> int:
    """The 30-second step ``at`` falls in."""
    return int(at.timestamp()) // STEP_SECONDS


def step_window_ok(step: int, now: datetime, tolerance_s: int = TOLERANCE_SECONDS) -> bool:
    """Does the window of ``step`` ([step·30, step·30+30)) come within ``tolerance_s`` of ``now``?

    A code shown until the end of its window is accepted up to 60 s later (slow scan, slow
    network), and a phone clock up to 60 s ahead of the platform's is tolerated.
    """
    t = now.timestamp()
    start = step * STEP_SECONDS
    return start - tolerance_s <= t <= start + STEP_SECONDS + tolerance_s
