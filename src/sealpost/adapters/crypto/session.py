"""Session sealing: a terminal agrees one key with the platform, then seals each record under it.

Per-record sealed boxes cost one public-key operation each (X25519 ~40k/s per core); a session
costs one per terminal session, then AES-GCM per record (~2M/s), which is what makes the national
ingest rate reachable. Layouts (``docs/protocols/crypto.md``)::

    session header: version | suite | kind 0x03 | platform sealing kid (8) | ephemeral public key
    session record: version | suite | kind 0x04 | session id (16) | counter (8, big-endian, from 1)
                    | AEAD ciphertext || tag (16)

``session id = hash(session header)[:16]``; ``session key = KDF(shared, salt = ephemeral public ||
platform public, info = "sealpost/v1/session" || 0x00 || info)``; record nonce = 4 zero bytes ||
counter; AAD = the record's first 27 bytes || caller AAD.

Forward secrecy for the terminal: the ephemeral private key is dropped as soon as the session key
is derived and the session key lives only in the terminal's memory (``close()`` drops it; sessions
are short, see ``max_records``/``max_age_s``). A stolen terminal therefore holds no key for any
past session, and records of past sessions cannot be read from it. Only the platform's sealing
private key (in its key store) can re-derive a session key from a header.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Final

from sealpost.adapters.crypto.encoding import (
    HEADER_SIZE,
    KID_SIZE,
    TAG_SIZE,
    Kind,
    check_header,
    header,
)
from sealpost.adapters.crypto.suites import SESSION_LABEL, GmSuite, IntlSuite
from sealpost.ports.crypto import Aead, CryptoError, MalformedArtefact, UnknownKey
from sealpost.ports.keystore import KeyStore

SESSION_ID_SIZE: Final = 16
COUNTER_SIZE: Final = 8
RECORD_PREFIX_SIZE: Final = HEADER_SIZE + SESSION_ID_SIZE + COUNTER_SIZE
MAX_COUNTER: Final = 2**64 - 1
_MIN_RECORD: Final = RECORD_PREFIX_SIZE + TAG_SIZE
_ZERO_COUNTER: Final = bytes(COUNTER_SIZE)


def session_key(
    suite: IntlSuite | GmSuite, shared: bytes, eph_public: bytes, recipient_public: bytes, info: bytes
) -> bytes:
    return suite.kdf(
        shared,
        salt=eph_public + recipient_public,
        info=SESSION_LABEL + b"\x00" + info,
        length=suite.aead_key_size,
    )


def session_id(suite: IntlSuite | GmSuite, session_header: bytes) -> bytes:
    return suite.hash(session_header)[:SESSION_ID_SIZE]


def header_size(suite: IntlSuite | GmSuite) -> int:
    return HEADER_SIZE + KID_SIZE + suite.public_key_size


def parse_header(suite: IntlSuite | GmSuite, session_header: bytes) -> tuple[str, bytes]:
    """(platform sealing kid, ephemeral public key) of a session header."""
    size = header_size(suite)
    check_header(session_header, suite.suite_id, Kind.SESSION_HEADER, size)
    if len(session_header) != size:
        raise MalformedArtefact("session header has trailing bytes")
    return session_header[HEADER_SIZE : HEADER_SIZE + KID_SIZE].hex(), session_header[
        HEADER_SIZE + KID_SIZE :
    ]


def record_session_id(suite: IntlSuite | GmSuite, record: bytes) -> bytes:
    check_header(record, suite.suite_id, Kind.SESSION_RECORD, RECORD_PREFIX_SIZE + TAG_SIZE)
    return record[HEADER_SIZE : HEADER_SIZE + SESSION_ID_SIZE]


class SessionClosed(CryptoError):  # noqa: N818 - named for what happened
    default_code = "crypto_session_closed"


class TerminalSession:
    """The terminal side: seal records to the platform under one session key (memory only)."""

    def __init__(
        self,
        suite: IntlSuite | GmSuite,
        platform_public: bytes,
        *,
        info: bytes = b"",
        max_records: int = 100_000,
        max_age_s: float = 3600.0,
        ephemeral_private: bytes | None = None,
    ) -> None:
        """``ephemeral_private`` exists only to reproduce the documented test vectors."""
        if len(platform_public) != suite.public_key_size:
            raise MalformedArtefact("platform public key has the wrong size")
        eph_public, shared = suite.ephemeral_agree(platform_public, ephemeral_private)
        self.suite = suite
        self.header = (
            header(suite.suite_id, Kind.SESSION_HEADER)
            + bytes.fromhex(suite.key_id(platform_public))
            + eph_public
        )
        self.session_id = session_id(suite, self.header)
        self._aead: Aead | None = suite.aead(session_key(suite, shared, eph_public, platform_public, info))
        del shared
        self._prefix = header(suite.suite_id, Kind.SESSION_RECORD) + self.session_id
        self._counter = 0
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self.max_records = max_records
        self.max_age_s = max_age_s

    @property
    def records_sealed(self) -> int:
        return self._counter

    @property
    def expired(self) -> bool:
        """True when the terminal should start a new session (and close this one)."""
        return self._counter >= self.max_records or time.monotonic() - self._started >= self.max_age_s

    def seal(self, plaintext: bytes, aad: bytes = b"") -> bytes:
        with self._lock:
            aead = self._aead
            if aead is None:
                raise SessionClosed("session closed")
            if self._counter >= MAX_COUNTER:
                raise SessionClosed("counter exhausted")
            self._counter += 1
            counter = self._counter.to_bytes(COUNTER_SIZE, "big")
        head = self._prefix + counter
        return head + aead.encrypt(b"\x00\x00\x00\x00" + counter, plaintext, head + aad)

    def close(self) -> None:
        """Forget the session key. Records sealed before stay readable only by the platform."""
        with self._lock:
            self._aead = None

    def __enter__(self) -> TerminalSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SessionOpener:
    """The platform side: derives each session key once (one key agreement) and caches it (LRU)."""

    def __init__(self, suite: IntlSuite | GmSuite, keystore: KeyStore, *, cache_size: int = 4096) -> None:
        self._suite = suite
        self._keystore = keystore
        self._cache: OrderedDict[tuple[bytes, bytes], tuple[bytes, Aead]] = OrderedDict()
        self._cache_size = max(1, cache_size)
        self._lock = threading.Lock()
        self._record_header = header(suite.suite_id, Kind.SESSION_RECORD)

    def key_for(self, session_header: bytes, info: bytes = b"") -> tuple[bytes, Aead]:
        """(session id, AEAD) for a session header, derived on first sight."""
        cache_key = (session_header, info)
        with self._lock:
            hit = self._cache.get(cache_key)
            if hit is not None:
                self._cache.move_to_end(cache_key)
                return hit
        sid = session_id(self._suite, session_header)
        kid, eph_public = parse_header(self._suite, session_header)
        public = self._keystore.public_sealing_keys().get(kid)
        if public is None and self._keystore.reload():
            public = self._keystore.public_sealing_keys().get(kid)
        if public is None:
            raise UnknownKey(f"sealing key {kid}")
        shared = self._keystore.agree(kid, eph_public)
        aead = self._suite.aead(session_key(self._suite, shared, eph_public, public, info))
        with self._lock:
            self._cache[cache_key] = (sid, aead)
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return sid, aead

    def open(self, session_header: bytes, record: bytes, aad: bytes = b"", info: bytes = b"") -> bytes:
        if len(record) >= _MIN_RECORD and record[:HEADER_SIZE] == self._record_header:
            rec_sid = record[HEADER_SIZE : HEADER_SIZE + SESSION_ID_SIZE]  # = record_session_id
        else:
            rec_sid = record_session_id(self._suite, record)  # raises the precise error
        sid, aead = self.key_for(session_header, info)
        if rec_sid != sid:
            raise MalformedArtefact("record belongs to another session")
        counter = record[HEADER_SIZE + SESSION_ID_SIZE : RECORD_PREFIX_SIZE]
        if counter == _ZERO_COUNTER:
            raise MalformedArtefact("session counter 0 is never used")
        return aead.decrypt(
            b"\x00\x00\x00\x00" + counter, record[RECORD_PREFIX_SIZE:], record[:RECORD_PREFIX_SIZE] + aad
        )
