"""The SQLite batch-write lock: one holder at a time across threads and processes (flock)."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

from sealpost.adapters.db.records_repo import SqliteWriteLock


def test_another_process_cannot_take_the_file_lock_while_held(tmp_path: Path) -> None:
    db = tmp_path / "sealpost.db"
    lock = SqliteWriteLock(str(db))
    with lock.hold():
        fd = os.open(f"{db}.writelock", os.O_RDWR)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                taken = True
            except BlockingIOError:
                taken = False
        finally:
            os.close(fd)
    assert not taken
    fd = os.open(f"{db}.writelock", os.O_RDWR)  # released afterwards
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)


def test_threads_take_turns(tmp_path: Path) -> None:
    lock = SqliteWriteLock(str(tmp_path / "sealpost.db"))
    inside = 0
    overlap = False

    def work() -> None:
        nonlocal inside, overlap
        for _ in range(20):
            with lock.hold():
                inside += 1
                overlap = overlap or inside > 1
                time.sleep(0.0005)
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not overlap


def test_in_memory_databases_use_the_thread_lock_only() -> None:
    with SqliteWriteLock(":memory:").hold(), SqliteWriteLock(None).hold():
        pass
