"""The identity QR's hot path on SQL (:class:`sealpost.ports.senders.IdentifyLedger`).

Two pieces of database work per verification, both on driver connections with hand-written,
bound-parameter SQL (no statement building or compiling per request):

* the device + sender lookup, in autocommit on a connection of the calling thread; from an event
  loop on PostgreSQL, the lookups of one loop iteration are one query (``kid = ANY(…)``), so the
  loop waits for one round trip per iteration instead of one per request;
* a **group-commit writer** that takes every accepted code queued by concurrent requests and, in
  ONE transaction per batch, claims each token in the replay table (only while its device is still
  active) and stores its ``identity_ref``. A request is answered only after the transaction holding
  its rows has committed. Under load a batch holds many codes, so the commit cost is shared.

  Where the writer runs depends on what a commit waits for:

  - **PostgreSQL** (and synchronous callers): one thread per process with its own connection; a
    commit waits on the server's fsync, which must not stall the event loop.
  - **SQLite, from an event loop**: on the loop's own thread, at the end of the loop iteration that
    queued the first code (every request handled in that iteration joins the batch). A WAL commit
    is CPU work in this process, so the thread hop (a future per code, a wake-up of the loop per
    batch, the GIL handed back and forth) would cost more than the write itself: ~125 µs per code
    measured. The write lock is taken with ``BEGIN IMMEDIATE`` and **no busy wait**: when another
    process holds it, the batch is retried a millisecond later, and the loop keeps serving. That
    connection never checkpoints the WAL itself (a checkpoint copies megabytes and fsyncs: tens of
    milliseconds on the loop); every ``CHECKPOINT_EVERY`` commits a PASSIVE checkpoint runs in a
    worker thread instead (SQLite releases the GIL while it writes).

The replay table is the same one :class:`sealpost.adapters.db.senders_repo.SqlReplayCache` uses,
so one-time use holds across workers, restarts and both ways of claiming.
"""

from __future__ import annotations

import asyncio
import queue
import re
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, cast
from uuid import UUID

from sqlalchemy import Engine

from sealpost.adapters.db.identity_refs_repo import REF_COLUMNS, ref_row
from sealpost.adapters.db.tables.records import identity_refs
from sealpost.adapters.db.tables.senders import sender_devices, sender_token_replay, senders
from sealpost.logging import get_logger
from sealpost.ports.clock import Clock, SystemClock
from sealpost.ports.identity_refs import VerifiedSender
from sealpost.ports.senders import (
    ClaimOutcome,
    DeviceAlgorithm,
    DeviceRecord,
    DeviceStatus,
    SenderRecord,
)

log = get_logger(__name__)

#: Codes written in one transaction at most.
MAX_BATCH: Final = 256
#: Expired replay rows are deleted about once every this many claims.
PURGE_EVERY: Final = 2000
#: SQLite, loop-side writer: retry interval while another process holds the write lock, and how
#: long to keep trying (the engine's own busy timeout) before the batch fails.
LOCKED_RETRY_S: Final = 0.001
LOCKED_GIVE_UP_S: Final = 30.0
#: SQLite, loop-side writer: commits between two WAL checkpoints run off the loop.
CHECKPOINT_EVERY: Final = 100

#: The lookup's columns, in its order (for SQLAlchemy's result conversions).
_DEVICE_COLUMNS: Final = ("kid", "sender_id", "algorithm", "public_key", "status", "created_at", "revoked_at")
_SENDER_COLUMNS: Final = (
    "doc_type",
    "minor",
    "identity_ct",
    "verified_by",
    "created_at",
    "updated_at",
    "phone_index",
)

Processor = Callable[[Any], Any]

_PARAM: Final = re.compile(r":([a-z_]+)\b")
_LOOKUP: Final = (
    "SELECT d.kid, d.sender_id, d.algorithm, d.public_key, d.status, d.created_at, d.revoked_at, "
    "s.doc_type, s.minor, s.identity_ct, s.verified_by, s.created_at, s.updated_at, s.phone_index "
    "FROM sender_devices d JOIN senders s ON s.sender_id = d.sender_id WHERE d.kid = :kid"
)
# The claim is conditional on the device being active in this very transaction.
_CLAIM_IF_ACTIVE: Final = (
    "INSERT INTO sender_token_replay (token_hash, expires_at) SELECT :token_hash, :expires_at "
    "WHERE EXISTS (SELECT 1 FROM sender_devices WHERE kid = :kid AND status = 'active') "
    "ON CONFLICT (token_hash) DO NOTHING RETURNING token_hash"
)
# psycopg sends parameters untyped: a bare SELECT list needs their types.
_CLAIM_IF_ACTIVE_PG: Final = _CLAIM_IF_ACTIVE.replace(
    "SELECT :token_hash, :expires_at", "SELECT CAST(:token_hash AS bytea), CAST(:expires_at AS timestamptz)"
)
_CLAIM: Final = (
    "INSERT INTO sender_token_replay (token_hash, expires_at) VALUES (:token_hash, :expires_at) "
    "ON CONFLICT (token_hash) DO NOTHING RETURNING token_hash"
)
_DEVICE_STATUS: Final = "SELECT status FROM sender_devices WHERE kid = :kid"
_LOOKUP_MANY_PG: Final = _LOOKUP.replace("WHERE d.kid = :kid", "WHERE d.kid = ANY(%(kids)s)")
# PostgreSQL: a whole batch's claims in one statement (arrays in, the claimed tokens out), so a
# batch costs a few round trips instead of two per code. A NULL kid is a bare claim.
_CLAIM_BATCH_PG: Final = (
    "INSERT INTO sender_token_replay (token_hash, expires_at) "
    "SELECT t.token_hash, t.expires_at FROM unnest(%(tokens)s::bytea[], %(expires)s::timestamptz[], "
    "%(kids)s::text[]) AS t(token_hash, expires_at, kid) "
    "WHERE t.kid IS NULL "
    "OR EXISTS (SELECT 1 FROM sender_devices d WHERE d.kid = t.kid AND d.status = 'active') "
    "ON CONFLICT (token_hash) DO NOTHING RETURNING token_hash"
)
_DEVICE_STATUSES_PG: Final = "SELECT kid, status FROM sender_devices WHERE kid = ANY(%(kids)s)"
_PURGE: Final = "DELETE FROM sender_token_replay WHERE expires_at < :now"
_INSERT_REF: Final = (
    "INSERT INTO identity_refs (ref, courier_id, source, sender_id, document_type, masked, adult, "
    "identity_enc, issued_at, expires_at) VALUES (:ref, :courier_id, :source, :sender_id, "
    ":document_type, :masked, :adult, :identity_enc, :issued_at, :expires_at)"
)
_INSERT_REF_PG: Final = _INSERT_REF.replace(":masked,", "CAST(:masked AS json),")


@dataclass
class _Item:
    token_hash: bytes
    expires_at: datetime
    kid: str
    ref: VerifiedSender | None
    done: Future[ClaimOutcome] = field(default_factory=Future)


class _LoopWriter:
    """SQLite group commit on one event loop's thread (see the module docstring)."""

    def __init__(self, ledger: SqlIdentifyLedger, loop: asyncio.AbstractEventLoop) -> None:
        self._ledger = ledger
        self._loop = loop
        self._pending: list[tuple[_Item, asyncio.Future[ClaimOutcome]]] = []
        self._scheduled = False
        self._conn: Any = None
        self._locked_since: float | None = None
        self._commits = 0
        self._checkpointing = False

    def submit(self, item: _Item) -> asyncio.Future[ClaimOutcome]:
        done: asyncio.Future[ClaimOutcome] = self._loop.create_future()
        self._pending.append((item, done))
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self._flush)
        return done

    def _flush(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, []
        live = [(item, done) for item, done in pending if not done.cancelled()]
        for start in range(0, len(live), MAX_BATCH):
            chunk = live[start : start + MAX_BATCH]
            try:
                if self._conn is None:
                    self._conn = self._ledger._connect(autocommit=False)
                    self._conn.execute("PRAGMA busy_timeout=0")  # never block the loop
                    self._conn.execute("PRAGMA wal_autocheckpoint=0")  # nor checkpoint on it
                results, self._conn = self._ledger._write_batch(self._conn, [item for item, _ in chunk])
            except _WriteLockBusyError:
                self._retry_later(live[start:])
                return
            except Exception as exc:  # no connection: every code of the batch fails
                results = [exc] * len(chunk)
            self._locked_since = None
            self._after_commit()
            for (_item, done), result in zip(chunk, results, strict=True):
                if done.cancelled():
                    continue
                if isinstance(result, BaseException):
                    done.set_exception(result)
                else:
                    done.set_result(result)

    def _after_commit(self) -> None:
        self._commits += 1
        if self._commits < CHECKPOINT_EVERY or self._checkpointing:
            return
        self._commits = 0
        self._checkpointing = True
        running = self._loop.run_in_executor(None, self._ledger._checkpoint)

        def finished(_f: asyncio.Future[None]) -> None:
            self._checkpointing = False

        running.add_done_callback(finished)

    def _retry_later(self, rest: list[tuple[_Item, asyncio.Future[ClaimOutcome]]]) -> None:
        now = time.monotonic()
        if self._locked_since is None:
            self._locked_since = now
        if now - self._locked_since > LOCKED_GIVE_UP_S:
            self._locked_since = None
            error = sqlite3.OperationalError("database is locked")
            for _item, done in rest:
                if not done.cancelled():
                    done.set_exception(error)
            return
        self._pending[:0] = rest  # keep their order, ahead of codes queued meanwhile
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_later(LOCKED_RETRY_S, self._flush)


def _busy_timeout(conn: Any) -> int:
    return int(conn.execute("PRAGMA busy_timeout").fetchone()[0])


class _LoopLookup:
    """PostgreSQL: the device lookups queued during one loop iteration, as one query at its end."""

    def __init__(self, ledger: SqlIdentifyLedger, loop: asyncio.AbstractEventLoop) -> None:
        self._ledger = ledger
        self._loop = loop
        self._pending: dict[str, list[asyncio.Future[Any]]] = {}

    def submit(self, kid: str) -> asyncio.Future[Any]:
        done: asyncio.Future[Any] = self._loop.create_future()
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.setdefault(kid, []).append(done)
        return done

    def _flush(self) -> None:
        pending, self._pending = self._pending, {}
        try:
            rows = self._ledger._lookup_many(list(pending))
        except Exception as exc:
            for futures in pending.values():
                for done in futures:
                    if not done.cancelled():
                        done.set_exception(exc)
            return
        for kid, futures in pending.items():
            row = rows.get(kid)
            for done in futures:
                if not done.cancelled():
                    done.set_result(row)


class _WriteLockBusyError(Exception):
    """SQLite: another connection holds the write lock (``BEGIN IMMEDIATE`` found it busy)."""


class _Sql:
    """The statements in the driver's parameter style, with SQLAlchemy's own value conversions."""

    def __init__(self, engine: Engine) -> None:
        dialect = engine.dialect
        self.postgres = dialect.name == "postgresql"

        def sql(template: str) -> str:
            # Named parameters ``:name`` (sqlite3) become ``%(name)s`` (psycopg).
            return _PARAM.sub(r"%(\1)s", template) if self.postgres else template

        def binder(column: Any) -> Processor | None:
            return cast(Processor | None, column.type.dialect_impl(dialect).bind_processor(dialect))

        def reader(column: Any) -> Processor | None:
            return cast(Processor | None, column.type.dialect_impl(dialect).result_processor(dialect, None))

        self.lookup = sql(_LOOKUP)
        self.readers: list[Processor | None] = [reader(sender_devices.c[c]) for c in _DEVICE_COLUMNS] + [
            reader(senders.c[c]) for c in _SENDER_COLUMNS
        ]
        self.claim = sql(_CLAIM_IF_ACTIVE_PG if self.postgres else _CLAIM_IF_ACTIVE)
        self.bare_claim = sql(_CLAIM)
        self.device_status = sql(_DEVICE_STATUS)
        self.purge = sql(_PURGE)
        self.insert_ref = sql(_INSERT_REF_PG if self.postgres else _INSERT_REF)
        self.expires_bind = binder(sender_token_replay.c.expires_at)
        self.token_bind = binder(sender_token_replay.c.token_hash)
        self.ref_binds: list[tuple[str, Processor | None]] = [
            (c, binder(identity_refs.c[c])) for c in REF_COLUMNS
        ]

    def claim_params(self, item: _Item) -> dict[str, Any]:
        expires = self.expires_bind(item.expires_at) if self.expires_bind else item.expires_at
        token = self.token_bind(item.token_hash) if self.token_bind else item.token_hash
        return {"token_hash": token, "expires_at": expires, "kid": item.kid}

    def ref_params(self, ref: VerifiedSender) -> dict[str, Any]:
        row = ref_row(ref)
        return {c: (bind(row[c]) if bind else row[c]) for c, bind in self.ref_binds}

    def records(self, row: Sequence[Any]) -> tuple[DeviceRecord, SenderRecord]:
        v = [r(x) if r is not None else x for r, x in zip(self.readers, row, strict=True)]
        device = DeviceRecord(
            kid=v[0],
            sender_id=UUID(v[1]),
            algorithm=cast(DeviceAlgorithm, v[2]),
            public_key=bytes(v[3]),
            status=cast(DeviceStatus, v[4]),
            created_at=v[5],
            revoked_at=v[6],
        )
        sender = SenderRecord(
            sender_id=device.sender_id,
            doc_type=v[7],
            minor=bool(v[8]),
            identity_ct=bytes(v[9]),
            verified_by=v[10],
            created_at=v[11],
            updated_at=v[12],
            phone_index=bytes(v[13]) if v[13] is not None else None,
        )
        return device, sender


class SqlIdentifyLedger:
    """Implements :class:`sealpost.ports.senders.IdentifyLedger` on SQLite and PostgreSQL."""

    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self._engine = engine
        self._clock = clock or SystemClock()
        self._sql = _Sql(engine)
        self._local = threading.local()
        self._connections: list[Any] = []
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._closed = False
        self._claims = 0
        self._loop_writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopWriter] = (
            weakref.WeakKeyDictionary()
        )
        self._checkpoint_lock = threading.Lock()
        self._checkpoint_conn: Any = None
        self._loop_lookups: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopLookup] = (
            weakref.WeakKeyDictionary()
        )

    # ------------------------------------------------------------------------------ connections
    def _connect(self, *, autocommit: bool) -> Any:
        """A driver connection of our own (taken out of the engine's pool, pragmas applied)."""
        proxied = self._engine.raw_connection()
        conn: Any = proxied.driver_connection
        proxied.detach()
        if conn is None:
            raise RuntimeError("the engine gave no driver connection")
        if self._sql.postgres:
            conn.autocommit = autocommit
        else:
            conn.isolation_level = None  # we issue BEGIN IMMEDIATE / COMMIT ourselves
        with self._lock:
            self._connections.append(conn)
        return conn

    def _reader(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect(autocommit=True)
        return conn

    # ------------------------------------------------------------------------------ port
    def device_with_sender(self, kid: str) -> tuple[DeviceRecord, SenderRecord] | None:
        try:
            row = self._lookup(kid)
        except Exception:
            # A broken connection (database restarted, network): drop it and try once more.
            self._drop(self._local.__dict__.pop("conn", None))
            row = self._lookup(kid)
        return self._sql.records(row) if row is not None else None

    async def device_with_sender_async(self, kid: str) -> tuple[DeviceRecord, SenderRecord] | None:
        if not self._sql.postgres:  # a local indexed read: cheaper than any batching
            return self.device_with_sender(kid)
        loop = asyncio.get_running_loop()
        lookups = self._loop_lookups.get(loop)
        if lookups is None:
            lookups = self._loop_lookups[loop] = _LoopLookup(self, loop)
        row = await lookups.submit(kid)
        return self._sql.records(row) if row is not None else None

    def _checkpoint(self) -> None:
        """SQLite: copy the WAL back into the database without waiting for anyone (PASSIVE), on
        a connection of its own; called in a worker thread."""
        with self._checkpoint_lock:
            try:
                if self._checkpoint_conn is None:
                    self._checkpoint_conn = self._connect(autocommit=True)
                self._checkpoint_conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except Exception:
                log.debug("identify_ledger_checkpoint_failed", exc_info=True)
                self._drop(self._checkpoint_conn)
                self._checkpoint_conn = None

    def _lookup_many(self, kids: list[str]) -> dict[str, Any]:
        """Rows by kid, one query (PostgreSQL); a broken connection is replaced once."""
        for attempt in (1, 2):
            cur = None
            try:
                cur = self._reader().cursor()
                cur.execute(_LOOKUP_MANY_PG, {"kids": kids})
                return {row[0]: row for row in cur.fetchall()}
            except Exception:
                if attempt == 2:
                    raise
                self._drop(self._local.__dict__.pop("conn", None))
            finally:
                if cur is not None:
                    cur.close()
        raise AssertionError("unreachable")

    def _lookup(self, kid: str) -> Any:
        cur = self._reader().cursor()
        try:
            cur.execute(self._sql.lookup, {"kid": kid})
            return cur.fetchone()
        finally:
            cur.close()

    def claim_and_store(
        self, token_hash: bytes, expires_at: datetime, kid: str, ref: VerifiedSender
    ) -> ClaimOutcome:
        return self._submit(_Item(token_hash, expires_at, kid, ref)).result()

    async def claim_and_store_async(
        self, token_hash: bytes, expires_at: datetime, kid: str, ref: VerifiedSender
    ) -> ClaimOutcome:
        item = _Item(token_hash, expires_at, kid, ref)
        if self._sql.postgres:
            return await asyncio.wrap_future(self._submit(item))
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._closed:
                raise RuntimeError("the identify ledger is closed")
            writer = self._loop_writers.get(loop)
            if writer is None:
                writer = self._loop_writers[loop] = _LoopWriter(self, loop)
        return await writer.submit(item)

    def claim(self, token_hash: bytes, expires_at: datetime) -> bool:
        return self._submit(_Item(token_hash, expires_at, "", None)).result() == "claimed"

    def close(self) -> None:
        """Stop the writer (after the queued codes are written) and close our connections."""
        with self._lock:
            self._closed = True
            writer = self._writer
        if writer is not None:
            self._queue.put(None)
            writer.join(timeout=30)
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            try:
                conn.close()
            except Exception:
                log.debug("identify_ledger_close_failed")

    # ------------------------------------------------------------------------------ writer
    def _submit(self, item: _Item) -> Future[ClaimOutcome]:
        with self._lock:
            if self._closed:
                raise RuntimeError("the identify ledger is closed")
            if self._writer is None:
                self._writer = threading.Thread(target=self._run, name="identify-ledger", daemon=True)
                self._writer.start()
        self._queue.put(item)
        return item.done

    def _run(self) -> None:
        conn = None
        stop = False
        while not stop:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            try:
                if conn is None:
                    conn = self._connect(autocommit=False)
                results, conn = self._write_batch(conn, batch)
            except Exception as exc:  # no connection
                conn = None
                results = [exc] * len(batch)
            for item, result in zip(batch, results, strict=True):
                if isinstance(result, BaseException):
                    item.done.set_exception(result)
                else:
                    item.done.set_result(result)

    def _write_batch(self, conn: Any, batch: list[_Item]) -> tuple[list[ClaimOutcome | Exception], Any]:
        """One transaction for ``batch``; when it fails as a whole, its codes one by one, so one bad
        row fails alone. Returns the outcomes and the connection to go on with (None when it broke).
        Raises :class:`_WriteLockBusyError` (nothing written) when the SQLite write lock is busy and the
        connection does not wait for it."""
        try:
            return list(self._write(conn, batch)), conn
        except _WriteLockBusyError:
            raise
        except Exception:
            log.warning("identify_ledger_batch_failed", size=len(batch), exc_info=True)
            conn = self._recover(conn)
        results: list[ClaimOutcome | Exception] = []
        no_wait = not self._sql.postgres and conn is not None and _busy_timeout(conn) == 0
        if no_wait:  # rare: let the one-by-one writes wait for the lock, or a retry would double them
            conn.execute(f"PRAGMA busy_timeout={int(LOCKED_GIVE_UP_S * 1000)}")
        for item in batch:
            try:
                if conn is None:
                    conn = self._connect(autocommit=False)
                results.append(self._write(conn, [item])[0])
            except Exception as exc:
                conn = self._recover(conn)
                results.append(exc)
        if no_wait and conn is not None:
            conn.execute("PRAGMA busy_timeout=0")
        return results, conn

    def _recover(self, conn: Any) -> Any:
        if conn is None:
            return None
        try:
            conn.rollback() if self._sql.postgres else conn.execute("ROLLBACK")
            return conn
        except Exception:  # a broken connection: drop it, the next batch reconnects
            self._drop(conn)
            return None

    def _drop(self, conn: Any) -> None:
        if conn is None:
            return
        with self._lock:
            if conn in self._connections:
                self._connections.remove(conn)
        try:
            conn.close()
        except Exception:
            log.debug("identify_ledger_close_failed")

    def _write(self, conn: Any, batch: list[_Item]) -> list[ClaimOutcome]:
        if self._sql.postgres:
            return self._write_pg(conn, batch)
        sql = self._sql
        cur = conn.cursor()
        try:
            if not sql.postgres:
                try:
                    cur.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError as exc:
                    if "locked" in str(exc) or "busy" in str(exc):
                        raise _WriteLockBusyError from None
                    raise
            outcomes: list[ClaimOutcome] = []
            for item in batch:
                params = sql.claim_params(item)
                if item.ref is None:  # a bare claim: no device condition
                    cur.execute(sql.bare_claim, params)
                    outcomes.append("claimed" if cur.fetchone() is not None else "replayed")
                    continue
                cur.execute(sql.claim, params)
                if cur.fetchone() is None:
                    cur.execute(sql.device_status, {"kid": item.kid})
                    status = cur.fetchone()
                    outcomes.append("replayed" if status is not None and status[0] == "active" else "revoked")
                    continue
                cur.execute(sql.insert_ref, sql.ref_params(item.ref))
                outcomes.append("claimed")
            self._claims += len(batch)
            if self._claims >= PURGE_EVERY:
                self._claims = 0
                now = sql.expires_bind(self._clock.now()) if sql.expires_bind else self._clock.now()
                cur.execute(sql.purge, {"now": now})
            if sql.postgres:
                conn.commit()
            else:
                cur.execute("COMMIT")
            return outcomes
        finally:
            cur.close()

    def _write_pg(self, conn: Any, batch: list[_Item]) -> list[ClaimOutcome]:
        """PostgreSQL: the batch's claims in one statement, its references in one pipelined
        ``executemany``, one commit. Same outcomes as one claim after another in batch order."""
        sql = self._sql
        params = [sql.claim_params(item) for item in batch]
        cur = conn.cursor()
        try:
            cur.execute(
                _CLAIM_BATCH_PG,
                {
                    "tokens": [p["token_hash"] for p in params],
                    "expires": [p["expires_at"] for p in params],
                    "kids": [item.kid if item.ref is not None else None for item in batch],
                },
            )
            claimed = {bytes(row[0]) for row in cur.fetchall()}
            outcomes: list[ClaimOutcome] = []
            refused: list[int] = []
            for i, item in enumerate(batch):
                if item.token_hash in claimed:
                    claimed.discard(item.token_hash)  # a second copy in this batch is a replay
                    outcomes.append("claimed")
                else:
                    outcomes.append("replayed")
                    if item.ref is not None:
                        refused.append(i)
            if refused:  # replayed, or was the device revoked meanwhile?
                cur.execute(_DEVICE_STATUSES_PG, {"kids": sorted({batch[i].kid for i in refused})})
                status = dict(cur.fetchall())
                for i in refused:
                    if status.get(batch[i].kid) != "active":
                        outcomes[i] = "revoked"
            refs = [
                sql.ref_params(item.ref)
                for item, outcome in zip(batch, outcomes, strict=True)
                if outcome == "claimed" and item.ref is not None
            ]
            if refs:
                cur.executemany(sql.insert_ref, refs)
            self._claims += len(batch)
            if self._claims >= PURGE_EVERY:
                self._claims = 0
                now = sql.expires_bind(self._clock.now()) if sql.expires_bind else self._clock.now()
                cur.execute(sql.purge, {"now": now})
            conn.commit()
            return outcomes
        finally:
            cur.close()
