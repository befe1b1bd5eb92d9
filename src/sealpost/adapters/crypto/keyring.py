"""The file keyring: the embedded default :class:`~sealpost.ports.keystore.KeyStore`.

One JSON file, ``<dir>/keyring.json`` (mode 0600, directory 0700), written atomically (temp file,
fsync, rename) under an exclusive ``fcntl`` lock on ``<dir>/keyring.lock``. It holds:

- the key-encryption key (KEK): 32 random bytes, wrapped under a key derived from the passphrase
  with scrypt (n=2**15, r=8, p=1, 16-byte salt) using the suite AEAD;
- the platform's long-term keys, each with a kid and created/retired times, private halves
  wrapped by the KEK: the signing key (Ed25519 / SM2), the sealing key (X25519 / SM2) and the
  blind-index HMAC key.

Nothing in the file is a plaintext private key (a test scans it). Rotation:
- :meth:`Keyring.rotate_kek` makes a new KEK, re-wraps the private keys, calls back to re-wrap every
  data key, then forgets the old KEK; a crash in between leaves both KEKs and a re-run finishes;
- :meth:`Keyring.rotate_signing_key` keeps retired public keys so old signatures still verify;
- :meth:`Keyring.rotate_sealing_key` keeps retired private keys to open boxes still in flight.

Other processes notice changes by the file's mtime/inode and reload on an unknown kid.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from sealpost.adapters.crypto.encoding import (
    HEADER_SIZE,
    KID_SIZE,
    NONCE_SIZE,
    TAG_SIZE,
    Kind,
    check_header,
    header,
)
from sealpost.adapters.crypto.suites import GmSuite, IntlSuite, get_suite
from sealpost.ports.clock import Clock, SystemClock
from sealpost.ports.crypto import (
    Aead,
    DecryptionFailed,
    KeyringError,
    MalformedArtefact,
    Signature,
    SignatureInvalid,
    UnknownKey,
    UnsupportedSuite,
    WrongPassphrase,
)
from sealpost.ports.keystore import KeyWrapper, PublicKeyInfo

FILE_NAME: Final = "keyring.json"
LOCK_NAME: Final = "keyring.lock"
FORMAT: Final = "sealpost-keyring"
FORMAT_VERSION: Final = 1
SCRYPT_N: Final = 2**15
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
KEK_SIZE: Final = 32
BLIND_INDEX_KEY_SIZE: Final = 32
WRAP_LABEL: Final = b"sealpost/v1/kek-wrap"
WRAPPED_HEADER_SIZE: Final = HEADER_SIZE + KID_SIZE + NONCE_SIZE

ALGORITHMS: Final[dict[str, dict[str, str]]] = {
    "intl": {"signing": "Ed25519", "sealing": "X25519", "blind_index": "HMAC-SHA256", "kek": "AES-256-GCM"},
    "gm": {"signing": "SM2", "sealing": "SM2-ECDH", "blind_index": "HMAC-SM3", "kek": "SM4-GCM"},
}


@dataclass(frozen=True, slots=True)
class _Entry:
    kid: str
    purpose: str
    algorithm: str
    public: bytes | None
    wrapped: bytes | None
    created_at: datetime
    retired_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "kid": self.kid,
            "purpose": self.purpose,
            "algorithm": self.algorithm,
            "public": _b64(self.public) if self.public is not None else None,
            "wrapped": _b64(self.wrapped) if self.wrapped is not None else None,
            "created_at": self.created_at.isoformat(),
            "retired_at": self.retired_at.isoformat() if self.retired_at else None,
        }

    @staticmethod
    def from_json(obj: dict[str, Any]) -> _Entry:
        return _Entry(
            kid=obj["kid"],
            purpose=obj["purpose"],
            algorithm=obj["algorithm"],
            public=_unb64(obj["public"]) if obj.get("public") else None,
            wrapped=_unb64(obj["wrapped"]) if obj.get("wrapped") else None,
            created_at=datetime.fromisoformat(obj["created_at"]),
            retired_at=datetime.fromisoformat(obj["retired_at"]) if obj.get("retired_at") else None,
        )


class Keyring:
    """A file-based key store. Build it with :meth:`open_or_create` (or :meth:`open`)."""

    def __init__(self, directory: Path, suite: IntlSuite | GmSuite, pass_key: bytes, clock: Clock) -> None:
        # Use the classmethods: this constructor expects the caller to load the file.
        self._dir = directory
        self._suite = suite
        self._pass_aead = suite.aead(pass_key)
        self._clock = clock
        self._doc: dict[str, Any] = {}
        self._stamp: tuple[int, int] | None = None
        self._keks: dict[str, Aead] = {}
        self._active_kek = ""
        self._entries: list[_Entry] = []
        self._private: dict[str, bytes] = {}

    # ------------------------------------------------------------------ opening
    @classmethod
    def open_or_create(
        cls,
        directory: Path | str,
        passphrase: str | bytes,
        *,
        suite: str = "intl",
        clock: Clock | None = None,
        scrypt_n: int = SCRYPT_N,
    ) -> Keyring:
        """Open the keyring in ``directory``, creating it (and its keys) on first use.

        ``scrypt_n`` only applies when the keyring is created (tests lower it); opening always uses
        the parameters stored in the file. A wrong passphrase raises :class:`WrongPassphrase`.
        """
        directory = Path(directory)
        clock = clock or SystemClock()
        secret = passphrase.encode() if isinstance(passphrase, str) else passphrase
        if not secret:
            raise KeyringError("empty passphrase")
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with _locked(directory):
            if (directory / FILE_NAME).exists():
                return cls._load(directory, secret, clock, expected_suite=suite)
            return cls._create(directory, secret, get_suite(suite), clock, scrypt_n)

    @classmethod
    def open(cls, directory: Path | str, passphrase: str | bytes, *, clock: Clock | None = None) -> Keyring:
        """Open an existing keyring (any suite); :class:`KeyringError` when there is none."""
        directory = Path(directory)
        if not (directory / FILE_NAME).exists():
            raise KeyringError(f"no keyring in {directory} (run `sealpost keys init`)")
        secret = passphrase.encode() if isinstance(passphrase, str) else passphrase
        return cls._load(directory, secret, clock or SystemClock(), expected_suite=None)

    @staticmethod
    def exists(directory: Path | str) -> bool:
        return (Path(directory) / FILE_NAME).exists()

    @classmethod
    def _create(
        cls, directory: Path, secret: bytes, suite: IntlSuite | GmSuite, clock: Clock, scrypt_n: int
    ) -> Keyring:
        salt = secrets.token_bytes(16)
        kdf = {"name": "scrypt", "n": scrypt_n, "r": SCRYPT_R, "p": SCRYPT_P, "salt": _b64(salt)}
        ring = cls(directory, suite, _derive_pass_key(secret, kdf, suite.aead_key_size), clock)
        now = clock.now()
        ring._doc = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "suite": suite.name,
            "kdf": kdf,
            "keks": [],
            "keys": [],
        }
        ring._add_kek(now)
        ring._add_key("signing", now)
        ring._add_key("sealing", now)
        ring._add_key("blind_index", now)
        ring._save()
        return ring

    @classmethod
    def _load(cls, directory: Path, secret: bytes, clock: Clock, expected_suite: str | None) -> Keyring:
        doc = _read(directory / FILE_NAME)
        suite = get_suite(doc["suite"])
        if expected_suite is not None and expected_suite != suite.name:
            raise UnsupportedSuite(
                f"the keyring in {directory} uses suite {suite.name}, settings ask for {expected_suite}"
            )
        ring = cls(directory, suite, _derive_pass_key(secret, doc["kdf"], suite.aead_key_size), clock)
        ring._apply(doc)
        return ring

    # ------------------------------------------------------------------ file state
    def _apply(self, doc: dict[str, Any]) -> None:
        """Install a parsed document: unwrap KEKs, then private keys."""
        keks: dict[str, Aead] = {}
        active = ""
        for k in doc["keks"]:
            blob = _unb64(k["wrapped"])
            aad = b"sealpost/keyring/kek\x00" + self._suite.name.encode() + b"\x00" + k["kid"].encode()
            try:
                kek = self._pass_aead.decrypt(blob[:NONCE_SIZE], blob[NONCE_SIZE:], aad)
            except DecryptionFailed:
                raise WrongPassphrase("or the keyring file is damaged / 或密钥库文件已损坏") from None
            keks[k["kid"]] = self._suite.aead(self._wrap_key(kek))
            if k.get("retired_at") is None:
                active = k["kid"]
        if not active:
            raise KeyringError("keyring has no active KEK")
        entries = [_Entry.from_json(e) for e in doc["keys"]]
        self._doc, self._keks, self._active_kek, self._entries = doc, keks, active, entries
        self._private = {
            e.kid: self._unwrap_with(keks, e.wrapped, _key_context(e))
            for e in entries
            if e.wrapped is not None
        }
        self._stamp = _stamp(self._dir / FILE_NAME)

    def _save(self) -> None:
        self._doc["keys"] = [e.to_json() for e in self._entries]
        self._doc["updated_at"] = self._clock.now().isoformat()
        _atomic_write(self._dir / FILE_NAME, json.dumps(self._doc, indent=2, sort_keys=True).encode())
        self._stamp = _stamp(self._dir / FILE_NAME)

    def reload(self) -> bool:
        """Re-read the file if another process changed it; True when it did."""
        stamp = _stamp(self._dir / FILE_NAME)
        if stamp == self._stamp:
            return False
        self._apply(_read(self._dir / FILE_NAME))
        return True

    def _wrap_key(self, kek: bytes) -> bytes:
        return self._suite.kdf(kek, salt=b"", info=WRAP_LABEL, length=self._suite.aead_key_size)

    def _add_kek(self, now: datetime) -> str:
        kid = secrets.token_bytes(KID_SIZE).hex()
        kek = secrets.token_bytes(KEK_SIZE)
        nonce = secrets.token_bytes(NONCE_SIZE)
        aad = b"sealpost/keyring/kek\x00" + self._suite.name.encode() + b"\x00" + kid.encode()
        blob = nonce + self._pass_aead.encrypt(nonce, kek, aad)
        self._doc["keks"].append(
            {"kid": kid, "created_at": now.isoformat(), "retired_at": None, "wrapped": _b64(blob)}
        )
        self._keks[kid] = self._suite.aead(self._wrap_key(kek))
        self._active_kek = kid
        return kid

    def _add_key(self, purpose: str, now: datetime) -> str:
        if purpose == "signing":
            pair = self._suite.new_signing_key()
            private, public = pair.private, pair.public
            kid = self._suite.key_id(public)
        elif purpose == "sealing":
            pair = self._suite.new_agreement_key()
            private, public = pair.private, pair.public
            kid = self._suite.key_id(public)
        else:
            private, public, kid = (
                secrets.token_bytes(BLIND_INDEX_KEY_SIZE),
                None,
                secrets.token_bytes(8).hex(),
            )
        algorithm = ALGORITHMS[self._suite.name][purpose]
        entry = _Entry(kid, purpose, algorithm, public, None, now, None)
        entry = replace(entry, wrapped=self._wrap(private, _key_context(entry)))
        self._entries.append(entry)
        self._private[kid] = private
        return kid

    # ------------------------------------------------------------------ KeyWrapper
    @property
    def path(self) -> Path:
        return self._dir / FILE_NAME

    @property
    def suite(self) -> IntlSuite | GmSuite:
        return self._suite

    @property
    def suite_name(self) -> str:
        return self._suite.name

    @property
    def kek_kid(self) -> str:
        return self._active_kek

    def wrap(self, key: bytes, context: bytes) -> bytes:
        """Wrap under the active KEK (after picking up a rotation made by another process)."""
        self.reload()
        return self._wrap(key, context)

    def _wrap(self, key: bytes, context: bytes) -> bytes:
        head = header(self._suite.suite_id, Kind.WRAPPED_KEY) + bytes.fromhex(self._active_kek)
        nonce = secrets.token_bytes(NONCE_SIZE)
        return head + nonce + self._keks[self._active_kek].encrypt(nonce, key, head + nonce + context)

    def unwrap(self, blob: bytes, context: bytes) -> bytes:
        kid = wrapped_kek_kid(blob, self._suite.suite_id)
        if kid not in self._keks:
            self.reload()
        return self._unwrap_with(self._keks, blob, context)

    def rewrap(self, blob: bytes, context: bytes) -> bytes:
        return self._wrap(self._unwrap_with(self._keks, blob, context), context)

    def _unwrap_with(self, keks: dict[str, Aead], blob: bytes, context: bytes) -> bytes:
        kid = wrapped_kek_kid(blob, self._suite.suite_id)
        aead = keks.get(kid)
        if aead is None:
            raise UnknownKey(f"KEK {kid} is not in the keyring (rotated away?)")
        nonce = blob[HEADER_SIZE + KID_SIZE : WRAPPED_HEADER_SIZE]
        return aead.decrypt(nonce, blob[WRAPPED_HEADER_SIZE:], blob[:WRAPPED_HEADER_SIZE] + context)

    # ------------------------------------------------------------------ signing
    def _active(self, purpose: str) -> _Entry:
        for e in reversed(self._entries):
            if e.purpose == purpose and e.retired_at is None:
                return e
        raise KeyringError(f"no active {purpose} key")

    @property
    def signing_kid(self) -> str:
        return self._active("signing").kid

    def sign(self, message: bytes) -> Signature:
        kid = self.signing_kid
        return Signature(kid, self._suite.sign(self._private[kid], message))

    def public_signing_keys(self) -> dict[str, bytes]:
        return {e.kid: e.public for e in self._entries if e.purpose == "signing" and e.public is not None}

    def verify(self, kid: str, message: bytes, signature: bytes) -> None:
        """Verify a platform signature made by any signing key this keyring ever had."""
        keys = self.public_signing_keys()
        if kid not in keys and self.reload():
            keys = self.public_signing_keys()
        if kid not in keys:
            raise UnknownKey(f"signing key {kid}")
        if len(signature) != self._suite.signature_size:
            raise SignatureInvalid("wrong length")
        self._suite.verify(keys[kid], message, signature)

    # ------------------------------------------------------------------ sealing
    @property
    def sealing_kid(self) -> str:
        return self._active("sealing").kid

    def sealing_public_key(self) -> bytes:
        public = self._active("sealing").public
        assert public is not None
        return public

    def public_sealing_keys(self) -> dict[str, bytes]:
        return {e.kid: e.public for e in self._entries if e.purpose == "sealing" and e.public is not None}

    def agree(self, sealing_kid: str, peer_public: bytes) -> bytes:
        private = self._private.get(sealing_kid)
        if private is None and self.reload():
            private = self._private.get(sealing_kid)
        if private is None or self._entry(sealing_kid).purpose != "sealing":
            raise UnknownKey(f"sealing key {sealing_kid}")
        return self._suite.agree(private, peer_public)

    def open_sealed(self, sealed: bytes, aad: bytes = b"", info: bytes = b"") -> bytes:
        """Open a sealed box addressed to any sealing key of this keyring (current or retired)."""
        kid = self._suite.sealed_kid(sealed)
        public = self.public_sealing_keys().get(kid)
        if public is None and self.reload():
            public = self.public_sealing_keys().get(kid)
        if public is None:
            raise UnknownKey(f"sealing key {kid}")
        return self._suite.open_with(lambda eph: self.agree(kid, eph), public, sealed, aad=aad, info=info)

    # ------------------------------------------------------------------ blind index
    def blind_index_key(self) -> tuple[str, bytes]:
        entry = self._active("blind_index")
        return entry.kid, self._private[entry.kid]

    # ------------------------------------------------------------------ description
    def _entry(self, kid: str) -> _Entry:
        for e in self._entries:
            if e.kid == kid:
                return e
        raise UnknownKey(kid)

    def describe(self) -> list[PublicKeyInfo]:
        infos = [
            PublicKeyInfo(
                kid=k["kid"],
                purpose="kek",
                algorithm=ALGORITHMS[self._suite.name]["kek"],
                public=None,
                created_at=datetime.fromisoformat(k["created_at"]),
                retired_at=datetime.fromisoformat(k["retired_at"]) if k.get("retired_at") else None,
            )
            for k in self._doc["keks"]
        ]
        infos += [
            PublicKeyInfo(e.kid, e.purpose, e.algorithm, e.public, e.created_at, e.retired_at)
            for e in self._entries
        ]
        return infos

    # ------------------------------------------------------------------ rotation
    def rotate_kek(self, rewrap_data_keys: Callable[[KeyWrapper], int] | None = None) -> str:
        """New KEK; private keys re-wrapped at once, data keys through ``rewrap_data_keys(self)``.

        Order (crash-safe): 1. save the file with the new KEK active and the old ones retired but
        kept; 2. re-wrap the data keys; 3. drop the old KEKs and save. A crash before step 3 leaves
        everything readable, and running the rotation again completes it.
        """
        with _locked(self._dir):
            self.reload()
            now = self._clock.now()
            for k in self._doc["keks"]:
                if k.get("retired_at") is None:
                    k["retired_at"] = now.isoformat()
            new_kid = self._add_kek(now)
            self._entries = [
                replace(e, wrapped=self.rewrap(e.wrapped, _key_context(e))) if e.wrapped is not None else e
                for e in self._entries
            ]
            self._save()
            if rewrap_data_keys is not None:
                rewrap_data_keys(self)
            self._doc["keks"] = [k for k in self._doc["keks"] if k["kid"] == new_kid]
            self._keks = {new_kid: self._keks[new_kid]}
            self._save()
            return new_kid

    def rotate_signing_key(self) -> str:
        """New signing key; the old public key stays (old signatures verify), its private half is dropped."""
        return self._rotate("signing", keep_private=False)

    def rotate_sealing_key(self) -> str:
        """New sealing key; the old private key stays so boxes still in flight can be opened."""
        return self._rotate("sealing", keep_private=True)

    def _rotate(self, purpose: str, *, keep_private: bool) -> str:
        with _locked(self._dir):
            self.reload()
            now = self._clock.now()
            retired: list[_Entry] = []
            for e in self._entries:
                if e.purpose == purpose and e.retired_at is None:
                    e = replace(e, retired_at=now)
                    if not keep_private:
                        e = replace(e, wrapped=None)
                        self._private.pop(e.kid, None)
                retired.append(e)
            self._entries = retired
            kid = self._add_key(purpose, now)
            self._save()
            return kid

    def __repr__(self) -> str:
        return f"<Keyring {self._dir} suite={self._suite.name} kek={self._active_kek}>"


# ---------------------------------------------------------------------------------------- helpers


def wrapped_kek_kid(blob: bytes, suite_id: int) -> str:
    """The kid of the KEK that wrapped ``blob``."""
    check_header(blob, suite_id, Kind.WRAPPED_KEY, WRAPPED_HEADER_SIZE + TAG_SIZE)
    return blob[HEADER_SIZE : HEADER_SIZE + KID_SIZE].hex()


def _key_context(entry: _Entry) -> bytes:
    return b"sealpost/keyring/" + entry.purpose.encode() + b"/" + entry.kid.encode()


def _derive_pass_key(secret: bytes, kdf: dict[str, Any], length: int) -> bytes:
    if kdf.get("name") != "scrypt":
        raise KeyringError(f"unknown passphrase KDF {kdf.get('name')!r}")
    return Scrypt(
        salt=_unb64(kdf["salt"]), length=length, n=int(kdf["n"]), r=int(kdf["r"]), p=int(kdf["p"])
    ).derive(secret)


def _read(path: Path) -> dict[str, Any]:
    try:
        doc: dict[str, Any] = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise KeyringError(f"cannot read {path}: {exc.__class__.__name__}") from None
    if doc.get("format") != FORMAT or doc.get("version") != FORMAT_VERSION:
        raise KeyringError(f"{path} is not a sealpost keyring (version {FORMAT_VERSION})")
    return doc


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".keyring-", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise MalformedArtefact("bad base64 in keyring") from None
