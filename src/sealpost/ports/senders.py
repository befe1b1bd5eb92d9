"""Sender ports: the sender register, device keys, and the replay cache for one-time tokens.

A sender is a pseudonym (a random ``sender_id``) with an encrypted identity behind it: one
field-cipher ciphertext whose AAD binds the sender id. In clear are only the document type, the
minor flag and keyed blind-index tokens for lookups (one person, one sender).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol
from uuid import UUID

from sealpost.errors import ConflictError
from sealpost.i18n import Text
from sealpost.ports.identity_refs import VerifiedSender

DeviceStatus = Literal["active", "revoked"]
#: Device key algorithms a sender's phone may register.
DeviceAlgorithm = Literal["ES256"]


@dataclass(frozen=True, slots=True)
class SenderRecord:
    """One sender as stored. ``identity_ct`` is the field-cipher ciphertext of the identity JSON."""

    sender_id: UUID
    doc_type: str
    minor: bool
    identity_ct: bytes
    verified_by: str
    created_at: datetime
    updated_at: datetime
    phone_index: bytes | None = None  # as stored (read-only: writes take it from SenderIndexes)


@dataclass(frozen=True, slots=True)
class SenderIndexes:
    """Blind-index tokens of a sender (16 bytes each) and the id of the key that made them."""

    id_number: bytes
    phone: bytes | None
    key_id: str


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    """A phone's public key, registered to one sender."""

    kid: str  # 16 hex characters: first 8 bytes of SHA-256 of the public key
    sender_id: UUID
    algorithm: DeviceAlgorithm
    public_key: bytes
    status: DeviceStatus
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.status == "active"


class SenderExistsError(ConflictError):
    """A sender with the same document already exists (a concurrent enrollment won the race)."""

    def __init__(self) -> None:
        super().__init__("sender_exists", Text("该证件已登记", "a sender with this document already exists"))


class DeviceKeyExistsError(ConflictError):
    """The device key id is taken (the same key enrolled twice, or a 64-bit id collision)."""

    def __init__(self) -> None:
        super().__init__(
            "device_key_exists",
            Text(
                "该设备密钥已登记，请生成新的设备密钥",
                "this device key is already registered; make a new one",
            ),
        )


class SenderRepository(Protocol):
    """The sender register."""

    def find_by_document(self, doc_type: str, id_index: bytes) -> SenderRecord | None: ...

    def get(self, sender_id: UUID) -> SenderRecord | None: ...

    def create(self, sender: SenderRecord, indexes: SenderIndexes, device: DeviceRecord) -> None:
        """Insert a sender and its first device atomically.

        Raises :class:`SenderExistsError` when the document is taken, :class:`DeviceKeyExistsError`
        when the device kid is taken (nothing is written then).
        """
        ...

    def update_identity(
        self, sender: SenderRecord, indexes: SenderIndexes, device: DeviceRecord | None
    ) -> None:
        """Replace the stored identity of an existing sender and add ``device``, atomically."""
        ...

    def get_device(self, kid: str) -> DeviceRecord | None: ...

    def get_device_with_sender(self, kid: str) -> tuple[DeviceRecord, SenderRecord] | None:
        """The device and its sender in one lookup (the identify hot path)."""
        ...

    def list_devices(self, sender_id: UUID) -> list[DeviceRecord]: ...

    def revoke_device(self, sender_id: UUID, kid: str, at: datetime) -> DeviceRecord | None:
        """Mark the device revoked (idempotent); ``None`` when the sender has no such device."""
        ...

    def count(self) -> int: ...


class ReplayCache(Protocol):
    """One-time use of tokens, shared by every API worker and surviving restarts."""

    def claim(self, token_hash: bytes, expires_at: datetime) -> bool:
        """Record ``token_hash``; False when it was already recorded (a replay)."""
        ...

    def purge(self, now: datetime) -> int:
        """Forget entries that expired before ``now``; returns how many."""
        ...


class DeviceSignatures(Protocol):
    """Checks device public keys and signatures (ECDSA P-256 with SHA-256, ``r || s``)."""

    def normalize_public_key(self, algorithm: DeviceAlgorithm, public_key: bytes) -> bytes:
        """The canonical form (uncompressed point, 65 bytes) of a raw, compressed or SPKI key.

        Raises :class:`sealpost.errors.SealpostError` (``invalid_device_key``) for anything else.
        """
        ...

    def key_id(self, public_key: bytes) -> str:
        """16 hex characters: the first 8 bytes of SHA-256 over the canonical public key."""
        ...

    def verify(self, algorithm: DeviceAlgorithm, public_key: bytes, message: bytes, signature: bytes) -> bool:
        """True when ``signature`` (64 bytes ``r || s``) is valid for ``message``."""
        ...


#: What :class:`IdentifyLedger` did with a token: claimed it (and stored the reference), found it
#: already claimed, or found the device no longer active when the transaction ran.
ClaimOutcome = Literal["claimed", "replayed", "revoked"]


class IdentifyLedger(Protocol):
    """The identity QR's database work: the device lookup and ONE transaction per accepted code.

    ``claim_and_store`` claims the one-time token and stores its ``identity_ref`` atomically: both
    rows or neither, and only while the device is still active in the same transaction (a device
    revoked after the lookup is caught there). It returns after the rows are committed.
    """

    def device_with_sender(self, kid: str) -> tuple[DeviceRecord, SenderRecord] | None: ...

    async def device_with_sender_async(self, kid: str) -> tuple[DeviceRecord, SenderRecord] | None:
        """The same, awaited from an event loop (may be batched with concurrent lookups)."""
        ...

    def claim_and_store(
        self, token_hash: bytes, expires_at: datetime, kid: str, ref: VerifiedSender
    ) -> ClaimOutcome: ...

    async def claim_and_store_async(
        self, token_hash: bytes, expires_at: datetime, kid: str, ref: VerifiedSender
    ) -> ClaimOutcome:
        """The same, awaited from an event loop without blocking it."""
        ...

    def claim(self, token_hash: bytes, expires_at: datetime) -> bool:
        """Claim a token without storing a reference (refused codes that still use up the token)."""
        ...
