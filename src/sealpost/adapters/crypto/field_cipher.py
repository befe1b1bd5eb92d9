"""Encryption at rest of personal fields under per-day data keys (crypto-shredding by day).

Ciphertext (``docs/protocols/crypto.md``)::

    version (1) | suite id (1) | kind 0x02 (1) | key day (4, days since 1970-01-01, big-endian)
    | nonce (12, random) | AEAD ciphertext || tag (16)

AEAD = AES-256-GCM (``intl``) or SM4-GCM (``gm``) under the day's data key; AAD = the first 7
bytes || u16 len || record id (UTF-8) || u16 len || field name (UTF-8), so a ciphertext moved to
another record, another field or relabelled with another day fails to decrypt.

Data keys are random, made on first use of a day, stored wrapped by the KEK in ``data_keys``
(context ``sealpost/data-key/<suite>/<YYYY-MM-DD>``), and cached unwrapped in memory (bounded,
with a TTL so a day destroyed by another process stops decrypting here within ``cache_ttl_s``).
Random 96-bit nonces keep the GCM collision probability under 2**-32 up to ~6·10**9 encryptions
per day key (NIST SP 800-38D); beyond that volume split the day key by shard.

Nonces come from ``os.urandom`` in blocks of :data:`NONCE_BLOCK` (a per-thread 96 kB buffer, each
nonce used once, the buffer dropped in a forked child so two processes never share one). One
syscall per ~1,000 records instead of one per record matters more than its CPU: ``os.urandom``
releases the GIL, and in a busy API worker every release is a hand-over to another thread and a
wait to get it back.
"""

from __future__ import annotations

import os
import struct
import threading
import time
from collections.abc import Sequence
from datetime import UTC, date
from typing import Final

from sealpost.adapters.crypto.encoding import (
    HEADER_SIZE,
    NONCE_SIZE,
    TAG_SIZE,
    Kind,
    check_header,
    day_from_number,
    day_number,
    header,
    pack_u32,
    unpack_u32,
)
from sealpost.adapters.crypto.suites import GmSuite, IntlSuite
from sealpost.ports.clock import Clock, SystemClock
from sealpost.ports.crypto import Aead, DecryptionFailed, KeyDestroyed, MalformedArtefact, RecordId
from sealpost.ports.keystore import DataKeyRepository, KeyWrapper, WrappedDataKey

PREFIX_SIZE: Final = HEADER_SIZE + 4
BODY_OFFSET: Final = PREFIX_SIZE + NONCE_SIZE
MIN_SIZE: Final = BODY_OFFSET + TAG_SIZE
OVERHEAD: Final = MIN_SIZE
_U16 = struct.Struct(">H")
#: Nonces drawn from ``os.urandom`` at once (96 kB) by :func:`_random_nonces`.
NONCE_BLOCK: Final = 8192


class _NonceBuffer(threading.local):
    """Random bytes not handed out yet, per thread (so no lock and no sharing between threads)."""

    def __init__(self) -> None:
        self.data = b""
        self.pos = 0


_buffer = _NonceBuffer()


def _forget_buffer() -> None:
    # A forked child must not hand out the nonces its parent may still use (same day keys).
    global _buffer
    _buffer = _NonceBuffer()


os.register_at_fork(after_in_child=_forget_buffer)


def _random_nonces(count: int) -> bytes:
    """``count`` fresh random 12-byte nonces, concatenated (never returned twice, in any process)."""
    size = NONCE_SIZE * count
    buf = _buffer
    pos = buf.pos
    end = pos + size
    if end > len(buf.data):
        if size >= NONCE_SIZE * NONCE_BLOCK:
            return os.urandom(size)
        buf.data = os.urandom(NONCE_SIZE * NONCE_BLOCK)
        pos, end = 0, size
    buf.pos = end
    return buf.data[pos:end]


def data_key_context(suite_name: str, day: date) -> bytes:
    return b"sealpost/data-key/" + suite_name.encode() + b"/" + day.isoformat().encode()


def field_aad(prefix: bytes, record_id: RecordId, field: str) -> bytes:
    rid = (record_id if isinstance(record_id, str) else str(record_id)).encode()
    name = field.encode()
    return prefix + _U16.pack(len(rid)) + rid + _U16.pack(len(name)) + name


def encode_field_ciphertext(
    suite: IntlSuite | GmSuite,
    key: bytes,
    day: date,
    nonce: bytes,
    record_id: RecordId,
    field: str,
    plaintext: bytes,
) -> bytes:
    """The field ciphertext layout spelt out with an explicit key and nonce (test vectors, other languages).

    :class:`FieldCipher` produces the same bytes with a random nonce and the day's stored key.
    """
    if len(nonce) != NONCE_SIZE:
        raise ValueError("nonce must be 12 bytes")
    prefix = header(suite.suite_id, Kind.FIELD_CIPHERTEXT) + pack_u32(day_number(day))
    return prefix + nonce + suite.aead(key).encrypt(nonce, plaintext, field_aad(prefix, record_id, field))


class FieldCipher:
    """Implements :class:`sealpost.ports.crypto.FieldEncryptor`."""

    def __init__(
        self,
        suite: IntlSuite | GmSuite,
        wrapper: KeyWrapper,
        repo: DataKeyRepository,
        clock: Clock | None = None,
        *,
        cache_size: int = 64,
        cache_ttl_s: float = 300.0,
    ) -> None:
        self._suite = suite
        self._wrapper = wrapper
        self._repo = repo
        self._clock = clock or SystemClock()
        self._cache: dict[int, tuple[Aead, bytes, float]] = {}
        self._cache_size = max(1, cache_size)
        self._ttl = cache_ttl_s
        self._lock = threading.Lock()
        self._base = header(suite.suite_id, Kind.FIELD_CIPHERTEXT)
        self._aad_tails: dict[str, bytes] = {}  # field name → u16 len || name (AAD tail)

    @property
    def suite(self) -> IntlSuite | GmSuite:
        return self._suite

    def today(self) -> date:
        return self._clock.now().astimezone(UTC).date()

    # ------------------------------------------------------------------ hot path
    def encrypt(self, record_id: RecordId, field: str, plaintext: bytes, day: date | None = None) -> bytes:
        """Encrypt under the data key of ``day`` (default: today, UTC)."""
        aead, prefix = self._key(day_number(day or self.today()), create=True)
        nonce = _random_nonces(1)
        return prefix + nonce + aead.encrypt(nonce, plaintext, field_aad(prefix, record_id, field))

    def decrypt(self, record_id: RecordId, field: str, ciphertext: bytes) -> bytes:
        if len(ciphertext) < MIN_SIZE or ciphertext[:HEADER_SIZE] != self._base:
            check_header(ciphertext, self._suite.suite_id, Kind.FIELD_CIPHERTEXT, MIN_SIZE)
            raise MalformedArtefact("field ciphertext")  # pragma: no cover - check_header raised
        aead, prefix = self._key(unpack_u32(ciphertext, HEADER_SIZE), create=False)
        return aead.decrypt(
            ciphertext[PREFIX_SIZE:BODY_OFFSET], ciphertext[BODY_OFFSET:], field_aad(prefix, record_id, field)
        )

    def encrypt_text(self, record_id: RecordId, field: str, text: str, day: date | None = None) -> bytes:
        return self.encrypt(record_id, field, text.encode("utf-8"), day)

    def encrypt_texts(
        self, record_id: RecordId, fields: Sequence[tuple[str, str]], day: date | None = None
    ) -> list[bytes]:
        """Several text fields of one record at once: :meth:`encrypt_columns` of one record."""
        sealed = self.encrypt_columns([record_id], [(name, [text]) for name, text in fields], day)
        return [column[0] for column in sealed]  # type: ignore[misc]  # no None given, none returned

    def encrypt_columns(
        self,
        record_ids: Sequence[RecordId],
        columns: Sequence[tuple[str, Sequence[str | None]]],
        day: date | None = None,
    ) -> list[list[bytes | None]]:
        """Text fields of many records at once, column by column (the ingest hot path):
        ``out[j][i] = encrypt_text(record_ids[i], columns[j][0], columns[j][1][i], day)``, or None
        where the text is None.

        The same ciphertexts as field by field — each value has its own random nonce and its own
        AAD (record id + field name) — with the per-value work done in C passes: the nonces sliced
        from one random draw, the AADs joined from the records' encoded ids and the field's cached
        tail, AES-GCM applied by ``map``.
        """
        aead, prefix = self._key(day_number(day or self.today()), create=True)
        heads = [
            prefix + _U16.pack(len(rid)) + rid
            for rid in (r.encode() if isinstance(r, str) else str(r).encode() for r in record_ids)
        ]
        encrypt = aead.encrypt
        out: list[list[bytes | None]] = []
        for name, texts in columns:
            tail = self._aad_tails.get(name)
            if tail is None:
                encoded = name.encode()
                tail = self._aad_tails.setdefault(name, _U16.pack(len(encoded)) + encoded)
            present = [i for i, text in enumerate(texts) if text is not None]
            whole = len(present) == len(texts)
            values = texts if whole else [texts[i] for i in present]
            aads = [h + tail for h in heads] if whole else [heads[i] + tail for i in present]
            count = len(values)
            pool = _random_nonces(count)
            nonces = [pool[k : k + NONCE_SIZE] for k in range(0, NONCE_SIZE * count, NONCE_SIZE)]
            boxes = map(encrypt, nonces, [t.encode("utf-8") for t in values], aads)  # type: ignore[union-attr]
            sealed = [prefix + nonce + box for nonce, box in zip(nonces, boxes, strict=True)]
            if whole:
                out.append(sealed)  # type: ignore[arg-type]
            else:
                column: list[bytes | None] = [None] * len(texts)
                for i, value in zip(present, sealed, strict=True):
                    column[i] = value
                out.append(column)
        return out

    def decrypt_text(self, record_id: RecordId, field: str, ciphertext: bytes) -> str:
        data = self.decrypt(record_id, field, ciphertext)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise DecryptionFailed("not UTF-8 text") from None

    @staticmethod
    def key_day(ciphertext: bytes) -> date:
        """The day whose data key encrypted ``ciphertext`` (no key needed)."""
        if len(ciphertext) < MIN_SIZE or ciphertext[2] != Kind.FIELD_CIPHERTEXT:
            raise MalformedArtefact("not a field ciphertext")
        return day_from_number(unpack_u32(ciphertext, HEADER_SIZE))

    # ------------------------------------------------------------------ keys
    def _key(self, n: int, *, create: bool) -> tuple[Aead, bytes]:
        entry = self._cache.get(n)
        if entry is not None and time.monotonic() - entry[2] < self._ttl:
            return entry[0], entry[1]
        with self._lock:
            return self._load(n, create=create)

    def _load(self, n: int, *, create: bool) -> tuple[Aead, bytes]:
        day = day_from_number(n)
        context = data_key_context(self._suite.name, day)
        row = self._repo.get(day)
        if row is None:
            if not create:
                raise KeyDestroyed(f"no data key for {day.isoformat()}")
            blob = self._wrapper.wrap(os.urandom(self._suite.aead_key_size), context)
            row = self._repo.insert_if_absent(
                day,
                suite=self._suite.name,
                kek_kid=self._wrapper.kek_kid,
                wrapped=blob,
                created_at=self._clock.now(),
            )
        if row.wrapped is None:
            self._cache.pop(n, None)
            raise KeyDestroyed(day.isoformat())
        if row.suite != self._suite.name:
            raise MalformedArtefact(f"data key of {day} belongs to suite {row.suite}")
        aead = self._suite.aead(self._wrapper.unwrap(row.wrapped, context))
        prefix = self._base + pack_u32(n)
        if n not in self._cache and len(self._cache) >= self._cache_size:
            self._cache.pop(next(iter(self._cache)), None)  # oldest inserted first
        self._cache[n] = (aead, prefix, time.monotonic())
        return aead, prefix

    def ensure_day(self, day: date) -> None:
        """Create (or load) the data key of ``day`` ahead of time, e.g. before a SQLite write transaction."""
        self._key(day_number(day), create=True)

    def destroy_day(self, day: date) -> bool:
        """Crypto-shred ``day``: its wrapped key is deleted, its ciphertexts become unreadable for good."""
        with self._lock:
            destroyed = self._repo.destroy(day, self._clock.now())
            self._cache.pop(day_number(day), None)
        return destroyed

    def forget_cached_keys(self) -> None:
        """Drop every unwrapped key from memory (they are reloaded from the store on demand)."""
        with self._lock:
            self._cache.clear()

    def stored_keys(self) -> list[WrappedDataKey]:
        """Every stored day key row (wrapped keys and tombstones), oldest day first."""
        return self._repo.list()

    def rewrap_all(self, wrapper: KeyWrapper) -> int:
        """Re-wrap every stored data key under ``wrapper``'s active KEK (used by KEK rotation)."""

        def rewrap(row: WrappedDataKey) -> tuple[str, bytes]:
            assert row.wrapped is not None
            blob = wrapper.rewrap(row.wrapped, data_key_context(row.suite, row.day))
            return wrapper.kek_kid, blob

        return self._repo.rewrap_all(rewrap)
