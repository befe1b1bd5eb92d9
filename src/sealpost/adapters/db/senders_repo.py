"""The sender register and the token replay cache on SQL (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import Engine, RowMapping
from sqlalchemy.exc import IntegrityError

from sealpost.adapters.db.tables.senders import sender_devices, sender_token_replay, senders
from sealpost.ports.clock import Clock, SystemClock
from sealpost.ports.senders import (
    DeviceAlgorithm,
    DeviceKeyExistsError,
    DeviceRecord,
    DeviceStatus,
    SenderExistsError,
    SenderIndexes,
    SenderRecord,
)

# Statements built once: building and cache-keying a statement per call costs more than running it.
_DEVICE_BY_KID = sa.select(sender_devices).where(sender_devices.c.kid == sa.bindparam("kid"))
_SENDER_BY_ID = sa.select(senders).where(senders.c.sender_id == sa.bindparam("sender_id"))
_DEVICE_WITH_SENDER = (
    sa.select(sender_devices, *[c for c in senders.c if c.name != "sender_id"])
    .join(senders, senders.c.sender_id == sender_devices.c.sender_id)
    .where(sender_devices.c.kid == sa.bindparam("kid"))
)


class SqlSenderRepository:
    """Implements :class:`sealpost.ports.senders.SenderRepository`."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def find_by_document(self, doc_type: str, id_index: bytes) -> SenderRecord | None:
        query = sa.select(senders).where(senders.c.doc_type == doc_type, senders.c.id_index == id_index)
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return _sender(row._mapping) if row is not None else None

    def get(self, sender_id: UUID) -> SenderRecord | None:
        with self._engine.connect() as conn:
            row = conn.execute(_SENDER_BY_ID, {"sender_id": str(sender_id)}).first()
        return _sender(row._mapping) if row is not None else None

    def get_device_with_sender(self, kid: str) -> tuple[DeviceRecord, SenderRecord] | None:
        with self._engine.connect() as conn:
            row = conn.execute(_DEVICE_WITH_SENDER, {"kid": kid}).first()
        if row is None:
            return None
        return _device(row._mapping), _sender(row._mapping)

    def create(self, sender: SenderRecord, indexes: SenderIndexes, device: DeviceRecord) -> None:
        try:
            with self._engine.begin() as conn:
                conn.execute(senders.insert().values(**_sender_row(sender, indexes)))
                self._insert_device(conn, device)
        except IntegrityError as exc:
            if self.find_by_document(sender.doc_type, indexes.id_number) is not None:
                raise SenderExistsError() from None
            if self.get_device(device.kid) is not None:
                raise DeviceKeyExistsError() from None
            raise exc

    def update_identity(
        self, sender: SenderRecord, indexes: SenderIndexes, device: DeviceRecord | None
    ) -> None:
        row = _sender_row(sender, indexes)
        for key in ("sender_id", "created_at", "doc_type"):
            row.pop(key)
        with self._engine.begin() as conn:
            conn.execute(senders.update().where(senders.c.sender_id == str(sender.sender_id)).values(**row))
            if device is not None:
                self._insert_device(conn, device)

    def _insert_device(self, conn: sa.Connection, device: DeviceRecord) -> None:
        exists = conn.execute(
            sa.select(sender_devices.c.kid).where(sender_devices.c.kid == device.kid)
        ).first()
        if exists is not None:
            raise DeviceKeyExistsError()
        conn.execute(sender_devices.insert().values(**_device_row(device)))

    def get_device(self, kid: str) -> DeviceRecord | None:
        with self._engine.connect() as conn:
            row = conn.execute(_DEVICE_BY_KID, {"kid": kid}).first()
        return _device(row._mapping) if row is not None else None

    def list_devices(self, sender_id: UUID) -> list[DeviceRecord]:
        query = (
            sa.select(sender_devices)
            .where(sender_devices.c.sender_id == str(sender_id))
            .order_by(sender_devices.c.created_at, sender_devices.c.kid)
        )
        with self._engine.connect() as conn:
            return [_device(row._mapping) for row in conn.execute(query)]

    def revoke_device(self, sender_id: UUID, kid: str, at: datetime) -> DeviceRecord | None:
        owned = (sender_devices.c.kid == kid) & (sender_devices.c.sender_id == str(sender_id))
        with self._engine.begin() as conn:
            conn.execute(
                sender_devices.update()
                .where(owned, sender_devices.c.status == "active")
                .values(status="revoked", revoked_at=at)
            )
            row = conn.execute(sa.select(sender_devices).where(owned)).first()
        return _device(row._mapping) if row is not None else None

    def count(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(senders)).scalar_one())


class SqlReplayCache:
    """Implements :class:`sealpost.ports.senders.ReplayCache` with a primary key on the token hash.

    The insert itself is the check: two workers claiming the same token race on the primary key and
    exactly one wins, on SQLite and PostgreSQL alike. Expired rows are purged now and then (about
    once every ``purge_every`` claims) so the table stays as small as the acceptance window.
    """

    def __init__(self, engine: Engine, clock: Clock | None = None, *, purge_every: int = 2000) -> None:
        self._engine = engine
        self._clock = clock or SystemClock()
        self._postgres = engine.dialect.name == "postgresql"
        self._purge_every = max(1, purge_every)
        self._claims = 0
        insert: Any
        if self._postgres:
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        self._claim = (
            insert(sender_token_replay)
            .values(token_hash=sa.bindparam("token_hash"), expires_at=sa.bindparam("expires_at"))
            .on_conflict_do_nothing()
            .returning(sender_token_replay.c.token_hash)
        )

    def claim(self, token_hash: bytes, expires_at: datetime) -> bool:
        with self._engine.begin() as conn:
            row = conn.execute(self._claim, {"token_hash": token_hash, "expires_at": expires_at}).first()
        inserted = row is not None
        self._claims += 1
        if self._claims % self._purge_every == 0:
            self.purge(self._clock.now())
        return inserted

    def purge(self, now: datetime) -> int:
        with self._engine.begin() as conn:
            result = conn.execute(sender_token_replay.delete().where(sender_token_replay.c.expires_at < now))
        return int(result.rowcount or 0)


def _sender_row(sender: SenderRecord, indexes: SenderIndexes) -> dict[str, Any]:
    return {
        "sender_id": str(sender.sender_id),
        "doc_type": sender.doc_type,
        "id_index": indexes.id_number,
        "phone_index": indexes.phone,
        "index_kid": indexes.key_id,
        "minor": sender.minor,
        "identity_ct": sender.identity_ct,
        "verified_by": sender.verified_by,
        "created_at": sender.created_at,
        "updated_at": sender.updated_at,
    }


def _sender(row: RowMapping) -> SenderRecord:
    return SenderRecord(
        sender_id=UUID(row["sender_id"]),
        doc_type=row["doc_type"],
        minor=bool(row["minor"]),
        identity_ct=bytes(row["identity_ct"]),
        verified_by=row["verified_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        phone_index=bytes(row["phone_index"]) if row["phone_index"] is not None else None,
    )


def _device_row(device: DeviceRecord) -> dict[str, Any]:
    return {
        "kid": device.kid,
        "sender_id": str(device.sender_id),
        "algorithm": device.algorithm,
        "public_key": device.public_key,
        "status": device.status,
        "created_at": device.created_at,
        "revoked_at": device.revoked_at,
    }


def _device(row: RowMapping) -> DeviceRecord:
    return DeviceRecord(
        kid=row["kid"],
        sender_id=UUID(row["sender_id"]),
        algorithm=cast(DeviceAlgorithm, row["algorithm"]),
        public_key=bytes(row["public_key"]),
        status=cast(DeviceStatus, row["status"]),
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )
