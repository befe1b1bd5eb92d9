"""Collection records and signed receipts on SQL (:class:`sealpost.ports.records.RecordStore`,
:class:`sealpost.ports.receipts.ReceiptStore`).

A batch is written in one transaction: the ``receipt_batches`` row, the records (COPY on
PostgreSQL, ``executemany`` on SQLite), the identity references it redeems, and its regulator
events. A duplicate ``record_id`` or waybill number (a concurrent writer) fails the transaction
as a whole and surfaces as :class:`~sealpost.ports.records.StoreConflict`.

A stored receipt is the canonical JSON of the receipt body; the inclusion proof is rebuilt from
the batch's leaf hashes, so a retried record gets exactly the receipt it got the first time.
"""

from __future__ import annotations

import contextlib
import operator
import os
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: the thread lock and SQLite's own locking remain
    fcntl = None  # type: ignore[assignment]

import orjson
import psycopg
import sqlalchemy as sa
from psycopg.types.string import BytesBinaryDumper
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from sealpost.adapters.db.blind_tokens import SqliteBlindTokens
from sealpost.adapters.db.engine import SQLITE_WAL_AUTOCHECKPOINT
from sealpost.adapters.db.sqlite_checkpoints import BACKSTOP_PAGES, WalCheckpointer
from sealpost.adapters.db.tables.events import regulator_events
from sealpost.adapters.db.tables.records import BLIND_KINDS, receipt_batches, records
from sealpost.adapters.db.types import UtcDateTime
from sealpost.domain.events import RegulatorEvent
from sealpost.domain.merkle import TREE_HASH_OF_SIGNATURE, MerkleTree
from sealpost.domain.records import attach_proof
from sealpost.ports.records import RecordColumns, Redemption, SignedBatch, StoreConflict

#: Column order of ``records`` (the COPY column list).
RECORD_COLUMNS: tuple[str, ...] = tuple(c.name for c in records.columns)
#: A row mapping → its values in column order (one C call instead of a comprehension per row).
_record_values = operator.itemgetter(*RECORD_COLUMNS)
_IN_CHUNK = 900  # stay under SQLite's default bound-parameter limit
#: SQLite: records stored since the last merge of blind-index tokens that make the checkpoint
#: thread merge them into the tokens file (a look-up scans the records not merged yet).
MERGE_EVERY_ROWS = 50_000
_ONE_DAY = timedelta(days=1)
_records_rowid: sa.ColumnElement[int] = sa.literal_column("records.rowid", sa.BigInteger)


def _chunks(values: Sequence[Any], size: int = _IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class SqliteWriteLock:
    """Serialise batch writes to one SQLite file across the threads and worker processes of a
    server: a thread lock plus an ``flock`` on ``<database>.writelock``.

    SQLite lets one writer in at a time and makes the others wait in its busy handler, which
    *sleeps* in steps of 1, 2, 5, 10, 15, 20, 25 … 100 ms and retries: two API workers storing
    1,000-record batches (~20 ms each) then lose up to tens of milliseconds per collision. A waiter
    on this lock is woken by the kernel the moment the holder is done. Correctness does not depend
    on it (other writers that skip it still go through SQLite's locking).
    """

    def __init__(self, database: str | None) -> None:
        self._thread = threading.Lock()
        self._path = f"{database}.writelock" if database and database != ":memory:" else None

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        with self._thread:
            if self._path is None or fcntl is None:
                yield
                return
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # closing the descriptor releases the flock


class SqlRecordStore:
    def __init__(self, engine: Engine, *, tree_cache: int = 64) -> None:
        self._engine = engine
        self._pg = engine.dialect.name == "postgresql"
        database = None if self._pg else engine.url.database
        if database and database != ":memory:":
            database = str(Path(database).resolve())
        self._write_lock = SqliteWriteLock(database) if not self._pg else None
        # SQLite file: blind-index tokens in a file of their own; their merges and the WAL
        # checkpoints run in a thread of their own, not inside a batch's locked commit
        self._tokens: SqliteBlindTokens | None = None
        self._checkpoints: WalCheckpointer | None = None
        if not self._pg and database and database != ":memory:":
            self._tokens = SqliteBlindTokens(database, self._sqlite_transaction)
            self._checkpoints = WalCheckpointer(engine, before=self._housekeeping)
        self._trees: OrderedDict[str, tuple[MerkleTree, Mapping[str, Any]]] = OrderedDict()
        self._tree_cache = tree_cache
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ reads
    def find_receipts(self, record_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        ids = sorted(set(record_ids))
        if not ids:
            return {}
        with self._engine.connect() as conn:
            found = self._in_query(
                conn, "record_id, receipt, batch_id, batch_index", "record_id", ids, is_uuid=True
            )
            if not found:
                return {}
            out: dict[str, dict[str, Any]] = {}
            for rid, receipt, batch_id, index in found:
                key = str(uuid.UUID(str(rid)))
                out[key] = self._receipt(
                    conn, {"receipt": receipt, "batch_id": uuid.UUID(str(batch_id)), "batch_index": index}
                )
            return out

    def taken_waybills(self, pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        wanted = set(pairs)
        if not wanted:
            return set()
        numbers = sorted({no for _, no in wanted})
        with self._engine.connect() as conn:
            taken = {
                (company, no)
                for company, no in self._in_query(conn, "company, waybill_no", "waybill_no", numbers)
            }
        return taken & wanted

    def _in_query(
        self, conn: Connection, columns: str, key: str, values: Sequence[str], *, is_uuid: bool = False
    ) -> list[tuple[Any, ...]]:
        """``SELECT columns FROM records WHERE key IN values`` with ONE bound parameter: an array on
        PostgreSQL (``= ANY``), a JSON list on SQLite (``json_each``) — no per-value placeholders
        to compile for a 1,000-record batch."""
        if self._pg:
            cast = "::uuid[]" if is_uuid else "::text[]"
            sql = f"SELECT {columns} FROM records WHERE {key} = ANY(%s{cast})"  # noqa: S608 - fixed names
            return [tuple(r) for r in conn.exec_driver_sql(sql, (list(values),))]
        stored = [v.replace("-", "") for v in values] if is_uuid else list(values)
        sql = f"SELECT {columns} FROM records WHERE {key} IN (SELECT value FROM json_each(?))"  # noqa: S608
        return [tuple(r) for r in conn.exec_driver_sql(sql, (orjson.dumps(stored).decode(),))]

    def record_ids_by_waybill(
        self, company: str, waybill_nos: Iterable[str]
    ) -> dict[str, tuple[str, str | None]]:
        numbers = sorted(set(waybill_nos))
        found: dict[str, tuple[str, str | None]] = {}
        with self._engine.connect() as conn:
            for chunk in _chunks(numbers):
                query = sa.select(
                    records.c.waybill_no, records.c.record_id, records.c.agreement_customer_id
                ).where(records.c.waybill_no.in_(chunk), records.c.company == company)
                found.update((no, (str(rid), cust)) for no, rid, cust in conn.execute(query))
        return found

    def get_receipt(self, record_id: str) -> dict[str, Any] | None:
        return self.find_receipts([record_id]).get(record_id)

    def get_by_waybill(self, no: str) -> dict[str, Any] | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(records.c.record_id, records.c.receipt, records.c.batch_id, records.c.batch_index)
                .where(records.c.waybill_no == no)
                .order_by(records.c.received_at.desc())
                .limit(1)
            ).first()
            return self._receipt(conn, dict(row._mapping)) if row is not None else None

    def count(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(records)).scalar_one())

    def _receipt(self, conn: Connection, row: Mapping[str, Any]) -> dict[str, Any]:
        tree, batch = self._tree(conn, str(row["batch_id"]))
        body: dict[str, Any] = orjson.loads(row["receipt"])
        return attach_proof(
            body,
            tree.proof(int(row["batch_index"])),
            tree.root,
            batch["kid"],
            batch["alg"],
            batch["signature"],
        )

    def _tree(self, conn: Connection, batch_id: str) -> tuple[MerkleTree, Mapping[str, Any]]:
        with self._lock:
            cached = self._trees.get(batch_id)
            if cached is not None:
                self._trees.move_to_end(batch_id)
                return cached
        row = conn.execute(sa.select(receipt_batches).where(receipt_batches.c.batch_id == batch_id)).one()
        batch = dict(row._mapping)
        leaves = bytes(batch["leaf_hashes"])
        size = int(batch["tree_size"])
        width = len(leaves) // size
        tree = MerkleTree(
            [leaves[i * width : (i + 1) * width] for i in range(size)], TREE_HASH_OF_SIGNATURE[batch["alg"]]
        )
        if tree.root != bytes(batch["root"]):  # the stored leaves must give the signed root
            raise RuntimeError(f"receipt batch {batch_id}: leaf hashes do not match the signed root")
        with self._lock:
            self._trees[batch_id] = (tree, batch)
            while len(self._trees) > self._tree_cache:
                self._trees.popitem(last=False)
        return tree, batch

    # ------------------------------------------------------------------ writes
    def save_batch(
        self,
        batch: SignedBatch,
        columns: RecordColumns,
        *,
        redemptions: Sequence[Redemption] = (),
        events: Sequence[RegulatorEvent] = (),
        now: datetime,
    ) -> None:
        if self._write_lock is None:
            with self._engine.begin() as conn:
                self._write(conn, batch, columns, redemptions, events, now)
            return
        with self._sqlite_transaction() as conn:
            self._write(conn, batch, columns, redemptions, events, now)
        if self._checkpoints is not None:
            self._checkpoints.wrote(len(columns["record_id"]) if columns else 0)

    @contextlib.contextmanager
    def _sqlite_transaction(self) -> Iterator[Connection]:
        """A SQLite write transaction under the store's write lock, whose commit does not
        checkpoint the WAL (short of the backstop): the checkpoint thread does, after the lock."""
        assert self._write_lock is not None
        checkpoints = self._checkpoints
        with self._write_lock.hold(), self._engine.connect() as conn:
            driver: Any = conn.connection.driver_connection
            if checkpoints is not None:
                driver.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
            try:
                with conn.begin():
                    yield conn
            finally:
                if checkpoints is not None:
                    driver.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_AUTOCHECKPOINT}")

    def _write(
        self,
        conn: Connection,
        batch: SignedBatch,
        columns: RecordColumns,
        redemptions: Sequence[Redemption],
        events: Sequence[RegulatorEvent],
        now: datetime,
    ) -> None:
        """One batch's rows in the transaction of ``conn``; a unique key refusing a row (a
        concurrent or earlier writer) is a :class:`StoreConflict`."""
        try:
            conn.execute(
                receipt_batches.insert().values(
                    batch_id=batch.batch_id,
                    signed_at=batch.signed_at,
                    source_kind=batch.source_kind,
                    source_id=batch.source_id,
                    tree_size=batch.tree_size,
                    root=batch.root,
                    kid=batch.kid,
                    alg=batch.alg,
                    signature=batch.signature,
                    leaf_hashes=batch.leaf_hashes,
                )
            )
            if columns and len(columns["record_id"]):
                if self._pg:
                    copy_record_columns(conn, "records", columns)
                else:
                    insert_record_columns(conn, "records", columns)
            if redemptions:
                self._redeem(conn, redemptions, now)
            if events:
                conn.execute(regulator_events.insert(), [_event_row(e) for e in events])
        except (IntegrityError, psycopg.errors.UniqueViolation) as exc:
            raise StoreConflict(str(exc.__class__.__name__)) from exc

    # ------------------------------------------------------------------ blind-index look-ups
    def record_ids_by_blind_token(self, field: str, token: bytes, days: Iterable[date]) -> list[str]:
        """Ids of the records received on one of ``days`` (UTC) whose blind-index token of
        ``field`` (``sender_id_number``, ``sender_phone`` or ``recipient_phone``) is ``token``,
        sorted. PostgreSQL: its hash index. SQLite: the tokens file (one seek per day) and a scan
        of the records not merged yet; every candidate is checked against its stored record."""
        kind, column = BLIND_KINDS[field]
        wanted = sorted(set(days))
        if not wanted:
            return []
        with self._engine.connect() as conn:
            if self._pg:
                starts = [datetime(d.year, d.month, d.day, tzinfo=UTC) for d in wanted]
                at = records.c.received_at
                spans = [sa.and_(at >= t, at < t + _ONE_DAY) for t in starts]
                query = sa.select(records.c.record_id).where(records.c[column] == token, sa.or_(*spans))
                return sorted(str(rid) for rid in conn.scalars(query))
            texts = [d.isoformat() for d in wanted]
            candidates, low = self._tokens.find(conn, kind, texts, token) if self._tokens else (set(), 0)
            day = sa.func.substr(records.c.received_at, 1, 10)
            matches = (records.c[column] == token, day.in_(texts))
            ids = sa.select(records.c.record_id)
            found = set(conn.scalars(ids.where(_records_rowid > low, *matches)))  # not merged yet
            for chunk in _chunks(sorted(candidates)):  # each still holds this token on one of the days
                found.update(conn.scalars(ids.where(_records_rowid.in_(chunk), *matches)))
        return sorted(str(rid) for rid in found)

    def merge_blind_tokens(self, *, at_least: int = 1) -> int:
        """SQLite: merge the blind-index tokens of the records stored since the last merge into
        the tokens file, if there are at least ``at_least``; records merged (0 on PostgreSQL)."""
        return self._tokens.merge(at_least=at_least) if self._tokens is not None else 0

    def _housekeeping(self) -> None:
        """In the checkpoint thread, before each checkpoint."""
        self.merge_blind_tokens(at_least=MERGE_EVERY_ROWS)

    def close(self) -> None:
        """Stop the background token merges and WAL checkpoints (SQLite); the engine is its
        owner's to dispose."""
        if self._tokens is not None:
            self._tokens.stop()
        if self._checkpoints is not None:
            self._checkpoints.close()

    def _redeem(self, conn: Connection, redemptions: Sequence[Redemption], now: datetime) -> None:
        """All of a batch's references in one statement; each one it did not update (taken by a
        concurrent batch, or not this courier's) makes the batch conflict."""
        wanted = {r.ref for r in redemptions}
        if len(wanted) != len(redemptions):
            raise StoreConflict("identity reference used twice in one batch")
        updated = (
            self._redeem_pg(conn, redemptions, now)
            if self._pg
            else self._redeem_sqlite(conn, redemptions, now)
        )
        if {row[0] for row in updated} != wanted:
            raise StoreConflict("identity reference already redeemed")

    def _redeem_sqlite(self, conn: Connection, redemptions: Sequence[Redemption], now: datetime) -> Any:
        # (ref, courier, record id) triples as one JSON text; the values in SQLAlchemy's storage
        # forms (naive UTC ISO time, 32 hex digits for the UUID)
        triples = orjson.dumps([(r.ref, r.courier_id, r.record_id.replace("-", "")) for r in redemptions])
        return conn.exec_driver_sql(
            "UPDATE identity_refs SET redeemed_at = ?, record_id = json_extract(u.value, '$[2]')"
            " FROM json_each(?) AS u"
            " WHERE identity_refs.ref = json_extract(u.value, '$[0]')"
            " AND identity_refs.courier_id = json_extract(u.value, '$[1]')"
            " AND identity_refs.redeemed_at IS NULL"
            " RETURNING identity_refs.ref",
            (_sqlite_time(now), triples.decode()),
        ).fetchall()

    def _redeem_pg(self, conn: Connection, redemptions: Sequence[Redemption], now: datetime) -> Any:
        # the three columns as JSON texts (encoded in C; a text[] goes through a Python dumper)
        return conn.exec_driver_sql(
            "UPDATE identity_refs AS r SET redeemed_at = %s, record_id = u.rid::uuid"
            " FROM ROWS FROM (json_array_elements_text(%s::json), json_array_elements_text(%s::json),"
            " json_array_elements_text(%s::json)) AS u(ref, courier, rid)"
            " WHERE r.ref = u.ref AND r.courier_id = u.courier AND r.redeemed_at IS NULL"
            " RETURNING r.ref",
            (
                now,
                orjson.dumps([r.ref for r in redemptions]).decode(),
                orjson.dumps([r.courier_id for r in redemptions]).decode(),
                orjson.dumps([r.record_id for r in redemptions]).decode(),
            ),
        ).fetchall()


def _pg_type(column: sa.Column[Any]) -> str:
    t = column.type
    if isinstance(t, sa.Uuid):
        return "uuid"
    if isinstance(t, sa.BigInteger):
        return "int8"
    if isinstance(t, sa.Integer):
        return "int4"
    if isinstance(t, sa.Boolean):
        return "bool"
    if isinstance(t, sa.LargeBinary):
        return "bytea"
    if isinstance(t, UtcDateTime):
        return "timestamptz"
    if isinstance(t, sa.String):
        return "text"  # binary text is the same bytes for varchar(n); the column still checks n
    raise TypeError(f"records.{column.name}: no binary COPY type for {t!r}")


#: PostgreSQL types of the record columns for a binary COPY (no text escaping of the ciphertexts:
#: about half the client CPU of a text COPY per row, and less parsing on the server).
RECORD_PG_TYPES: tuple[str, ...] = tuple(_pg_type(c) for c in records.columns)
_PG_UUID_INDEXES = tuple(i for i, name in enumerate(RECORD_COLUMNS) if RECORD_PG_TYPES[i] == "uuid")


def copy_record_columns(conn: Connection, table: str, columns: RecordColumns) -> None:
    """PostgreSQL: a binary COPY of record columns into ``table`` (``records``, or a table like it:
    the benchmark's baseline), in the connection's transaction."""
    driver = conn.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    with driver.cursor() as cur:
        # By type OID, psycopg's binary dumper for bytea is the Python one of dbapi20.Binary
        # (registered last); the C dumper for bytes writes the 11 bytea values of a row at a
        # third of the cost. Registered on this cursor only.
        cur.adapters.register_dumper(bytes, BytesBinaryDumper)
        copy_sql = f"COPY {table} ({', '.join(RECORD_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
        with cur.copy(copy_sql) as copy:
            copy.set_types(RECORD_PG_TYPES)
            write = copy.write_row
            for values in zip(*pg_columns(columns), strict=True):
                write(values)


def insert_record_columns(conn: Connection, table: str, columns: RecordColumns) -> None:
    """SQLite: one ``executemany`` of record columns into ``table``, in the connection's transaction."""
    marks = ", ".join("?" for _ in RECORD_COLUMNS)
    sql = f"INSERT INTO {table} ({', '.join(RECORD_COLUMNS)}) VALUES ({marks})"  # noqa: S608 - fixed names
    conn.exec_driver_sql(sql, list(zip(*sqlite_columns(columns), strict=True)))


def columns_of(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Row mappings → :data:`RecordColumns` (one list per record column)."""
    listed = list(rows)
    return {name: [row[name] for row in listed] for name in RECORD_COLUMNS}


def _by_value(column: Sequence[Any], convert: Callable[[Any], Any]) -> list[Any]:
    """``convert`` applied to a column once per distinct value (None kept): a batch shares its
    batch id and received time, and often its collection time."""
    memo = {v: None if v is None else convert(v) for v in set(column)}
    return [memo[v] for v in column]


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


def pg_columns(columns: RecordColumns) -> list[Sequence[Any]]:
    """The record columns in COPY order and binary COPY form (UUID columns as :class:`uuid.UUID`);
    ``zip(*pg_columns(c))`` gives the rows."""
    out = [columns[name] for name in RECORD_COLUMNS]
    for i in _PG_UUID_INDEXES:
        if i == _I_RECORD_ID:  # distinct by construction: no memo
            out[i] = [None if v is None else _uuid(v) for v in out[i]]
        else:
            out[i] = _by_value(out[i], _uuid)
    return out


# SQLite storage forms of the typed columns, exactly as SQLAlchemy writes them (``Uuid`` without
# native support: 32 hex digits; ``UtcDateTime``: naive UTC ``YYYY-MM-DD HH:MM:SS.ffffff``;
# ``Boolean``: 0/1). Writing them directly skips SQLAlchemy's per-value processing on the hot path.
_UUID_COLUMNS = frozenset({"record_id", "batch_id"})
_TIME_COLUMNS = frozenset({"collected_at", "received_at"})
_BOOL_COLUMNS = frozenset({"inspected", "late"})


def _sqlite_time(value: datetime) -> str:
    v = value if value.tzinfo is UTC else value.astimezone(UTC)
    return v.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _sqlite_uuid(value: str) -> str:
    return value.replace("-", "")


_SQLITE_CONVERT: tuple[tuple[int, Any], ...] = tuple(
    (i, _sqlite_uuid if name in _UUID_COLUMNS else _sqlite_time if name in _TIME_COLUMNS else int)
    for i, name in enumerate(RECORD_COLUMNS)
    if name in _UUID_COLUMNS or name in _TIME_COLUMNS or name in _BOOL_COLUMNS
)


def _sqlite_row(row: Mapping[str, Any]) -> tuple[Any, ...]:
    values = list(_record_values(row))
    for i, convert in _SQLITE_CONVERT:
        if values[i] is not None:
            values[i] = convert(values[i])
    return tuple(values)


_I_RECORD_ID = RECORD_COLUMNS.index("record_id")
_I_BATCH_ID = RECORD_COLUMNS.index("batch_id")
_I_COLLECTED = RECORD_COLUMNS.index("collected_at")
_I_RECEIVED = RECORD_COLUMNS.index("received_at")
assert {i for i, _ in _SQLITE_CONVERT} - {RECORD_COLUMNS.index(c) for c in _BOOL_COLUMNS} == {
    _I_RECORD_ID,
    _I_BATCH_ID,
    _I_COLLECTED,
    _I_RECEIVED,
}, "sqlite_columns converts exactly the UUID and time columns"


def _sqlite_time_fast(value: datetime) -> str:
    if value.tzinfo is UTC:  # "YYYY-MM-DD HH:MM:SS.ffffff+00:00" without the offset: no replace()
        return value.isoformat(" ", "microseconds")[:26]
    return _sqlite_time(value)


def sqlite_columns(columns: RecordColumns) -> list[Sequence[Any]]:
    """The record columns in insert order and storage form: ``zip(*sqlite_columns(c))`` equals
    ``_sqlite_row`` of each row (a test holds them equal; :func:`columns_of` turns rows into columns).

    The two UUID and two time columns are converted in one pass each (values the batch shares,
    once); booleans are left to ``sqlite3``, which binds ``True``/``False`` as the integers 1/0
    that SQLAlchemy writes.
    """
    out = [columns[name] for name in RECORD_COLUMNS]
    out[_I_RECORD_ID] = [None if v is None else v.replace("-", "") for v in out[_I_RECORD_ID]]
    out[_I_BATCH_ID] = _by_value(out[_I_BATCH_ID], _sqlite_uuid)
    out[_I_COLLECTED] = _by_value(out[_I_COLLECTED], _sqlite_time_fast)
    out[_I_RECEIVED] = _by_value(out[_I_RECEIVED], _sqlite_time_fast)
    return out


def _event_row(event: RegulatorEvent) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "occurred_at": event.occurred_at,
        "company": event.company,
        "outlet": event.outlet,
        "courier_id": event.courier_id,
        "county_code": event.county_code,
        "reason": event.reason,
        "detail": dict(event.detail),
    }
