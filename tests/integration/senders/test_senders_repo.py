"""The sender register and the replay cache on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from sealpost.adapters.db.senders_repo import SqlReplayCache, SqlSenderRepository
from sealpost.ports.clock import FixedClock
from sealpost.ports.senders import (
    DeviceKeyExistsError,
    DeviceRecord,
    SenderExistsError,
    SenderIndexes,
    SenderRecord,
)

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _sender(doc_type: str = "resident_id") -> SenderRecord:
    return SenderRecord(
        sender_id=uuid.uuid4(),
        doc_type=doc_type,
        minor=False,
        identity_ct=os.urandom(80),
        verified_by="builtin",
        created_at=NOW,
        updated_at=NOW,
    )


def _device(sender_id: uuid.UUID, kid: str | None = None) -> DeviceRecord:
    return DeviceRecord(
        kid=kid or os.urandom(8).hex(),
        sender_id=sender_id,
        algorithm="ES256",
        public_key=b"\x04" + os.urandom(64),
        status="active",
        created_at=NOW,
    )


def _indexes(id_index: bytes | None = None) -> SenderIndexes:
    return SenderIndexes(
        id_number=id_index or os.urandom(16), phone=os.urandom(16), key_id="0011223344556677"
    )


def test_senders_create_find_and_update(engine: Engine) -> None:
    repo = SqlSenderRepository(engine)
    sender = _sender()
    idx = _indexes()
    device = _device(sender.sender_id)
    repo.create(sender, idx, device)
    assert repo.find_by_document("resident_id", idx.id_number) == replace(sender, phone_index=idx.phone)
    assert repo.find_by_document("foreign_passport", idx.id_number) is None
    assert repo.get(sender.sender_id) == replace(sender, phone_index=idx.phone)
    assert repo.get_device(device.kid) == device
    second = _device(sender.sender_id)
    updated = replace(
        sender,
        minor=True,
        identity_ct=b"new",
        verified_by="builtin+external",
        updated_at=NOW + timedelta(days=1),
    )
    repo.update_identity(updated, idx, second)
    got = repo.get(sender.sender_id)
    assert got is not None
    assert (got.identity_ct, got.minor, got.verified_by, got.created_at) == (
        b"new",
        True,
        "builtin+external",
        NOW,
    )
    assert [d.kid for d in repo.list_devices(sender.sender_id)] == sorted([device.kid, second.kid])
    assert repo.count() == 1


def test_senders_same_document_twice_is_refused(engine: Engine) -> None:
    repo = SqlSenderRepository(engine)
    idx = _indexes()
    first = _sender()
    repo.create(first, idx, _device(first.sender_id))
    other = _sender()
    with pytest.raises(SenderExistsError):
        repo.create(other, idx, _device(other.sender_id))
    assert repo.get(other.sender_id) is None
    # The same number under another document type is another document.
    passport = _sender("foreign_passport")
    repo.create(passport, SenderIndexes(idx.id_number, None, idx.key_id), _device(passport.sender_id))


def test_senders_device_kid_collision_writes_nothing(engine: Engine) -> None:
    repo = SqlSenderRepository(engine)
    first = _sender()
    device = _device(first.sender_id)
    repo.create(first, _indexes(), device)
    other = _sender()
    with pytest.raises(DeviceKeyExistsError):
        repo.create(other, _indexes(), _device(other.sender_id, kid=device.kid))
    assert repo.get(other.sender_id) is None


def test_senders_revoke_device_is_idempotent_and_scoped(engine: Engine) -> None:
    repo = SqlSenderRepository(engine)
    sender = _sender()
    device = _device(sender.sender_id)
    repo.create(sender, _indexes(), device)
    assert repo.revoke_device(uuid.uuid4(), device.kid, NOW) is None  # not this sender's device
    revoked = repo.revoke_device(sender.sender_id, device.kid, NOW + timedelta(minutes=1))
    assert revoked is not None and revoked.status == "revoked"
    again = repo.revoke_device(sender.sender_id, device.kid, NOW + timedelta(minutes=5))
    assert again is not None and again.revoked_at == NOW + timedelta(minutes=1)


def test_replay_cache_claims_once_and_purges(engine: Engine) -> None:
    clock = FixedClock(NOW)
    cache = SqlReplayCache(engine, clock)
    token = os.urandom(32)
    assert cache.claim(token, NOW + timedelta(minutes=3)) is True
    assert cache.claim(token, NOW + timedelta(minutes=3)) is False
    assert SqlReplayCache(engine, clock).claim(token, NOW + timedelta(minutes=3)) is False  # another worker
    assert cache.purge(NOW) == 0
    assert cache.purge(NOW + timedelta(minutes=4)) == 1
    assert cache.claim(token, NOW + timedelta(minutes=7)) is True


def test_replay_cache_concurrent_claims_have_one_winner(engine: Engine) -> None:
    token = os.urandom(32)
    caches = [SqlReplayCache(engine) for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda c: c.claim(token, NOW + timedelta(minutes=3)), caches))
    assert results.count(True) == 1
