"""SQLite WAL checkpoints off the record store's write path: a batch's commit never checkpoints
(short of the backstop), a background thread checkpoints every so many rows, and the store's
connections go back to the pool with the engine's own auto-checkpoint threshold."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import Engine

from records_support import SimTerminal, issue_ref, parsed, personal, sealed_batch, wait_for
from sealpost.adapters.db.engine import SQLITE_WAL_AUTOCHECKPOINT
from sealpost.adapters.db.records_repo import SqlRecordStore
from sealpost.adapters.db.sqlite_checkpoints import BACKSTOP_PAGES, WalCheckpointer
from sealpost.bootstrap import Container
from sealpost.services.ingest import Source

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _wal_frames(engine: Engine) -> tuple[int, int]:
    """(frames in the WAL, frames of it already copied back), as a PASSIVE checkpoint sees them
    when nobody else checkpoints (a no-op when the WAL is fully copied already)."""
    with engine.connect() as conn:
        _busy, log_frames, done = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
    return int(log_frames), int(done)


def _write_some(engine: Engine, rows: int) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS filler (v BLOB)")
        conn.exec_driver_sql("INSERT INTO filler VALUES (?)", [(b"x" * 4000,) for _ in range(rows)])


def test_checkpoints_run_in_the_background_every_so_many_rows(engine: Engine) -> None:
    checkpoints = WalCheckpointer(engine, every_rows=100)
    try:
        _write_some(engine, 50)
        checkpoints.wrote(50)
        time.sleep(0.05)
        assert checkpoints.done == 0  # not yet: fewer rows than the interval
        _write_some(engine, 50)
        checkpoints.wrote(50)
        wait_for(lambda: checkpoints.done == 1)
        assert checkpoints._thread is not None and checkpoints._thread.name == "sqlite-wal-checkpoint"
        # everything the writer committed before reporting it is back in the database file
        frames, copied = _wal_frames(engine)
        assert frames > 0 and copied == frames
    finally:
        checkpoints.close()
    assert checkpoints._thread is not None and not checkpoints._thread.is_alive()
    checkpoints.wrote(1_000)  # after close: nothing happens, nothing raises
    assert checkpoints.done == 1


def test_a_failed_checkpoint_is_logged_and_retried_on_a_new_connection(engine: Engine) -> None:
    checkpoints = WalCheckpointer(engine, every_rows=1)
    broken = engine.raw_connection()

    class Closed:
        def execute(self, _sql: str) -> Any:
            raise RuntimeError("connection lost")

        def close(self) -> None:
            broken.close()

    checkpoints._conn = Closed()
    checkpoints.checkpoint()
    assert checkpoints.done == 0 and checkpoints._conn is None
    checkpoints.checkpoint()
    assert checkpoints.done == 1
    checkpoints.close()


def test_a_batch_commit_never_checkpoints_and_the_connection_goes_back_as_it_came(
    container: Container, terminal: SimTerminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = container.records
    thresholds: list[int] = []
    write = SqlRecordStore._write

    def spy(self: SqlRecordStore, conn: Any, *args: Any) -> None:
        thresholds.append(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar())
        write(self, conn, *args)

    monkeypatch.setattr(SqlRecordStore, "_write", spy)
    assert store._checkpoints is not None
    monkeypatch.setattr(store._checkpoints, "_every_rows", 3)
    for _ in range(3):
        items = [
            (terminal.meta(identity_ref=issue_ref(container, terminal.terminal.courier_id).ref), personal())
        ]
        outcome = container.ingestor.ingest(
            parsed(sealed_batch(terminal.session(), items)), Source("terminal", terminal.terminal.terminal_id)
        )
        assert outcome.stored == 1
    assert thresholds == [BACKSTOP_PAGES] * 3
    wait_for(lambda: store._checkpoints is not None and store._checkpoints.done == 1)
    with container.engine.connect() as conn:  # the pool's connection has the engine's threshold again
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == SQLITE_WAL_AUTOCHECKPOINT
    container.close()
    assert not store._checkpoints._thread.is_alive()  # type: ignore[union-attr]


def test_a_refused_batch_restores_the_threshold_too(container: Container, terminal: SimTerminal) -> None:
    source = Source("terminal", terminal.terminal.terminal_id)
    items = [(terminal.meta(identity_ref=issue_ref(container, terminal.terminal.courier_id).ref), personal())]
    container.ingestor.ingest(parsed(sealed_batch(terminal.session(), items)), source)
    # the same waybill number under a new record id: the store refuses it (StoreConflict), then
    # the careful attempt rejects the record; the connection still goes back as it came
    again = [
        (
            terminal.meta(
                identity_ref=issue_ref(container, terminal.terminal.courier_id).ref,
                waybill_no=items[0][0]["waybill_no"],
            ),
            personal(),
        )
    ]
    outcome = container.ingestor.ingest(parsed(sealed_batch(terminal.session(), again)), source)
    assert outcome.stored == 0 and [r.reason for r in outcome.rejected] == ["waybill_duplicate"]
    with container.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == SQLITE_WAL_AUTOCHECKPOINT
