"""CryptoKit: one object that holds the suite, the key store, the field cipher and the blind index.

Services take the narrow ports (``Signer``, ``Verifier``, ``Unsealer``, ``FieldEncryptor``,
``BlindIndex`` from :mod:`sealpost.ports.crypto`); a ``CryptoKit`` satisfies all of them at once
(``kit`` itself for signing/verifying/unsealing, ``kit.fields``, ``kit.blind``), so the
composition root builds one per process::

    kit = CryptoKit.from_settings(settings, engine)
    kit.sign(receipt_bytes)                        # Signature(kid, value)
    kit.open_sealed(qr_box, info=b"sealpost/qr")   # sealed to the platform's public key
    kit.open_session_record(header, record)        # terminal session records
    kit.fields.encrypt_text(record_id, "recipient_name", name)
    kit.blind.index("phone", phone)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from sealpost.adapters.crypto.blind_index import BlindIndexer
from sealpost.adapters.crypto.field_cipher import FieldCipher
from sealpost.adapters.crypto.keyring import SCRYPT_N, Keyring
from sealpost.adapters.crypto.session import SessionOpener, TerminalSession
from sealpost.adapters.crypto.suites import GmSuite, IntlSuite, get_suite
from sealpost.config import Settings
from sealpost.ports.clock import Clock, SystemClock
from sealpost.ports.crypto import Signature, SignatureInvalid, UnknownKey
from sealpost.ports.keystore import DataKeyRepository, KeyStore, KeyWrapper


@dataclass
class CryptoKit:
    suite: IntlSuite | GmSuite
    keyring: KeyStore
    fields: FieldCipher
    blind: BlindIndexer
    sessions: SessionOpener

    # ------------------------------------------------------------------ construction
    @classmethod
    def build(cls, keyring: KeyStore, data_keys: DataKeyRepository, clock: Clock | None = None) -> CryptoKit:
        """A kit over any key store: the file :class:`Keyring`, or an HSM / Vault adapter."""
        clock = clock or SystemClock()
        suite = get_suite(keyring.suite_name)
        bi_kid, bi_key = keyring.blind_index_key()
        return cls(
            suite=suite,
            keyring=keyring,
            fields=FieldCipher(suite, keyring, data_keys, clock),
            blind=BlindIndexer(suite, bi_key, bi_kid),
            sessions=SessionOpener(suite, keyring),
        )

    @classmethod
    def open(
        cls,
        keyring_dir: Path,
        passphrase: str,
        data_keys: DataKeyRepository,
        *,
        suite: str = "intl",
        clock: Clock | None = None,
        scrypt_n: int = SCRYPT_N,
    ) -> CryptoKit:
        """Open (or create) the keyring in ``keyring_dir``; ``scrypt_n`` applies on creation only."""
        ring = Keyring.open_or_create(keyring_dir, passphrase, suite=suite, clock=clock, scrypt_n=scrypt_n)
        return cls.build(ring, data_keys, clock)

    @classmethod
    def from_settings(cls, settings: Settings, engine: Engine, clock: Clock | None = None) -> CryptoKit:
        """The kit for a deployment: keyring in ``settings.data_dir / "keyring"``, data keys in ``engine``.

        With ``SEALPOST_ENV=test`` a new keyring gets a cheaper scrypt cost (n=2**12) so test suites
        that build many containers stay fast; development and production use n=2**15.
        """
        from sealpost.adapters.db.keys_repo import SqlDataKeyRepository

        return cls.open(
            keyring_dir(settings),
            settings.keyring_passphrase.get_secret_value(),
            SqlDataKeyRepository(engine),
            suite=settings.crypto_suite,
            clock=clock,
            scrypt_n=TEST_SCRYPT_N if settings.env == "test" else SCRYPT_N,
        )

    # ------------------------------------------------------------------ Signer / Verifier
    @property
    def signing_kid(self) -> str:
        return self.keyring.signing_kid

    def sign(self, message: bytes) -> Signature:
        return self.keyring.sign(message)

    def verify(self, kid: str, message: bytes, signature: bytes) -> None:
        """Verify a platform signature by any signing key ever used (retired ones included)."""
        keys = self.keyring.public_signing_keys()
        if kid not in keys and self.keyring.reload():
            keys = self.keyring.public_signing_keys()
        if kid not in keys:
            raise UnknownKey(f"signing key {kid}")
        if len(signature) != self.suite.signature_size:
            raise SignatureInvalid("wrong length")
        self.suite.verify(keys[kid], message, signature)

    def public_signing_keys(self) -> dict[str, bytes]:
        return self.keyring.public_signing_keys()

    # ------------------------------------------------------------------ Unsealer
    @property
    def sealing_kid(self) -> str:
        return self.keyring.sealing_kid

    def sealing_public_key(self) -> bytes:
        return self.keyring.public_sealing_keys()[self.keyring.sealing_kid]

    def open_sealed(self, sealed: bytes, aad: bytes = b"", info: bytes = b"") -> bytes:
        """Open a sealed box addressed to any platform sealing key (current or retired)."""
        kid = self.suite.sealed_kid(sealed)
        public = self.keyring.public_sealing_keys().get(kid)
        if public is None and self.keyring.reload():
            public = self.keyring.public_sealing_keys().get(kid)
        if public is None:
            raise UnknownKey(f"sealing key {kid}")
        return self.suite.open_with(
            lambda eph: self.keyring.agree(kid, eph), public, sealed, aad=aad, info=info
        )

    def open_session_record(self, header: bytes, record: bytes, aad: bytes = b"", info: bytes = b"") -> bytes:
        return self.sessions.open(header, record, aad, info)

    def terminal_session(self, info: bytes = b"") -> TerminalSession:
        """A terminal-side session to this platform (for the client SDK's tests and benchmarks)."""
        return TerminalSession(self.suite, self.sealing_public_key(), info=info)

    # ------------------------------------------------------------------ rotation
    def rotate_kek(self) -> str:
        """New KEK; private keys and every data key re-wrapped. Returns the new KEK kid."""
        self.fields.stored_keys()  # fail before touching the keyring when the data key store is unreachable
        rewrap: Callable[[KeyWrapper], int] = self.fields.rewrap_all
        return self.keyring.rotate_kek(rewrap)

    def rotate_signing_key(self) -> str:
        return self.keyring.rotate_signing_key()

    def rotate_sealing_key(self) -> str:
        return self.keyring.rotate_sealing_key()


TEST_SCRYPT_N = 2**12


def keyring_dir(settings: Settings) -> Path:
    return settings.data_dir / "keyring"
