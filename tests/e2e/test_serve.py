"""The first quick-start command's core: ``sealpost serve`` answers on the address it prints."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_prints_its_address_and_answers(tmp_path: Path) -> None:
    env = {**os.environ, "SEALPOST_DATA_DIR": str(tmp_path / "data")}
    env.pop("SEALPOST_DATABASE_URL", None)
    exe = [sys.executable, "-m", "sealpost.cli"]
    subprocess.run([*exe, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    port = _free_port()
    proc = subprocess.Popen(
        [*exe, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in first
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert r.status_code == 200
        assert r.json()["status"] == "ready"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
