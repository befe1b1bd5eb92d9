"""The terminal side of sealing (``docs/protocols/records.md``).

A terminal opens a :class:`SealingSession`: one key agreement with the platform's sealing key
(ephemeral X25519 + HKDF, or SM2 ECDH in ``gm``), a signature by the terminal's own key over the
session header, then AES-GCM per record under the session key with the record's clear metadata
as associated data. The session key lives only in memory; closing the session (or losing the
terminal) leaves nothing that can open its records again.
"""

from __future__ import annotations

import base64
import os
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from sealpost.adapters.crypto import TerminalSession, get_suite
from sealpost.domain.records import PersonalFields, record_aad, session_signing_message


def uuid7() -> str:
    """A new UUIDv7 (RFC 9562): 48-bit Unix milliseconds, version 7, 74 random bits."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (
        (ms & (2**48 - 1)) << 80 | 0x7 << 76 | (rand >> 62 & 0xFFF) << 64 | 0b10 << 62 | rand & (2**62 - 1)
    )
    return str(uuid.UUID(int=value))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class SealingSession:
    """One terminal session: seal records to the platform; the key never leaves memory."""

    def __init__(
        self,
        *,
        terminal_id: str,
        signing_private: bytes,
        platform_public: bytes,
        suite: str = "intl",
        max_records: int = 100_000,
        max_age_s: float = 3600.0,
    ) -> None:
        crypto = get_suite(suite)
        self.terminal_id = terminal_id
        self._session = TerminalSession(crypto, platform_public, max_records=max_records, max_age_s=max_age_s)
        self.label = self._session.session_id.hex()
        signature = crypto.sign(signing_private, session_signing_message(terminal_id, self._session.header))
        self.claim: dict[str, str] = {
            "terminal_id": terminal_id,
            "header": b64(self._session.header),
            "signature": b64(signature),
        }

    @property
    def expired(self) -> bool:
        return self._session.expired

    def seal(self, meta: Mapping[str, Any], personal: PersonalFields) -> dict[str, Any]:
        """The wire form of one sealed record (metadata in clear, personal fields sealed)."""
        sealed = self._session.seal(orjson.dumps(personal.to_wire()), record_aad(meta))
        return {"session": self.label, "meta": dict(meta), "sealed": b64(sealed)}

    def seal_blob(self, data: bytes, aad: bytes) -> str:
        """Seal arbitrary bytes in this session (a walk-in's ID fields or card photo), base64."""
        return b64(self._session.seal(data, aad))

    def close(self) -> None:
        self._session.close()


def batch_payload(sessions: Iterable[SealingSession], records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The batch JSON: every session the records use, then the records."""
    return {"version": 1, "sessions": {s.label: s.claim for s in sessions}, "records": list(records)}
