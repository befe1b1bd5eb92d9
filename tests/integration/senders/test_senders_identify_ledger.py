"""The identity QR ledger (one transaction per code, group commit) on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

import sealpost.adapters.db.identify_ledger as ledger_module
from sealpost.adapters.db.identify_ledger import SqlIdentifyLedger
from sealpost.adapters.db.senders_repo import SqlReplayCache, SqlSenderRepository
from sealpost.adapters.db.tables.records import identity_refs
from sealpost.adapters.db.tables.senders import sender_token_replay
from sealpost.ports.clock import FixedClock
from sealpost.ports.identity_refs import REF_TTL, VerifiedSender
from sealpost.ports.senders import DeviceRecord, SenderIndexes, SenderRecord

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=3)


def _enrolled(engine: Engine) -> tuple[SqlSenderRepository, SenderRecord, DeviceRecord]:
    repo = SqlSenderRepository(engine)
    sender = SenderRecord(
        sender_id=uuid.uuid4(),
        doc_type="resident_id",
        minor=False,
        identity_ct=os.urandom(80),
        verified_by="builtin",
        created_at=NOW,
        updated_at=NOW,
    )
    device = DeviceRecord(
        kid=os.urandom(8).hex(),
        sender_id=sender.sender_id,
        algorithm="ES256",
        public_key=b"\x04" + os.urandom(64),
        status="active",
        created_at=NOW,
    )
    indexes = SenderIndexes(id_number=os.urandom(16), phone=os.urandom(16), key_id="0011223344556677")
    repo.create(sender, indexes, device)
    return repo, sender, device


def _ref(sender: SenderRecord, courier: str = "c-1") -> VerifiedSender:
    return VerifiedSender(
        ref=os.urandom(15).hex(),
        courier_id=courier,
        source="qr",
        document_type="resident_id",
        masked={"name": "张*", "document_type": "resident_id", "document_number": "1*****************"},
        identity_enc=os.urandom(90),
        issued_at=NOW,
        expires_at=NOW + REF_TTL,
        sender_id=str(sender.sender_id),
        adult=True,
    )


def _stored_refs(engine: Engine) -> dict[str, dict[str, object]]:
    with engine.connect() as conn:
        return {row.ref: dict(row._mapping) for row in conn.execute(sa.select(identity_refs))}


def _tokens(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(sender_token_replay)).scalar_one())


def test_lookup_reads_what_the_repository_reads(engine: Engine) -> None:
    repo, _sender, device = _enrolled(engine)
    ledger = SqlIdentifyLedger(engine, FixedClock(NOW))
    try:
        assert ledger.device_with_sender(device.kid) == repo.get_device_with_sender(device.kid)
        assert ledger.device_with_sender("00" * 8) is None
    finally:
        ledger.close()


def test_claim_and_reference_are_stored_together_once(engine: Engine) -> None:
    _repo, sender, device = _enrolled(engine)
    ledger = SqlIdentifyLedger(engine, FixedClock(NOW))
    try:
        token = os.urandom(32)
        first = _ref(sender)
        assert ledger.claim_and_store(token, LATER, device.kid, first) == "claimed"
        second = _ref(sender)
        assert ledger.claim_and_store(token, LATER, device.kid, second) == "replayed"
    finally:
        ledger.close()
    stored = _stored_refs(engine)
    assert set(stored) == {first.ref}  # the replayed code left no reference behind
    row = stored[first.ref]
    assert row["courier_id"] == "c-1" and row["adult"] is True and row["redeemed_at"] is None
    assert row["masked"] == dict(first.masked) and bytes(row["identity_enc"]) == first.identity_enc  # type: ignore[call-overload]
    assert row["expires_at"] == NOW + REF_TTL
    # The same replay table as the stand-alone cache: another worker's claim of the token fails.
    assert SqlReplayCache(engine).claim(token, LATER) is False


def test_a_device_revoked_after_the_lookup_is_caught_in_the_transaction(engine: Engine) -> None:
    repo, sender, device = _enrolled(engine)
    ledger = SqlIdentifyLedger(engine, FixedClock(NOW))
    try:
        assert ledger.device_with_sender(device.kid) is not None  # looked up while active …
        repo.revoke_device(sender.sender_id, device.kid, NOW)  # … revoked before the write
        token = os.urandom(32)
        assert ledger.claim_and_store(token, LATER, device.kid, _ref(sender)) == "revoked"
        assert ledger.device_with_sender(device.kid)[0].status == "revoked"  # type: ignore[index]
    finally:
        ledger.close()
    assert _stored_refs(engine) == {}
    assert _tokens(engine) == 0  # neither row: the token was not used up


@pytest.mark.parametrize("callers", ["threads", "event_loops"])
def test_two_workers_racing_on_the_same_codes(engine: Engine, callers: str) -> None:
    _repo, sender, device = _enrolled(engine)
    workers = [SqlIdentifyLedger(engine, FixedClock(NOW)) for _ in range(2)]
    tokens = [os.urandom(32) for _ in range(40)]

    def from_a_loop(ledger: SqlIdentifyLedger) -> list[str]:  # a worker process's event loop
        async def run() -> list[str]:
            claims = (ledger.claim_and_store_async(t, LATER, device.kid, _ref(sender)) for t in tokens)
            return list(await asyncio.gather(*claims))

        return asyncio.run(run())

    try:
        if callers == "threads":  # request threads of both workers, interleaved
            jobs = [(w, t) for t in tokens for w in workers]
            with ThreadPoolExecutor(8) as pool:
                outcomes = list(
                    pool.map(
                        lambda job: job[0].claim_and_store(job[1], LATER, device.kid, _ref(sender)), jobs
                    )
                )
        else:
            with ThreadPoolExecutor(2) as pool:
                outcomes = [o for result in pool.map(from_a_loop, workers) for o in result]
    finally:
        for w in workers:
            w.close()
    assert outcomes.count("claimed") == len(tokens)
    assert outcomes.count("replayed") == len(tokens)
    assert len(_stored_refs(engine)) == len(tokens)


def test_concurrent_requests_of_one_event_loop_are_group_committed(engine: Engine) -> None:
    _repo, sender, device = _enrolled(engine)
    ledger = SqlIdentifyLedger(engine, FixedClock(NOW))

    async def run() -> list[str]:
        return list(
            await asyncio.gather(
                *(
                    ledger.claim_and_store_async(os.urandom(32), LATER, device.kid, _ref(sender))
                    for _ in range(100)
                )
            )
        )

    try:
        assert asyncio.run(run()) == ["claimed"] * 100
    finally:
        ledger.close()
    assert len(_stored_refs(engine)) == 100
    with pytest.raises(RuntimeError):
        ledger.claim(os.urandom(32), LATER)  # closed


def test_a_bare_claim_and_the_purge_of_expired_tokens(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledger_module, "PURGE_EVERY", 3)
    ledger = SqlIdentifyLedger(engine, FixedClock(NOW))
    try:
        old = os.urandom(32)
        assert ledger.claim(old, NOW - timedelta(seconds=1)) is True  # already past its window
        assert ledger.claim(old, NOW - timedelta(seconds=1)) is False
        assert ledger.claim(os.urandom(32), LATER) is True  # third claim: expired rows purged
    finally:
        ledger.close()
    assert _tokens(engine) == 1


def test_a_broken_connection_is_replaced(engine: Engine) -> None:
    _repo, sender, device = _enrolled(engine)
    ledger = SqlIdentifyLedger(engine, FixedClock(NOW))
    try:
        assert ledger.device_with_sender(device.kid) is not None
        ledger._local.conn.close()  # e.g. the database restarted under the reader
        assert ledger.device_with_sender(device.kid) is not None
        assert ledger.claim_and_store(os.urandom(32), LATER, device.kid, _ref(sender)) == "claimed"
    finally:
        ledger.close()


# ------------------------------------------------------------------- SQLite: the loop-side writer


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_writes_on_the_loop_one_transaction_per_loop_iteration(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _repo, sender, device = _enrolled(engine)
    ledger = SqlIdentifyLedger(engine, FixedClock(NOW))
    batches: list[int] = []
    write = ledger._write

    def counting_write(conn: object, batch: list[object]) -> object:
        batches.append(len(batch))
        return write(conn, batch)  # type: ignore[arg-type]

    monkeypatch.setattr(ledger, "_write", counting_write)

    async def run() -> list[str]:
        loop_thread = threading.get_ident()
        outcomes = await asyncio.gather(
            *(
                ledger.claim_and_store_async(os.urandom(32), LATER, device.kid, _ref(sender))
                for _ in range(40)
            )
        )
        assert not ledger._writer, "no writer thread on SQLite from an event loop"
        assert threading.get_ident() == loop_thread
        return list(outcomes)

    try:
        assert asyncio.run(run()) == ["claimed"] * 40
    finally:
        ledger.close()
    assert batches == [40]  # all 40 requests of that loop iteration: one transaction
    assert len(_stored_refs(engine)) == 40


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_a_held_write_lock_does_not_block_the_loop(engine: Engine) -> None:
    _repo, sender, device = _enrolled(engine)
    ledger = SqlIdentifyLedger(engine, FixedClock(NOW))
    other = engine.raw_connection()
    other.driver_connection.isolation_level = None  # type: ignore[union-attr]

    async def run() -> str:
        other.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]  # another process writing
        claim = asyncio.ensure_future(
            ledger.claim_and_store_async(os.urandom(32), LATER, device.kid, _ref(sender))
        )
        ticks = 0
        for _ in range(20):  # the loop keeps running while the claim waits for the lock
            await asyncio.sleep(0.005)
            ticks += 1
        assert ticks == 20 and not claim.done()
        other.driver_connection.execute("COMMIT")  # type: ignore[union-attr]
        return await asyncio.wait_for(claim, 5)

    try:
        assert asyncio.run(run()) == "claimed"
    finally:
        other.close()
        ledger.close()
    assert len(_stored_refs(engine)) == 1


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_gives_up_after_the_busy_timeout(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger_module, "LOCKED_GIVE_UP_S", 0.05)
    _repo, sender, device = _enrolled(engine)
    ledger = SqlIdentifyLedger(engine, FixedClock(NOW))
    other = engine.raw_connection()
    other.driver_connection.isolation_level = None  # type: ignore[union-attr]
    other.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]

    async def run() -> str:
        return await ledger.claim_and_store_async(os.urandom(32), LATER, device.kid, _ref(sender))

    try:
        with pytest.raises(Exception, match="locked"):
            asyncio.run(run())
    finally:
        other.driver_connection.execute("ROLLBACK")  # type: ignore[union-attr]
        other.close()
        ledger.close()
    assert _tokens(engine) == 0


def test_one_bad_row_fails_alone_from_an_event_loop(engine: Engine) -> None:
    _repo, sender, device = _enrolled(engine)
    ledger = SqlIdentifyLedger(engine, FixedClock(NOW))
    twice = _ref(sender)

    async def run() -> list[object]:
        calls = [
            ledger.claim_and_store_async(os.urandom(32), LATER, device.kid, _ref(sender)) for _ in range(3)
        ]
        calls.insert(1, ledger.claim_and_store_async(os.urandom(32), LATER, device.kid, twice))
        calls.append(
            ledger.claim_and_store_async(os.urandom(32), LATER, device.kid, twice)
        )  # same ref: refused
        return list(await asyncio.gather(*calls, return_exceptions=True))

    try:
        outcomes = asyncio.run(run())
        assert outcomes[:4] == ["claimed"] * 4
        assert isinstance(outcomes[4], Exception)
        # and the writer still works afterwards
        after = ledger.claim_and_store_async(os.urandom(32), LATER, device.kid, _ref(sender))
        assert asyncio.run(after) == "claimed"
    finally:
        ledger.close()
    assert len(_stored_refs(engine)) == 5


def test_the_same_code_twice_in_one_batch_is_claimed_once(engine: Engine) -> None:
    _repo, sender, device = _enrolled(engine)
    ledger = SqlIdentifyLedger(engine, FixedClock(NOW))
    token = os.urandom(32)

    async def run() -> list[str]:
        return list(
            await asyncio.gather(
                ledger.claim_and_store_async(token, LATER, device.kid, _ref(sender)),
                ledger.claim_and_store_async(token, LATER, device.kid, _ref(sender)),
                ledger.claim_and_store_async(os.urandom(32), LATER, device.kid, _ref(sender)),
            )
        )

    try:
        assert asyncio.run(run()) == ["claimed", "replayed", "claimed"]
    finally:
        ledger.close()
    assert len(_stored_refs(engine)) == 2


def test_concurrent_lookups_from_an_event_loop(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _repo, sender, device = _enrolled(engine)
    _repo2, sender2, device2 = _enrolled(engine)
    ledger = SqlIdentifyLedger(engine, FixedClock(NOW))
    queries: list[list[str]] = []
    lookup_many = ledger._lookup_many

    def counting(kids: list[str]) -> dict[str, object]:
        queries.append(sorted(kids))
        return lookup_many(kids)

    monkeypatch.setattr(ledger, "_lookup_many", counting)
    kids = [device.kid, device2.kid, "00" * 8, device.kid]

    async def run() -> list[object]:
        return list(await asyncio.gather(*(ledger.device_with_sender_async(k) for k in kids)))

    try:
        found = asyncio.run(run())
        assert found[0] == ledger.device_with_sender(device.kid)  # the same records as one by one
    finally:
        ledger.close()
    assert [f[1].sender_id if f else None for f in found] == [  # type: ignore[index]
        sender.sender_id,
        sender2.sender_id,
        None,
        sender.sender_id,
    ]
    postgres = engine.dialect.name == "postgresql"
    assert queries == ([sorted({device.kid, device2.kid, "00" * 8})] if postgres else [])


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_checkpoints_run_off_the_loop(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger_module, "CHECKPOINT_EVERY", 2)
    _repo, sender, device = _enrolled(engine)
    ledger = SqlIdentifyLedger(engine, FixedClock(NOW))
    threads: list[int] = []
    checkpoint = ledger._checkpoint

    def spy() -> None:
        threads.append(threading.get_ident())
        checkpoint()

    monkeypatch.setattr(ledger, "_checkpoint", spy)

    async def run() -> int:
        for _ in range(3):  # three loop iterations: three commits
            await asyncio.gather(
                *(
                    ledger.claim_and_store_async(os.urandom(32), LATER, device.kid, _ref(sender))
                    for _ in range(5)
                )
            )
        await asyncio.sleep(0.2)  # let the worker thread finish
        (writer,) = ledger._loop_writers.values()
        assert writer._conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        return threading.get_ident()

    try:
        loop_thread = asyncio.run(run())
    finally:
        ledger.close()
    assert len(threads) == 1 and threads[0] != loop_thread
    assert len(_stored_refs(engine)) == 15
