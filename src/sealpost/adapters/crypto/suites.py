"""Crypto suites: ``intl`` (default) and ``gm`` (Chinese commercial cryptography, GB/T 39786).

=============  ==============================  ==========================================
primitive      intl (suite id 0x01)            gm (suite id 0x02)
=============  ==============================  ==========================================
signature      Ed25519 (64-byte)               SM2 with SM3, 64-byte ``r || s`` (tongsuopy)
agreement      X25519 (32-byte keys)           ECDH on the SM2 curve (33-byte compressed)
KDF            HKDF-SHA256                     HKDF-SM3
AEAD           AES-256-GCM                     SM4-GCM (16-byte key)
hash / MAC     SHA-256 / HMAC-SHA256           SM3 / HMAC-SM3
=============  ==============================  ==========================================

Sealed boxes are ephemeral-static (like HPKE base mode): a fresh agreement key per box, the
shared secret through the KDF (salt = ephemeral public || recipient public, info = label || info)
to an AEAD key and nonce; the box header is authenticated as AAD. Byte layouts and test vectors:
``docs/protocols/crypto.md``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from functools import lru_cache
from typing import Final

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hmac import HMAC
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sealpost.adapters.crypto import sm2
from sealpost.adapters.crypto.encoding import (
    HEADER_SIZE,
    KID_SIZE,
    NONCE_SIZE,
    SUITE_IDS,
    TAG_SIZE,
    Kind,
    check_header,
    header,
)
from sealpost.ports.crypto import (
    Aead,
    CryptoSuite,
    DecryptionFailed,
    KeyPair,
    MalformedArtefact,
    SignatureInvalid,
    SuiteName,
    UnknownKey,
    UnsupportedSuite,
)

SEAL_LABEL: Final = b"sealpost/v1/seal"
SESSION_LABEL: Final = b"sealpost/v1/session"


class _SuiteBase:
    """Constructions shared by both suites, written once over the suite's primitives."""

    name: SuiteName
    suite_id: int
    signature_size: int = 64
    public_key_size: int
    aead_key_size: int
    hash_size: int = 32

    # primitives each suite provides -------------------------------------------------------
    def hash(self, data: bytes) -> bytes:
        raise NotImplementedError

    def kdf(self, ikm: bytes, *, salt: bytes, info: bytes, length: int) -> bytes:
        raise NotImplementedError

    def aead(self, key: bytes) -> Aead:
        raise NotImplementedError

    def agree(self, private: bytes, peer_public: bytes) -> bytes:
        raise NotImplementedError

    def agreement_public_key(self, private: bytes) -> bytes:
        raise NotImplementedError

    def ephemeral_agree(
        self, peer_public: bytes, ephemeral_private: bytes | None = None
    ) -> tuple[bytes, bytes]:
        """(ephemeral public key, shared secret) with a fresh key that is dropped at once.

        ``ephemeral_private`` exists only to reproduce the documented test vectors.
        """
        raise NotImplementedError

    # constructions ---------------------------------------------------------------------------
    def key_id(self, public: bytes) -> str:
        """The kid of a public key: first 8 bytes of its hash, as hex."""
        return self.hash(public)[:KID_SIZE].hex()

    @property
    def sealed_header_size(self) -> int:
        return HEADER_SIZE + KID_SIZE + self.public_key_size

    @property
    def sealed_overhead(self) -> int:
        return self.sealed_header_size + TAG_SIZE

    def seal(
        self,
        recipient_public: bytes,
        plaintext: bytes,
        aad: bytes = b"",
        info: bytes = b"",
        *,
        ephemeral_private: bytes | None = None,
    ) -> bytes:
        """Seal ``plaintext`` to ``recipient_public``; only its private key opens it."""
        self._check_public(recipient_public)
        eph_public, shared = self.ephemeral_agree(recipient_public, ephemeral_private)
        head = (
            header(self.suite_id, Kind.SEALED_BOX) + bytes.fromhex(self.key_id(recipient_public)) + eph_public
        )
        key, nonce = self._seal_key(shared, eph_public, recipient_public, info)
        return head + self.aead(key).encrypt(nonce, plaintext, head + aad)

    def open(self, recipient_private: bytes, sealed: bytes, aad: bytes = b"", info: bytes = b"") -> bytes:
        recipient_public = self.agreement_public_key(recipient_private)
        return self.open_with(
            lambda eph: self.agree(recipient_private, eph), recipient_public, sealed, aad=aad, info=info
        )

    def open_with(
        self,
        agree: Callable[[bytes], bytes],
        recipient_public: bytes,
        sealed: bytes,
        *,
        aad: bytes = b"",
        info: bytes = b"",
    ) -> bytes:
        """Open with a key-agreement callback, so a key store (or an HSM) keeps the private key."""
        size = self.sealed_header_size
        check_header(sealed, self.suite_id, Kind.SEALED_BOX, size + TAG_SIZE)
        if sealed[HEADER_SIZE : HEADER_SIZE + KID_SIZE].hex() != self.key_id(recipient_public):
            raise UnknownKey("sealed to another key")
        eph_public = sealed[HEADER_SIZE + KID_SIZE : size]
        shared = agree(eph_public)
        key, nonce = self._seal_key(shared, eph_public, recipient_public, info)
        return self.aead(key).decrypt(nonce, sealed[size:], sealed[:size] + aad)

    def sealed_kid(self, sealed: bytes) -> str:
        """The recipient kid written in a sealed box (to pick the right private key)."""
        check_header(sealed, self.suite_id, Kind.SEALED_BOX, self.sealed_header_size + TAG_SIZE)
        return sealed[HEADER_SIZE : HEADER_SIZE + KID_SIZE].hex()

    def _seal_key(
        self, shared: bytes, eph_public: bytes, recipient_public: bytes, info: bytes
    ) -> tuple[bytes, bytes]:
        okm = self.kdf(
            shared,
            salt=eph_public + recipient_public,
            info=SEAL_LABEL + b"\x00" + info,
            length=self.aead_key_size + NONCE_SIZE,
        )
        return okm[: self.aead_key_size], okm[self.aead_key_size :]

    def _check_public(self, public: bytes) -> None:
        if len(public) != self.public_key_size:
            raise MalformedArtefact(f"{self.name} public key must be {self.public_key_size} bytes")

    def __repr__(self) -> str:
        return f"<suite {self.name}>"


# ------------------------------------------------------------------------------------------------
# intl
# ------------------------------------------------------------------------------------------------


class _AesGcm:
    __slots__ = ("_aead", "encrypt")

    #: ``AESGCM.encrypt`` itself, bound once (no Python frame per call on the ingest hot path).
    encrypt: Callable[[bytes, bytes, bytes], bytes]

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise MalformedArtefact("AES-256-GCM key must be 32 bytes")
        self._aead = AESGCM(key)
        self.encrypt = self._aead.encrypt

    def decrypt(self, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        try:
            return self._aead.decrypt(nonce, data, aad)
        except InvalidTag:
            raise DecryptionFailed() from None


@lru_cache(maxsize=64)
def _ed25519_private(private: bytes) -> Ed25519PrivateKey:
    try:
        return Ed25519PrivateKey.from_private_bytes(private)
    except ValueError:
        raise MalformedArtefact("Ed25519 private key must be 32 bytes") from None


@lru_cache(maxsize=4096)
def _ed25519_public(public: bytes) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(public)
    except ValueError:
        raise MalformedArtefact("Ed25519 public key must be 32 bytes") from None


@lru_cache(maxsize=64)
def _x25519_private(private: bytes) -> X25519PrivateKey:
    try:
        return X25519PrivateKey.from_private_bytes(private)
    except ValueError:
        raise MalformedArtefact("X25519 private key must be 32 bytes") from None


@lru_cache(maxsize=4096)
def _x25519_public(public: bytes) -> X25519PublicKey:
    try:
        return X25519PublicKey.from_public_bytes(public)
    except ValueError:
        raise MalformedArtefact("X25519 public key must be 32 bytes") from None


def _x25519_exchange(private: X25519PrivateKey, peer_public: bytes) -> bytes:
    try:
        return private.exchange(_x25519_public(peer_public))
    except ValueError:  # all-zero shared secret: a low-order point
        raise MalformedArtefact("invalid X25519 public key") from None


class IntlSuite(_SuiteBase):
    """Ed25519, X25519, HKDF-SHA256, AES-256-GCM, SHA-256."""

    name: SuiteName = "intl"
    suite_id = SUITE_IDS["intl"]
    public_key_size = 32
    aead_key_size = 32

    def hash(self, data: bytes) -> bytes:
        return hashlib.sha256(data).digest()

    def mac(self, key: bytes, data: bytes) -> bytes:
        return hmac.digest(key, data, "sha256")

    def kdf(self, ikm: bytes, *, salt: bytes, info: bytes, length: int) -> bytes:
        return HKDF(hashes.SHA256(), length, salt, info).derive(ikm)

    def aead(self, key: bytes) -> Aead:
        return _AesGcm(key)

    def new_signing_key(self) -> KeyPair:
        key = Ed25519PrivateKey.generate()
        return KeyPair(key.private_bytes_raw(), key.public_key().public_bytes_raw())

    def signing_public_key(self, private: bytes) -> bytes:
        return _ed25519_private(private).public_key().public_bytes_raw()

    def sign(self, private: bytes, message: bytes) -> bytes:
        return _ed25519_private(private).sign(message)

    def verify(self, public: bytes, message: bytes, signature: bytes) -> None:
        try:
            _ed25519_public(public).verify(signature, message)
        except InvalidSignature:
            raise SignatureInvalid() from None

    def new_agreement_key(self) -> KeyPair:
        key = X25519PrivateKey.generate()
        return KeyPair(key.private_bytes_raw(), key.public_key().public_bytes_raw())

    def agreement_public_key(self, private: bytes) -> bytes:
        return _x25519_private(private).public_key().public_bytes_raw()

    def agree(self, private: bytes, peer_public: bytes) -> bytes:
        return _x25519_exchange(_x25519_private(private), peer_public)

    def ephemeral_agree(
        self, peer_public: bytes, ephemeral_private: bytes | None = None
    ) -> tuple[bytes, bytes]:
        if ephemeral_private is None:
            eph = X25519PrivateKey.generate()
        else:
            eph = X25519PrivateKey.from_private_bytes(ephemeral_private)
        return eph.public_key().public_bytes_raw(), _x25519_exchange(eph, peer_public)


# ------------------------------------------------------------------------------------------------
# gm
# ------------------------------------------------------------------------------------------------


class _Sm4Gcm:
    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if len(key) != 16:
            raise MalformedArtefact("SM4 key must be 16 bytes")
        self._key = key

    def encrypt(self, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        enc = Cipher(algorithms.SM4(self._key), modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(aad)
        body = enc.update(data) + enc.finalize()
        return body + enc.tag

    def decrypt(self, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        if len(data) < TAG_SIZE:
            raise DecryptionFailed("truncated")
        dec = Cipher(algorithms.SM4(self._key), modes.GCM(nonce, data[-TAG_SIZE:])).decryptor()
        dec.authenticate_additional_data(aad)
        try:
            return dec.update(data[:-TAG_SIZE]) + dec.finalize()
        except InvalidTag:
            raise DecryptionFailed() from None


class GmSuite(_SuiteBase):
    """SM2 (via tongsuopy), SM3, HKDF-SM3, SM4-GCM. SM2 operations raise a clear error without tongsuopy."""

    name: SuiteName = "gm"
    suite_id = SUITE_IDS["gm"]
    public_key_size = sm2.PUBLIC_SIZE
    aead_key_size = 16

    def hash(self, data: bytes) -> bytes:
        h = hashes.Hash(hashes.SM3())
        h.update(data)
        return h.finalize()

    def mac(self, key: bytes, data: bytes) -> bytes:
        m = HMAC(key, hashes.SM3())
        m.update(data)
        return m.finalize()

    def kdf(self, ikm: bytes, *, salt: bytes, info: bytes, length: int) -> bytes:
        return HKDF(hashes.SM3(), length, salt, info).derive(ikm)

    def aead(self, key: bytes) -> Aead:
        return _Sm4Gcm(key)

    def new_signing_key(self) -> KeyPair:
        private, public = sm2.generate()
        return KeyPair(private, public)

    def signing_public_key(self, private: bytes) -> bytes:
        return sm2.public_from_private(private)

    def sign(self, private: bytes, message: bytes) -> bytes:
        return sm2.sign(private, message)

    def verify(self, public: bytes, message: bytes, signature: bytes) -> None:
        sm2.verify(public, message, signature)

    def new_agreement_key(self) -> KeyPair:
        return self.new_signing_key()

    def agreement_public_key(self, private: bytes) -> bytes:
        return sm2.public_from_private(private)

    def agree(self, private: bytes, peer_public: bytes) -> bytes:
        return sm2.ecdh(private, peer_public)

    def ephemeral_agree(
        self, peer_public: bytes, ephemeral_private: bytes | None = None
    ) -> tuple[bytes, bytes]:
        return sm2.ephemeral_ecdh(peer_public, ephemeral_private)


_SUITES: dict[str, type[IntlSuite] | type[GmSuite]] = {"intl": IntlSuite, "gm": GmSuite}
_instances: dict[str, IntlSuite | GmSuite] = {}


def get_suite(name: str) -> IntlSuite | GmSuite:
    """The suite called ``name`` (``intl`` or ``gm``); one shared instance each."""
    try:
        cls = _SUITES[name]
    except KeyError:
        raise UnsupportedSuite(f"unknown suite {name!r} (intl or gm)") from None
    if name not in _instances:
        _instances[name] = cls()
    return _instances[name]


def suite_by_id(suite_id: int) -> IntlSuite | GmSuite:
    for name, sid in SUITE_IDS.items():
        if sid == suite_id:
            return get_suite(name)
    raise UnsupportedSuite(f"suite id {suite_id}")


def _conforms(suite: CryptoSuite) -> CryptoSuite:  # static check that both satisfy the port
    return suite


_conforms(IntlSuite())
_conforms(GmSuite())
