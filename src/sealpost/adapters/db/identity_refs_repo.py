"""One-time sender identity references on SQL (:class:`sealpost.ports.identity_refs.IdentityRefs`).

The identity QR verifier and the walk-in check write here through :meth:`SqlIdentityRefs.issue`;
ingest reads with :meth:`lookup` and redeems inside the record batch's own transaction
(:mod:`sealpost.adapters.db.records_repo`); :meth:`redeem` is the stand-alone form.
"""

from __future__ import annotations

import base64
import functools
import secrets
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Engine, RowMapping

from sealpost.adapters.db.tables.records import identity_refs
from sealpost.domain.records import SenderIdentity
from sealpost.ports.crypto import FieldEncryptor
from sealpost.ports.identity_refs import REF_TTL, IdentityRefError, RefSource, VerifiedSender

IDENTITY_FIELD = "identity"


def new_ref() -> str:
    """120 random bits, base32 without padding: 24 characters, safe in URLs and QR codes."""
    return base64.b32encode(secrets.token_bytes(15)).decode("ascii")


class SqlIdentityRefs:
    def __init__(self, engine: Engine, fields: FieldEncryptor) -> None:
        self._engine = engine
        self._fields = fields
        self._pg = engine.dialect.name == "postgresql"
        # the keys as one JSON text parameter: encoded in C (psycopg dumps a text[] in Python)
        keys = "SELECT json_array_elements_text(%s::json)" if self._pg else "SELECT value FROM json_each(?)"
        self._lookup_sql = f"SELECT {', '.join(_COLUMNS)} FROM identity_refs WHERE ref IN ({keys})"  # noqa: S608
        self._row = functools.partial(_driver_sender, sqlite=not self._pg)

    def issue(
        self,
        *,
        courier_id: str,
        source: RefSource,
        identity: SenderIdentity,
        masked: Mapping[str, str],
        now: datetime,
        sender_id: str | None = None,
        adult: bool | None = None,
    ) -> VerifiedSender:
        sender = self.prepare(
            courier_id=courier_id,
            source=source,
            identity=identity,
            masked=masked,
            now=now,
            sender_id=sender_id,
            adult=adult,
        )
        with self._engine.begin() as conn:
            conn.execute(_INSERT, ref_row(sender))
        return sender

    def prepare(
        self,
        *,
        courier_id: str,
        source: RefSource,
        identity: SenderIdentity,
        masked: Mapping[str, str],
        now: datetime,
        sender_id: str | None = None,
        adult: bool | None = None,
    ) -> VerifiedSender:
        """A new reference, its identity already encrypted, not stored yet: :meth:`issue` stores it
        at once; the identity QR ledger stores it in the transaction that claims the code."""
        ref = new_ref()
        blob = orjson.dumps(
            {
                "name": identity.name,
                "document_type": identity.document_type,
                "document_number": identity.document_number,
                "sender_id": sender_id or identity.sender_id,
            }
        )
        return VerifiedSender(
            ref=ref,
            courier_id=courier_id,
            source=source,
            document_type=identity.document_type,
            masked=dict(masked),
            identity_enc=self._fields.encrypt(ref, IDENTITY_FIELD, blob),
            issued_at=now,
            expires_at=now + REF_TTL,
            sender_id=sender_id or identity.sender_id or None,
            adult=adult,
        )

    def lookup(self, refs: Iterable[str]) -> dict[str, VerifiedSender]:
        wanted = sorted(set(refs))
        if not wanted:
            return {}
        out: dict[str, VerifiedSender] = {}
        keys = orjson.dumps(wanted).decode()
        make = self._row
        with self._engine.connect() as conn:  # rows straight from the driver (the ingest path)
            for row in conn.exec_driver_sql(self._lookup_sql, (keys,)).fetchall():
                sender = make(row)
                out[sender.ref] = sender
        return out

    def redeem(
        self, ref: str, courier_id: str, now: datetime, record_id: str | None = None
    ) -> VerifiedSender:
        found = self.lookup([ref]).get(ref)
        if found is None:
            raise IdentityRefError("ref_unknown")
        refusal = found.refusal(courier_id, now)
        if refusal is not None:
            raise IdentityRefError(refusal)
        with self._engine.begin() as conn:
            result = conn.execute(
                identity_refs.update()
                .where(
                    identity_refs.c.ref == ref,
                    identity_refs.c.courier_id == courier_id,
                    identity_refs.c.redeemed_at.is_(None),
                )
                .values(redeemed_at=now, record_id=record_id)
            )
            if result.rowcount != 1:
                raise IdentityRefError("ref_used")
        return VerifiedSender(**{**_fields_of(found), "redeemed_at": now, "record_id": record_id})

    def open_identity(self, sender: VerifiedSender) -> SenderIdentity:
        data = orjson.loads(self._fields.decrypt(sender.ref, IDENTITY_FIELD, sender.identity_enc))
        return SenderIdentity(
            name=data["name"],
            document_type=data["document_type"],
            document_number=data["document_number"],
            sender_id=data.get("sender_id") or "",
        )

    def purge_expired(self, before: datetime) -> int:
        """Delete references that expired before ``before`` and were never used."""
        with self._engine.begin() as conn:
            result = conn.execute(
                identity_refs.delete().where(
                    identity_refs.c.expires_at < before, identity_refs.c.redeemed_at.is_(None)
                )
            )
        return int(result.rowcount or 0)


#: Built once: a statement built per call (``insert().values(**row)``) costs more than running it.
_INSERT = identity_refs.insert()

#: The columns :func:`ref_row` fills, in table order.
REF_COLUMNS = (
    "ref",
    "courier_id",
    "source",
    "sender_id",
    "document_type",
    "masked",
    "adult",
    "identity_enc",
    "issued_at",
    "expires_at",
)


def ref_row(sender: VerifiedSender) -> dict[str, Any]:
    """The ``identity_refs`` row of a new (unredeemed) reference, as Python values."""
    return {
        "ref": sender.ref,
        "courier_id": sender.courier_id,
        "source": sender.source,
        "sender_id": sender.sender_id,
        "document_type": sender.document_type,
        "masked": dict(sender.masked),
        "adult": sender.adult,
        "identity_enc": sender.identity_enc,
        "issued_at": sender.issued_at,
        "expires_at": sender.expires_at,
    }


def _fields_of(sender: VerifiedSender) -> dict[str, Any]:
    return {name: getattr(sender, name) for name in VerifiedSender.__dataclass_fields__}


#: The columns the batch look-up reads, in :func:`_driver_sender`'s order.
_COLUMNS: tuple[str, ...] = (*REF_COLUMNS, "redeemed_at", "record_id")
assert set(_COLUMNS) == {c.name for c in identity_refs.columns}, "identity_refs columns changed"


def _pg_time(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def _sqlite_time(value: str | None) -> datetime | None:
    """SQLAlchemy's SQLite form of a ``UtcDateTime`` (naive UTC ISO text) → aware datetime."""
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def _driver_sender(row: Any, *, sqlite: bool) -> VerifiedSender:
    """A driver row of :data:`_COLUMNS` → the same :class:`VerifiedSender` as :func:`_sender` of
    the SQLAlchemy row. psycopg decodes timestamptz, json and uuid itself; sqlite3 gives
    SQLAlchemy's storage forms (ISO text times, JSON text, 32 hex digits, 0/1)."""
    (ref, courier_id, source, sender_id, document_type, masked, adult, enc) = row[:8]
    issued, expires, redeemed, rid = row[8:]
    when = _sqlite_time if sqlite else _pg_time
    if sqlite:
        masked = orjson.loads(masked) if masked is not None else None
        adult = None if adult is None else bool(adult)
        rid = None if rid is None else uuid.UUID(rid)
    return VerifiedSender(
        ref=ref,
        courier_id=courier_id,
        source=source,
        document_type=document_type,
        masked=masked or {},
        identity_enc=bytes(enc),
        issued_at=when(issued),  # type: ignore[arg-type]  # NOT NULL columns
        expires_at=when(expires),  # type: ignore[arg-type]
        sender_id=sender_id,
        adult=adult,
        redeemed_at=when(redeemed),
        record_id=None if rid is None else str(rid),
    )


def _sender(row: RowMapping) -> VerifiedSender:
    return VerifiedSender(
        ref=row["ref"],
        courier_id=row["courier_id"],
        source=row["source"],
        document_type=row["document_type"],
        masked=row["masked"] or {},
        identity_enc=row["identity_enc"],
        issued_at=row["issued_at"],
        expires_at=row["expires_at"],
        sender_id=row["sender_id"],
        adult=row["adult"],
        redeemed_at=row["redeemed_at"],
        record_id=row["record_id"],
    )
