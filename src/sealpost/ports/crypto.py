"""Crypto ports: the operations services need, and the errors they may see.

Services never import ``cryptography`` or an adapter: they receive objects that satisfy these
Protocols (the real ones come from :class:`sealpost.adapters.crypto.CryptoKit`). Byte layouts of
every artefact are in ``docs/protocols/crypto.md``.

Key ids (``kid``) are 8 bytes shown as 16 lowercase hex characters. For a public key the kid is
the first 8 bytes of the suite hash of the public key bytes, so anyone holding the key can compute it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol, runtime_checkable
from uuid import UUID

from sealpost.errors import SealpostError
from sealpost.i18n import Text

SuiteName = Literal["intl", "gm"]
BlindIndexKind = Literal["id_number", "phone"]
RecordId = str | UUID


# --------------------------------------------------------------------------------------------
# Errors. None of them ever carries key material or plaintext.
# --------------------------------------------------------------------------------------------


class CryptoError(SealpostError):
    """Base of every crypto failure."""

    default_code = "crypto_error"
    default_message = Text("密码运算失败", "cryptographic operation failed")

    def __init__(self, detail: str | None = None, *, status: int | None = None) -> None:
        message = self.default_message
        if detail:
            message = Text(f"{message.zh}：{detail}", f"{message.en}: {detail}")
        super().__init__(self.default_code, message, status=status)
        self.detail = detail


class MalformedArtefact(CryptoError):  # noqa: N818 - named for what happened
    """Bytes that are not a well-formed artefact of the expected kind (truncated, wrong header…)."""

    default_code = "crypto_malformed"
    default_message = Text("密文格式错误", "malformed cryptographic artefact")


class UnsupportedSuite(CryptoError):  # noqa: N818 - named for what happened
    """A suite id or name this deployment cannot handle (or a missing native library)."""

    default_code = "crypto_unsupported_suite"
    default_message = Text("不支持的密码套件", "unsupported crypto suite")


class DecryptionFailed(CryptoError):  # noqa: N818 - named for what happened
    """Authentication failed: tampered bytes, wrong key, wrong AAD or wrong context."""

    default_code = "crypto_decryption_failed"
    default_message = Text(
        "解密失败（数据被篡改或密钥不符）", "decryption failed (tampered data or wrong key)"
    )


class SignatureInvalid(CryptoError):  # noqa: N818 - named for what happened
    default_code = "crypto_signature_invalid"
    default_message = Text("签名无效", "invalid signature")


class UnknownKey(CryptoError):  # noqa: N818 - named for what happened
    """A key id that the key store does not hold."""

    default_code = "crypto_unknown_key"
    default_message = Text("未知密钥", "unknown key")


class KeyDestroyed(CryptoError):  # noqa: N818 - named for what happened
    """The data key of that day was destroyed (crypto-shredded): its data is gone for good."""

    status = 410
    default_code = "crypto_key_destroyed"
    default_message = Text("该日数据密钥已销毁，数据不可恢复", "the data key of that day was destroyed")


class KeyringError(CryptoError):
    """The key store cannot be opened or written."""

    status = 500
    default_code = "keyring_error"
    default_message = Text("密钥库错误", "keyring error")


class WrongPassphrase(KeyringError):  # noqa: N818 - named for what happened
    default_code = "keyring_wrong_passphrase"
    default_message = Text(
        "密钥库口令错误（SEALPOST_KEYRING_PASSPHRASE）",
        "wrong keyring passphrase (SEALPOST_KEYRING_PASSPHRASE)",
    )


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyPair:
    """Raw key bytes. ``private`` is secret: never log it, never store it unwrapped."""

    private: bytes
    public: bytes

    def __repr__(self) -> str:  # keep private bytes out of reprs and tracebacks
        return f"KeyPair(public={self.public.hex()})"


@dataclass(frozen=True, slots=True)
class Signature:
    """A platform signature and the id of the key that made it (64 bytes in both suites)."""

    kid: str
    value: bytes


# --------------------------------------------------------------------------------------------
# Protocols
# --------------------------------------------------------------------------------------------


class Aead(Protocol):
    """An AEAD bound to one key. ``encrypt`` returns ciphertext || 16-byte tag."""

    def encrypt(self, nonce: bytes, data: bytes, aad: bytes) -> bytes: ...

    def decrypt(self, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        """Raises :class:`DecryptionFailed`."""
        ...


@runtime_checkable
class CryptoSuite(Protocol):
    """One algorithm family: ``intl`` (Ed25519/X25519/SHA-256/AES-256-GCM) or ``gm`` (SM2/SM3/SM4-GCM)."""

    name: SuiteName
    suite_id: int
    signature_size: int
    public_key_size: int
    aead_key_size: int

    def hash(self, data: bytes) -> bytes: ...

    def mac(self, key: bytes, data: bytes) -> bytes: ...

    def kdf(self, ikm: bytes, *, salt: bytes, info: bytes, length: int) -> bytes: ...

    def aead(self, key: bytes) -> Aead: ...

    def key_id(self, public: bytes) -> str: ...

    def new_signing_key(self) -> KeyPair: ...

    def signing_public_key(self, private: bytes) -> bytes: ...

    def sign(self, private: bytes, message: bytes) -> bytes: ...

    def verify(self, public: bytes, message: bytes, signature: bytes) -> None:
        """Raises :class:`SignatureInvalid`."""
        ...

    def new_agreement_key(self) -> KeyPair: ...

    def agreement_public_key(self, private: bytes) -> bytes: ...

    def agree(self, private: bytes, peer_public: bytes) -> bytes: ...

    def seal(self, recipient_public: bytes, plaintext: bytes, aad: bytes = b"", info: bytes = b"") -> bytes:
        """Ephemeral-static sealed box to ``recipient_public`` (like HPKE base mode)."""
        ...

    def open(self, recipient_private: bytes, sealed: bytes, aad: bytes = b"", info: bytes = b"") -> bytes: ...


class Signer(Protocol):
    """The platform's signing key (receipts, credentials, tree heads)."""

    @property
    def signing_kid(self) -> str: ...

    def sign(self, message: bytes) -> Signature: ...


class Verifier(Protocol):
    """Verification against every platform signing key ever used, old ones included."""

    def verify(self, kid: str, message: bytes, signature: bytes) -> None:
        """Raises :class:`SignatureInvalid` or :class:`UnknownKey`."""
        ...

    def public_signing_keys(self) -> dict[str, bytes]: ...


class Unsealer(Protocol):
    """The platform side of sealed boxes and terminal sessions."""

    @property
    def sealing_kid(self) -> str: ...

    def sealing_public_key(self) -> bytes: ...

    def open_sealed(self, sealed: bytes, aad: bytes = b"", info: bytes = b"") -> bytes:
        """Open a sealed box addressed to any platform sealing key (chosen by the kid in the box)."""
        ...

    def open_session_record(self, header: bytes, record: bytes, aad: bytes = b"") -> bytes:
        """Open one record of a terminal session (the session key is derived once and cached)."""
        ...


class FieldEncryptor(Protocol):
    """Encryption at rest of personal fields under per-day data keys (AAD = record id + field + day)."""

    def encrypt(
        self, record_id: RecordId, field: str, plaintext: bytes, day: date | None = None
    ) -> bytes: ...

    def decrypt(self, record_id: RecordId, field: str, ciphertext: bytes) -> bytes:
        """Raises :class:`DecryptionFailed` or :class:`KeyDestroyed`."""
        ...

    def encrypt_text(self, record_id: RecordId, field: str, text: str, day: date | None = None) -> bytes: ...

    def encrypt_texts(
        self, record_id: RecordId, fields: Sequence[tuple[str, str]], day: date | None = None
    ) -> list[bytes]:
        """``[encrypt_text(record_id, name, text, day) for name, text in fields]``, done at once."""
        ...

    def encrypt_columns(
        self,
        record_ids: Sequence[RecordId],
        columns: Sequence[tuple[str, Sequence[str | None]]],
        day: date | None = None,
    ) -> list[list[bytes | None]]:
        """For each ``(field, texts)`` column: ``encrypt_text(record_ids[i], field, texts[i], day)``
        for every record ``i`` (None where ``texts[i]`` is None), done column by column."""
        ...

    def decrypt_text(self, record_id: RecordId, field: str, ciphertext: bytes) -> str: ...

    def destroy_day(self, day: date) -> bool:
        """Crypto-shred ``day``; True when a key existed. Irreversible."""
        ...


class BlindIndex(Protocol):
    """Keyed, deterministic 16-byte lookup tokens for ID numbers and phones."""

    @property
    def kid(self) -> str: ...

    def index(self, kind: BlindIndexKind, value: str) -> bytes:
        """Normalise ``value`` for ``kind`` and return its 16-byte HMAC token."""
        ...
