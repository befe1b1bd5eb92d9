"""SQLite: the blind-index tokens of stored records, in a file of their own (migration records_0004).

A token is random, so any index on it takes each new record on a different leaf page: at 10 M
stored records a 1,000-record commit dirtied ~2,450 pages of the three blind-index indexes on
``records`` (~21 MB of WAL) and held the single write lock ~40 ms longer for it. Here the records
file has no such index; the tokens of the records stored since the last merge are put into
``<database>-blind.db`` sorted, tens of thousands at a time, each merge as a run of its own (see
``TOKENS_TABLE``), so a merge writes only its own new pages instead of each batch dirtying pages
all over the index. A merge reads the records file (a WAL reader never blocks its
writer) and writes only the tokens file, so ingest keeps storing meanwhile; only moving the
watermark in the records file (``record_blind_merge``) takes the store's write lock, for one
short statement.

The tokens file is derived data: a missing, new or replaced file has another id than the one the
watermark names, which counts as watermark 0, and the merges rebuild it from ``records``. A
look-up keeps only records whose stored token and day still match, so a token the file still
holds for a changed or deleted record never surfaces.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Final

from sqlalchemy import Connection

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: merges in one process are still serialised
    fcntl = None  # type: ignore[assignment]

from sealpost.adapters.db.tables.records import BLIND_KINDS

#: Records merged per transaction of the tokens file (bounds its WAL and one merge's memory).
CHUNK_ROWS: Final = 200_000

#: A token's row names its record by ``rowid`` (a few bytes, where the 32-character id would double
#: the table); a look-up checks every candidate row's stored token and day, so a rowid that SQLite
#: gave again to another record never answers for the old one.
#:
#: Each merge writes a *run* of its own (``run`` = the watermark it started from) in every day it
#: touches, and ``token_runs`` lists the runs of each day. Its tokens then go into new, adjacent
#: pages at the end of each (kind, day, run) range instead of among every token that day already
#: has: a merge writes its own pages only, where keyed by (kind, day, token) each merge rewrote the
#: day's whole part of the file (on a 10 M-record store with ~1 M records received in one day,
#: 0.52-0.63 s of CPU per 50,000-record merge, growing with the day). A look-up seeks the token once
#: per run of each day it names (a day has one run per merge that reached it: a few for a town).
TOKENS_TABLE: Final = "record_token_runs"
_SCHEMA = (
    "DROP TABLE IF EXISTS record_tokens",  # the layout before runs (one sorted range per day)
    f"CREATE TABLE IF NOT EXISTS {TOKENS_TABLE} (kind INTEGER NOT NULL, day TEXT NOT NULL,"
    " run INTEGER NOT NULL, token BLOB NOT NULL, record_rowid INTEGER NOT NULL,"
    " PRIMARY KEY (kind, day, run, token, record_rowid)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS token_runs (day TEXT NOT NULL, run INTEGER NOT NULL,"
    " PRIMARY KEY (day, run)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS file (id INTEGER PRIMARY KEY CHECK (id = 1), file_id TEXT NOT NULL)",
)
#: The records after the watermark (rowids ``:low`` < rowid <= ``:high``), read once into a
#: temporary table of their rowids, days and tokens (not one scan of the ~1.5 kB record rows per
#: token kind and one more for their days); then their tokens, three each (no ID number: no token),
#: in key order as run ``:low``, and the days that run has tokens in.
_COPY_SPAN = (
    "CREATE TEMP TABLE span AS SELECT rowid AS id, substr(received_at, 1, 10) AS day, "  # noqa: S608
    + ", ".join(f"{column} AS t{kind}" for kind, column in BLIND_KINDS.values())
    + " FROM src.records WHERE rowid > :low AND rowid <= :high"
)
_MERGE = (
    f"INSERT OR IGNORE INTO {TOKENS_TABLE} (kind, day, run, token, record_rowid) "  # noqa: S608
    + " UNION ALL ".join(
        f"SELECT {kind}, day, :low, t{kind}, id FROM temp.span WHERE t{kind} IS NOT NULL"  # noqa: S608
        for kind, _column in BLIND_KINDS.values()
    )
    + " ORDER BY 1, 2, 3, 4, 5"
)
_MERGE_RUNS = "INSERT OR IGNORE INTO token_runs (day, run) SELECT DISTINCT day, :low FROM temp.span"
#: A look-up: the runs of the days named, then one seek per run (CROSS JOIN fixes that order).
_FIND = (
    f"SELECT t.record_rowid FROM token_runs AS r CROSS JOIN {TOKENS_TABLE} AS t"  # noqa: S608
    " ON t.kind = ? AND t.day = r.day AND t.run = r.run AND t.token = ? WHERE r.day IN ({marks})"
)
_WATERMARK = "SELECT merged_rowid, tokens_file FROM {schema}record_blind_merge"
_MOVE = (
    "UPDATE record_blind_merge SET merged_rowid = :high, tokens_file = :file"
    " WHERE (tokens_file IS :file AND merged_rowid = :low) OR (tokens_file IS NOT :file AND :low = 0)"
)


def tokens_path(database: str) -> Path:
    """``/data/sealpost.db`` → ``/data/sealpost-blind.db``."""
    path = Path(database)
    return path.with_name(f"{path.stem}-blind{path.suffix or '.db'}")


class SqliteBlindTokens:
    """The tokens file of the SQLite database ``database``; ``write`` opens a transaction on the
    records file under the record store's write lock (used to move the watermark)."""

    def __init__(self, database: str, write: Callable[[], AbstractContextManager[Connection]]) -> None:
        self._database = database
        self.path = tokens_path(database)
        self._write = write
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    # ------------------------------------------------------------------ the file
    @contextlib.contextmanager
    def _open(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False)
        try:
            conn.execute("PRAGMA page_size=8192")  # before WAL: only a new, empty file takes it
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-32768")
            conn.execute("PRAGMA temp_store=MEMORY")  # a merge's span of tokens (~6 MB per 50,000)
            if not self._has_tokens(conn):  # (a look-up must not write otherwise: it would wait for a merge)
                self._create(conn)
            yield conn
        finally:
            conn.close()

    @classmethod
    def _create(cls, conn: sqlite3.Connection) -> None:
        """A new file, or one of another layout: the tables, and a new id (so the watermark that
        named the old one counts as 0 and the merges rebuild it)."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            if not cls._has_tokens(conn):  # another process may have made it meanwhile
                for statement in _SCHEMA:
                    conn.execute(statement)
                new_id = uuid.uuid4().hex
                conn.execute("INSERT OR REPLACE INTO file (id, file_id) VALUES (1, ?)", (new_id,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @staticmethod
    def _has_tokens(conn: sqlite3.Connection) -> bool:
        found = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (TOKENS_TABLE,)).fetchone()
        return found is not None

    @staticmethod
    def _file_id(conn: sqlite3.Connection) -> str:
        return str(conn.execute("SELECT file_id FROM file").fetchone()[0])

    def watermark(self, conn: Connection, file_id: str) -> int:
        """The records (by rowid) whose tokens the file ``file_id`` holds: up to this one."""
        merged, file = conn.exec_driver_sql(_WATERMARK.format(schema="")).one()
        return int(merged) if file == file_id else 0

    # ------------------------------------------------------------------ look-ups
    def find(
        self, records_conn: Connection, kind: int, days: list[str], token: bytes
    ) -> tuple[set[int], int]:
        """(the records' rowids the file holds for this token on these days, the watermark they
        are complete up to). The watermark is read first: a merge that finishes in between only
        adds rows that the caller's scan after the watermark finds as well."""
        with self._open() as conn:
            low = self.watermark(records_conn, self._file_id(conn))
            if low == 0:
                return set(), 0
            marks = ", ".join("?" for _ in days)
            rows = conn.execute(_FIND.format(marks=marks), (kind, token, *days)).fetchall()
        return {row[0] for row in rows}, low

    # ------------------------------------------------------------------ merges
    def merge(self, *, at_least: int = 1, chunk: int = CHUNK_ROWS) -> int:
        """Put the tokens of the records stored after the watermark into the file, sorted, if
        there are at least ``at_least`` of them; how far the watermark moved (the records merged,
        unless some were deleted). A merge already running in this or another process makes this
        one return 0 at once."""
        with self._merging() as mine:
            if not mine:
                return 0
            with self._open() as conn:
                conn.execute("ATTACH DATABASE ? AS src", (self._database,))
                file_id = self._file_id(conn)
                merged = 0
                while not self._stopping.is_set():  # chunk by chunk: a shutdown waits for one at most
                    low, high = self._span(conn, file_id)
                    if high <= low or (merged == 0 and high - low < at_least):
                        return merged
                    high = min(high, low + chunk)
                    conn.execute("BEGIN")  # deferred: reads src at a snapshot, writes only this file
                    try:
                        conn.execute(_COPY_SPAN, {"low": low, "high": high})
                        conn.execute(_MERGE, {"low": low})
                        conn.execute(_MERGE_RUNS, {"low": low})
                        conn.execute("DROP TABLE temp.span")
                        conn.execute("COMMIT")
                    except BaseException:
                        conn.execute("ROLLBACK")
                        raise
                    with self._write() as records_conn:
                        moved = records_conn.exec_driver_sql(
                            _MOVE, {"high": high, "low": low, "file": file_id}
                        ).rowcount
                    if moved != 1:  # a trigger moved it meanwhile: the next merge starts there
                        return merged
                    merged += high - low
                return merged

    def stop(self) -> None:
        """Make a merge under way stop after its current chunk, and later ones do nothing."""
        self._stopping.set()

    @staticmethod
    def _span(conn: sqlite3.Connection, file_id: str) -> tuple[int, int]:
        merged, file = conn.execute(_WATERMARK.format(schema="src.")).fetchone()
        low = int(merged) if file == file_id else 0
        high = int(conn.execute("SELECT coalesce(max(rowid), 0) FROM src.records").fetchone()[0])
        return low, high

    @contextlib.contextmanager
    def _merging(self) -> Iterator[bool]:
        """One merge at a time: a thread lock, and a non-blocking ``flock`` across processes."""
        if not self._lock.acquire(blocking=False):
            yield False
            return
        try:
            if fcntl is None:
                yield True
                return
            fd = os.open(f"{self.path}.merging", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    yield False
                    return
                yield True
            finally:
                os.close(fd)
        finally:
            self._lock.release()
