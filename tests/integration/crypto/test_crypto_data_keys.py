"""Per-day data keys in the real database (SQLite and PostgreSQL through the ``engine`` fixture)."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from sealpost.adapters.crypto import CryptoKit, FieldCipher, Keyring
from sealpost.adapters.db.keys_repo import SqlDataKeyRepository
from sealpost.adapters.db.tables.keys import data_keys
from sealpost.config import Settings
from sealpost.ports.clock import FixedClock
from sealpost.ports.crypto import KeyDestroyed

DAY = date(2026, 11, 28)
PASSPHRASE = "integration passphrase"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 28, 23, 59, tzinfo=UTC))


@pytest.fixture(params=["intl", "gm"])
def kit(engine: Engine, tmp_path: Path, clock: FixedClock, request: pytest.FixtureRequest) -> CryptoKit:
    return CryptoKit.open(
        tmp_path / "keyring",
        PASSPHRASE,
        SqlDataKeyRepository(engine),
        suite=request.param,
        clock=clock,
        scrypt_n=2**10,
    )


def test_round_trip_through_the_database(kit: CryptoKit, engine: Engine) -> None:
    rid = uuid.uuid4()
    ct = kit.fields.encrypt_text(rid, "recipient_phone", "13800001111")
    with engine.connect() as conn:
        rows = conn.execute(sa.select(data_keys)).all()
    assert len(rows) == 1
    row = rows[0]._mapping
    assert row["key_day"] == DAY and row["suite"] == kit.suite.name and row["kek_kid"] == kit.keyring.kek_kid
    assert row["created_at"].tzinfo is not None
    fresh = FieldCipher(kit.suite, kit.keyring, SqlDataKeyRepository(engine))  # another worker
    assert fresh.decrypt_text(rid, "recipient_phone", ct) == "13800001111"


def test_database_holds_no_plaintext_data_key(kit: CryptoKit, engine: Engine) -> None:
    kit.fields.encrypt("r", "f", b"x")
    aead_key = None
    row = kit.fields.stored_keys()[0]
    assert row.wrapped is not None
    from sealpost.adapters.crypto.field_cipher import data_key_context

    aead_key = kit.keyring.unwrap(row.wrapped, data_key_context(kit.suite.name, row.day))
    with engine.connect() as conn:
        stored = [bytes(r.wrapped) for r in conn.execute(sa.select(data_keys.c.wrapped))]
    assert all(aead_key not in blob and aead_key.hex().encode() not in blob for blob in stored)


def test_destroy_day_on_the_database(kit: CryptoKit, engine: Engine) -> None:
    yesterday = DAY - timedelta(days=1)
    old = kit.fields.encrypt("r", "name", b"old", day=yesterday)
    new = kit.fields.encrypt("r", "name", b"new", day=DAY)
    assert kit.fields.destroy_day(yesterday) is True
    with pytest.raises(KeyDestroyed):
        kit.fields.decrypt("r", "name", old)
    other_worker = FieldCipher(kit.suite, kit.keyring, SqlDataKeyRepository(engine))
    with pytest.raises(KeyDestroyed):
        other_worker.decrypt("r", "name", old)
    assert other_worker.decrypt("r", "name", new) == b"new"
    with engine.connect() as conn:
        tomb = conn.execute(sa.select(data_keys).where(data_keys.c.key_day == yesterday)).one()._mapping
    assert tomb["wrapped"] is None and tomb["kek_kid"] is None and tomb["destroyed_at"] is not None
    assert kit.fields.destroy_day(DAY + timedelta(days=30)) is False  # unused day: tombstone
    with pytest.raises(KeyDestroyed):
        kit.fields.encrypt("r", "name", b"x", day=DAY + timedelta(days=30))


def test_kek_rotation_rewraps_the_table(kit: CryptoKit, engine: Engine, tmp_path: Path) -> None:
    cts = {
        d: kit.fields.encrypt("r", "f", d.isoformat().encode(), day=d) for d in (DAY, DAY - timedelta(days=2))
    }
    kit.fields.destroy_day(DAY - timedelta(days=5))
    before = {r.day: r.wrapped for r in kit.fields.stored_keys()}
    new_kek = kit.rotate_kek()
    after = {r.day: r for r in kit.fields.stored_keys()}
    for d in cts:
        assert after[d].kek_kid == new_kek and after[d].wrapped != before[d]
    assert after[DAY - timedelta(days=5)].wrapped is None  # tombstones stay tombstones
    reopened = Keyring.open(tmp_path / "keyring", PASSPHRASE)
    fresh = FieldCipher(reopened.suite, reopened, SqlDataKeyRepository(engine))
    for d, ct in cts.items():
        assert fresh.decrypt("r", "f", ct) == d.isoformat().encode()


def test_concurrent_first_use_of_a_day_agrees_on_one_key(kit: CryptoKit, engine: Engine) -> None:
    workers = [FieldCipher(kit.suite, kit.keyring, SqlDataKeyRepository(engine)) for _ in range(4)]
    results: dict[int, bytes] = {}
    errors: list[BaseException] = []
    day = DAY + timedelta(days=3)

    def run(i: int) -> None:
        try:
            results[i] = workers[i].encrypt("r", "f", b"%d" % i, day=day)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len([r for r in kit.fields.stored_keys() if r.day == day]) == 1
    for i, ct in results.items():  # every worker used the winning key
        assert kit.fields.decrypt("r", "f", ct) == b"%d" % i


def test_from_settings_uses_the_data_dir_keyring(settings: Settings) -> None:
    from sealpost.adapters.db.engine import make_engine

    engine = make_engine(settings.effective_database_url)
    try:
        kit = CryptoKit.from_settings(settings, engine)
    finally:
        engine.dispose()
    path = settings.data_dir / "keyring" / "keyring.json"
    assert path.exists() and kit.keyring.suite_name == settings.crypto_suite
    assert json.loads(path.read_text())["kdf"]["n"] == 2**12  # cheap scrypt only because env=test
