"""WAL checkpoints of a SQLite file off the write path.

SQLite runs its automatic checkpoint inside the ``COMMIT`` that crosses ``wal_autocheckpoint``
pages: the committing connection copies the whole WAL back into the database file and syncs it
before the commit returns. A bulk writer that serialises its batches (the record store's write
lock) then holds every other writer back for the length of a checkpoint: ~0.2-0.4 s each, one per
~35 batches of 1,000 records, measured as ~70 % of all the time spent in commits.

:class:`WalCheckpointer` moves that work to a thread of its own: the writer raises its
connection's auto-checkpoint threshold to :data:`BACKSTOP_PAGES` for its own commits (a limit on
the WAL's size should the thread fall behind, never the normal path) and, after releasing its
lock, reports how many rows it wrote; every :data:`EVERY_ROWS` rows a ``PRAGMA
wal_checkpoint(PASSIVE)`` runs in the background. PASSIVE waits for nobody: writers keep appending
to the WAL while it copies, and of two processes checkpointing at once one simply skips.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Final

import structlog
from sqlalchemy import Engine

log = structlog.get_logger(__name__)

#: Rows written between background checkpoints: a 1,000-record batch writes ~2 MB of WAL (~250
#: pages of 8 KiB), so ~20 MB each, a quarter of what the engine's auto-checkpoint lets gather.
EVERY_ROWS: Final = 10_000
#: The auto-checkpoint threshold (pages) on a bulk writer's own connection while it writes.
BACKSTOP_PAGES: Final = 40_000


class WalCheckpointer:
    """Background PASSIVE checkpoints of the SQLite file behind ``engine``, on a connection and a
    daemon thread of their own (both made on first use). ``before`` runs in that thread before
    each checkpoint (the record store merges blind-index tokens there)."""

    def __init__(
        self, engine: Engine, *, every_rows: int = EVERY_ROWS, before: Callable[[], None] | None = None
    ) -> None:
        self._engine = engine
        self._before = before
        self._every_rows = every_rows
        self._rows = 0
        self._lock = threading.Lock()
        self._wanted = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: Any = None
        self._closed = False
        self.done = 0  #: checkpoints run (for tests and the curious)

    def wrote(self, rows: int) -> None:
        """``rows`` were committed (call it after releasing any write lock)."""
        with self._lock:
            if self._closed:
                return
            self._rows += rows
            if self._rows < self._every_rows:
                return
            self._rows = 0
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sqlite-wal-checkpoint", daemon=True)
                self._thread.start()
        self._wanted.set()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            if self._closed:
                return
            if self._before is not None:
                try:
                    self._before()
                except Exception:  # its own business: retried next time; the checkpoint still runs
                    log.warning("sqlite_housekeeping_failed", exc_info=True)
            self.checkpoint()

    def checkpoint(self) -> None:
        """One PASSIVE checkpoint now, in the calling thread."""
        try:
            if self._conn is None:
                proxied = self._engine.raw_connection()
                self._conn = proxied.driver_connection
                proxied.detach()  # ours for good: not counted against the pool, closed in close()
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self.done += 1
        except Exception:  # a failed checkpoint is retried next time; the backstop bounds the WAL
            log.warning("sqlite_checkpoint_failed", exc_info=True)
            self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:
                log.debug("sqlite_checkpoint_close_failed")

    def close(self) -> None:
        """Stop the thread (after a checkpoint under way) and close the connection."""
        with self._lock:
            self._closed = True
            thread = self._thread
        self._wanted.set()
        if thread is not None:
            thread.join(timeout=30)
        self._drop()
