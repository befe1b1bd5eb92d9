"""Crash test: the API server dies between the durable commit of a batch and its answer.

The server runs as a real process (``sealpost serve``). With the test-only fault switch
``SEALPOST_FAULT_KILL_AFTER_COMMIT=1`` it SIGKILLs itself right after committing the first batch,
before answering. The terminal gets no receipt, keeps its records in memory, and when the server
is back it retries: the records were stored exactly once, and the retry answers the very receipts
of that commit. A second scenario kills the server from the outside at an arbitrary moment of a
batch (before or after its commit): a retry converges the same way. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from records_support import PASSPHRASE, make_container, make_settings, register_terminal
from sealpost.adapters.db.tables.records import receipt_batches, records
from sealpost.client.terminal import Pickup, ReceiptTimeoutError, TerminalClient
from sealpost.domain.records import Party
from sealpost.domain.waybill_numbers import s10_number

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _server(data_dir: Path, db_url: str, port: int, **extra_env: str) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "SEALPOST_ENV": "test",
        "SEALPOST_DATA_DIR": str(data_dir),
        "SEALPOST_DATABASE_URL": db_url,
        "SEALPOST_KEYRING_PASSPHRASE": PASSPHRASE,
        "SEALPOST_LOG_LEVEL": "warning",
        "SEALPOST_WORKERS": "1",
        **extra_env,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "sealpost.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, "the server exited while starting"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield proc
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(20)


def _pickups(refs: list[str]) -> list[Pickup]:
    return [
        Pickup(
            waybill_no=s10_number("EA", 50_000_000 + i, "CN"),
            sender=Party("", "13800138000", "北京市朝阳区建国路88号院3号楼2单元1203室"),
            recipient=Party("欧阳娜娜", "13912345678", "上海市浦东新区世纪大道1001号5号楼1201室"),
            origin_county="110105",
            destination_county="310115",
            item_name="书籍",
            item_category="图书音像",
            quantity=1,
            weight_g=400,
            declared_value_fen=3000,
            inspected=True,
            identity_ref=ref,
            sender_kind="walk_in",
        )
        for i, ref in enumerate(refs)
    ]


def _counts(url: str) -> tuple[int, int, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(records)).scalar_one()
            distinct = conn.execute(sa.select(sa.func.count(sa.distinct(records.c.record_id)))).scalar_one()
            batches = conn.execute(sa.select(sa.func.count()).select_from(receipt_batches)).scalar_one()
    finally:
        engine.dispose()
    return int(total), int(distinct), int(batches)


def _client(port: int, sim: object) -> TerminalClient:
    from records_support import SimTerminal

    assert isinstance(sim, SimTerminal)
    return TerminalClient(
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30),
        terminal_id=sim.terminal.terminal_id,
        token=sim.token,
        signing_private=sim.private_key,
        company=sim.terminal.company,
        outlet=sim.terminal.outlet,
        courier_id=sim.terminal.courier_id,
        max_attempts=2,
        backoff_s=0.05,
    )


def _prepare(tmp_path: Path, db_url: str) -> tuple[Path, object, list[Pickup]]:
    from records_support import issue_ref

    settings = make_settings(tmp_path / "data", db_url)
    container = make_container(settings)
    sim = register_terminal(container, courier_id="c-crash")
    refs = [issue_ref(container, "c-crash", source="walk_in").ref for _ in range(300)]
    container.close()
    return settings.data_dir, sim, _pickups(refs)


def test_killed_after_commit_before_answer_then_retry_loses_nothing_and_doubles_nothing(
    tmp_path: Path, db_url: str
) -> None:
    data_dir, sim, pickups = _prepare(tmp_path, db_url)
    port = _free_port()
    with _server(data_dir, db_url, port, SEALPOST_FAULT_KILL_AFTER_COMMIT="1") as proc:
        client = _client(port, sim)
        with pytest.raises(ReceiptTimeoutError):
            client.submit(pickups[:200])
        assert proc.wait(20) == -signal.SIGKILL  # it died by the fault switch, after the commit
    pending = client.pending
    assert len(pending) == 200  # the terminal still holds every record, in memory
    assert _counts(db_url) == (200, 200, 1)  # committed once, before the crash
    with _server(data_dir, db_url, port):
        result = client.send(pending)
        assert len(result.receipts) == 200 and result.rejected == {}
        assert client.pending == []
        # A second retry of the same records changes nothing either.
        again = client.send([*pending[:50]])
        assert again.receipts == {r.record_id: result.receipts[r.record_id] for r in pending[:50]}
    assert _counts(db_url) == (200, 200, 1)
    client.close()


# The deterministic after-commit crash covers PostgreSQL; this one runs on SQLite only.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_killed_at_an_arbitrary_moment_then_retry_converges(tmp_path: Path, db_url: str) -> None:
    data_dir, sim, pickups = _prepare(tmp_path, db_url)
    port = _free_port()
    with _server(data_dir, db_url, port) as proc:
        client = _client(port, sim)
        killer = threading.Timer(0.15, lambda: os.killpg(proc.pid, signal.SIGKILL))
        killer.start()
        for chunk in (pickups[:150], pickups[150:300]):
            with contextlib.suppress(ReceiptTimeoutError, httpx.HTTPError):
                client.submit(chunk)
        killer.join()
        proc.wait(20)
    total, distinct, _ = _counts(db_url)
    assert total == distinct <= 300  # whatever was committed, it was committed once
    with _server(data_dir, db_url, port):
        if client.pending:
            result = client.send(client.pending)
            assert result.rejected == {}
        assert client.pending == []
    total, distinct, _ = _counts(db_url)
    assert total == distinct == 300
    client.close()
