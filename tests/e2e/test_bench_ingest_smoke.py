"""``sealpost bench ingest`` end to end, tiny: a kept store (``--keep``) run on again (``--reuse``),
each run's records stored once, under waybill numbers that never collide with the earlier run's."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

_TINY = ["--records", "1000", "--batch", "250", "--workers", "1", "--clients", "1", "--inflight", "1"]


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    env.pop("SEALPOST_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "sealpost.cli", "bench", "ingest", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_kept_store_runs_again_with_reuse() -> None:
    first = _bench(*_TINY, "--keep")
    assert first.returncode == 0, first.stderr[-2000:]
    kept = Path(first.stderr.split("--reuse ", 1)[1].split(")", 1)[0].strip())
    try:
        figures = json.loads(first.stdout.strip().splitlines()[-1])
        assert (figures["stored_before"], figures["stored"], figures["failed"], figures["bad_receipts"]) == (
            0,
            1000,
            0,
            0,
        )
        again = _bench(*_TINY, "--reuse", str(kept))
        assert again.returncode == 0, again.stderr[-2000:]
        figures = json.loads(again.stdout.strip().splitlines()[-1])
        # the earlier run's records are there; this run's 1,000 are new (no waybill collision)
        assert (figures["stored_before"], figures["stored"], figures["rejected"]) == (1000, 1000, 0)
        wrong = _bench(*_TINY, "--db", "postgres", "--reuse", str(kept))
        assert wrong.returncode == 2 and "holds a sqlite store" in wrong.stderr
    finally:
        shutil.rmtree(kept, ignore_errors=True)


def test_reuse_refuses_a_folder_that_was_not_kept(tmp_path: Path) -> None:
    done = _bench(*_TINY, "--reuse", str(tmp_path))
    assert done.returncode == 2 and "--keep" in done.stderr
    done = _bench(*_TINY, "--reuse", str(tmp_path), "--prefill", "10")
    assert done.returncode == 2 and "--prefill" in done.stderr
