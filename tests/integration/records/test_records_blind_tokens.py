"""Look-ups by blind-index token (``SqlRecordStore.record_ids_by_blind_token``) on both databases,
and SQLite's tokens file (migration records_0004, ``adapters/db/blind_tokens.py``): the records
stored since the last merge wait for a sorted merge into ``<database>-blind.db``; a look-up finds
a record either way, only while its stored token and day match, and a lost file is rebuilt."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from alembic import command

from records_support import SimTerminal, issue_ref, parsed, personal, sealed_batch, wait_for
from sealpost.adapters.db import records_repo
from sealpost.adapters.db.blind_tokens import _FIND, TOKENS_TABLE
from sealpost.adapters.db.migrate import alembic_config, upgrade
from sealpost.bootstrap import Container
from sealpost.services.ingest import Source

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
PHONE = "13912340001"


def _store_three(container: Container, terminal: SimTerminal) -> list[str]:
    """Three records, the first and the last to the same recipient phone; their ids."""
    courier = terminal.terminal.courier_id
    phones = [PHONE, "13912340002", PHONE]
    items = [
        (terminal.meta(identity_ref=issue_ref(container, courier).ref), personal(recipient_phone=p))
        for p in phones
    ]
    outcome = container.ingestor.ingest(
        parsed(sealed_batch(terminal.session(), items)), Source("terminal", terminal.terminal.terminal_id)
    )
    assert outcome.stored == 3
    return [meta["record_id"] for meta, _personal in items]


def _pending(container: Container) -> int:
    """Records stored after the watermark (it counts only for the tokens file it names)."""
    tokens = container.records._tokens
    assert tokens is not None
    with tokens._open() as conn:  # (made on first use)
        file_id = conn.execute("SELECT file_id FROM file").fetchone()[0]
    with container.engine.connect() as conn:
        merged, file = conn.exec_driver_sql("SELECT merged_rowid, tokens_file FROM record_blind_merge").one()
        low = merged if file == file_id else 0
        return int(conn.exec_driver_sql("SELECT count(*) FROM records WHERE rowid > ?", (low,)).scalar_one())


def _merged(container: Container) -> dict[int, int]:
    """Tokens in the file, by kind."""
    tokens = container.records._tokens
    assert tokens is not None
    with tokens._open() as conn:
        return dict(conn.execute(f"SELECT kind, count(*) FROM {TOKENS_TABLE} GROUP BY kind").fetchall())


def _find(container: Container, token: bytes, *days: date, field: str = "recipient_phone") -> list[str]:
    return container.records.record_ids_by_blind_token(field, token, days or [container.clock.now().date()])


def test_a_token_is_found_on_the_days_named_only(container: Container, terminal: SimTerminal) -> None:
    ids = _store_three(container, terminal)
    today = container.clock.now().date()
    token = container.crypto.blind.index("phone", PHONE)
    assert _find(container, token, today, date(1999, 1, 1)) == sorted([ids[0], ids[2]])
    assert _find(container, token, today - timedelta(days=1)) == []
    assert _find(container, token, field="sender_phone") == []  # another field
    assert container.records.record_ids_by_blind_token("recipient_phone", token, []) == []
    merged = container.records.merge_blind_tokens()
    assert merged == (3 if container.engine.dialect.name == "sqlite" else 0)
    assert _find(container, token) == sorted([ids[0], ids[2]])


@sqlite_only
def test_a_merge_moves_the_tokens_into_their_file_sorted_and_a_look_up_seeks_them(
    container: Container, terminal: SimTerminal
) -> None:
    ids = _store_three(container, terminal)
    store = container.records
    assert store._tokens is not None and store._tokens.path.name == "sealpost-blind.db"
    assert _pending(container) == 3
    assert store.merge_blind_tokens(at_least=4) == 0  # fewer than asked for: nothing moves
    assert store.merge_blind_tokens() == 3
    assert _pending(container) == 0
    # 3 records × (sender ID number: QR senders have one, sender phone, recipient phone)
    assert _merged(container) == {1: 3, 2: 3, 3: 3}
    assert store.merge_blind_tokens() == 0
    with store._tokens._open() as conn:
        plan = " ".join(
            str(r[-1])
            for r in conn.execute(
                "EXPLAIN QUERY PLAN " + _FIND.format(marks="?, ?"), (3, b"\0", "2026-11-27", "2026-11-28")
            )
        )
    # the runs of the days named, then one primary-key seek of the token per run
    assert "SEARCH r USING PRIMARY KEY (day=?)" in plan
    assert "SEARCH t USING PRIMARY KEY (kind=? AND day=? AND run=? AND token=?)" in plan
    with container.engine.connect() as conn:  # and the records file has no index on a token
        names = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE tbl_name = 'records'").scalars()
        assert not [n for n in names if "bi_" in n]
    # every QR sender of the test terminal is the same person: one token, three records
    document = container.crypto.blind.index("id_number", "11010519491231002X")
    assert _find(container, document, field="sender_id_number") == sorted(ids)


@sqlite_only
def test_a_changed_or_deleted_record_is_never_found_by_a_stale_token(
    container: Container, terminal: SimTerminal
) -> None:
    ids = _store_three(container, terminal)
    store = container.records
    token = container.crypto.blind.index("phone", PHONE)
    other = container.crypto.blind.index("phone", "13912340002")
    store.merge_blind_tokens()
    with container.engine.begin() as conn:  # a merged record deleted: the file still has its token
        conn.exec_driver_sql("DELETE FROM records WHERE record_id = ?", (ids[0].replace("-", ""),))
    assert _find(container, token) == [ids[2]]
    # a merged record's token changed (the platform never does, but a look-up must not lie): the
    # watermark comes down to it, so the scan finds it under its new token until merged again
    with container.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE records SET bi_recipient_phone = ? WHERE record_id = ?", (other, ids[2].replace("-", ""))
        )
    assert _pending(container) == 1
    assert _find(container, token) == []
    assert _find(container, other) == sorted([ids[1], ids[2]])
    assert store.merge_blind_tokens() == 1
    assert _find(container, other) == sorted([ids[1], ids[2]])
    # the newest records deleted: SQLite hands their rowids out again, so the watermark comes down
    # and the records stored next are merged, not skipped
    newer = _store_three(container, terminal)
    store.merge_blind_tokens()
    with container.engine.begin() as conn:
        conn.exec_driver_sql(
            "DELETE FROM records WHERE record_id IN (?, ?, ?)", tuple(n.replace("-", "") for n in newer)
        )
    again = _store_three(container, terminal)
    assert _pending(container) == 3
    assert _find(container, token) == sorted([again[0], again[2]])
    assert store.merge_blind_tokens() == 3
    assert _find(container, token) == sorted([again[0], again[2]])


@sqlite_only
def test_a_lost_tokens_file_is_rebuilt_from_the_records(container: Container, terminal: SimTerminal) -> None:
    ids = _store_three(container, terminal)
    store = container.records
    assert store._tokens is not None
    store.merge_blind_tokens()
    for suffix in ("", "-wal", "-shm"):
        store._tokens.path.with_name(store._tokens.path.name + suffix).unlink(missing_ok=True)
    token = container.crypto.blind.index("phone", PHONE)
    assert _find(container, token) == sorted([ids[0], ids[2]])  # a new file: everything is "after"
    assert _pending(container) == 3
    assert store.merge_blind_tokens() == 3
    assert _merged(container) == {1: 3, 2: 3, 3: 3}
    assert _find(container, token) == sorted([ids[0], ids[2]])


@sqlite_only
def test_one_merge_at_a_time_and_ingest_goes_on_during_one(
    container: Container, terminal: SimTerminal
) -> None:
    _store_three(container, terminal)
    store = container.records
    assert store._tokens is not None
    with store._tokens._merging() as mine:  # a merge under way (in this process)
        assert mine
        assert store.merge_blind_tokens() == 0
        _store_three(container, terminal)  # storing does not wait for it
    # the merge reads the records file and writes only its own: the store's write lock is free
    started = threading.Event()
    release = threading.Event()
    original = store._tokens._write

    def slow_move() -> object:
        started.set()
        release.wait(10)
        return original()

    store._tokens._write = slow_move  # type: ignore[method-assign]
    worker = threading.Thread(target=store.merge_blind_tokens)
    worker.start()
    assert started.wait(10)
    _store_three(container, terminal)  # stored while the merge holds its tokens, lock-free
    release.set()
    worker.join(10)
    assert not worker.is_alive()
    assert _pending(container) == 0  # the merge went on to those stored meanwhile
    assert _merged(container) == {1: 9, 2: 9, 3: 9}


@sqlite_only
def test_the_checkpoint_thread_merges_once_enough_records_are_waiting(
    container: Container, terminal: SimTerminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = container.records
    assert store._checkpoints is not None
    monkeypatch.setattr(store._checkpoints, "_every_rows", 1)
    monkeypatch.setattr(records_repo, "MERGE_EVERY_ROWS", 5)
    _store_three(container, terminal)  # 3 waiting: below the merge size, the checkpoint still runs
    checkpoints = store._checkpoints
    wait_for(lambda: checkpoints.done >= 1)
    assert _pending(container) == 3
    _store_three(container, terminal)  # 6 waiting: the thread merges them
    wait_for(lambda: _pending(container) == 0)
    assert _merged(container) == {1: 6, 2: 6, 3: 6}


@sqlite_only
def test_the_migration_drops_the_day_led_indexes_and_the_store_builds_the_file(
    container: Container, terminal: SimTerminal, db_url: str
) -> None:
    command.downgrade(alembic_config(db_url), "records_0003")
    ids = _store_three(container, terminal)  # stored under the records_0003 layout
    with container.engine.connect() as conn:
        assert "record_blind_merge" not in sa.inspect(conn).get_table_names()
    upgrade(db_url)
    with container.engine.connect() as conn:
        names = set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'").scalars())
    assert not {n for n in names if n.startswith("ix_records_day_bi_")}
    token = container.crypto.blind.index("phone", PHONE)
    assert _find(container, token) == sorted([ids[0], ids[2]])
    assert container.records.merge_blind_tokens() == 3
    assert _find(container, token) == sorted([ids[0], ids[2]])


@sqlite_only
def test_a_tokens_file_of_another_layout_gets_a_new_id_and_is_rebuilt(
    container: Container, terminal: SimTerminal
) -> None:
    ids = _store_three(container, terminal)
    store = container.records
    assert store._tokens is not None
    with sqlite3.connect(store._tokens.path) as old:  # an earlier layout: other table, an id
        old.execute("CREATE TABLE tokens (kind INTEGER, day TEXT, token BLOB, record_id TEXT)")
        old.execute(  # the layout before runs: dropped, not left to take space
            "CREATE TABLE record_tokens (kind INTEGER NOT NULL, day TEXT NOT NULL, token BLOB NOT NULL,"
            " record_rowid INTEGER NOT NULL, PRIMARY KEY (kind, day, token, record_rowid)) WITHOUT ROWID"
        )
        old.execute("CREATE TABLE file (id INTEGER PRIMARY KEY, file_id TEXT NOT NULL)")
        old.execute("INSERT INTO file VALUES (1, 'f' || hex(randomblob(8)))")
        stale = old.execute("SELECT file_id FROM file").fetchone()[0]
    old.close()
    with container.engine.begin() as conn:  # the watermark says that file holds everything
        conn.exec_driver_sql("UPDATE record_blind_merge SET merged_rowid = 3, tokens_file = ?", (stale,))
    token = container.crypto.blind.index("phone", PHONE)
    assert _find(container, token) == sorted([ids[0], ids[2]])  # the old id is gone: a full scan
    assert _pending(container) == 3
    assert store.merge_blind_tokens() == 3
    assert _merged(container) == {1: 3, 2: 3, 3: 3}
    with store._tokens._open() as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "record_tokens" not in tables and TOKENS_TABLE in tables


@sqlite_only
def test_closing_the_store_stops_a_merge_after_its_current_chunk(
    container: Container, terminal: SimTerminal
) -> None:
    _store_three(container, terminal)
    tokens = container.records._tokens
    assert tokens is not None
    move = tokens._write

    def move_then_close() -> object:
        container.records.close()  # as a shutting-down worker does, mid-merge
        return move()

    tokens._write = move_then_close  # type: ignore[method-assign]
    assert tokens.merge(chunk=1) == 1  # one record per chunk: the first chunk ends, no second
    assert _pending(container) == 2
    assert tokens.merge() == 0  # and later merges do nothing
