"""``sealpost bench verify`` end to end, tiny: a real server, a client process, a JSON last line."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def test_bench_verify_prints_its_figures_as_a_last_json_line() -> None:
    env = {**os.environ}
    env.pop("SEALPOST_DATABASE_URL", None)
    args = ["--rates", "50", "--duration", "0.5", "--clients", "1", "--workers", "1", "--senders", "3"]
    done = subprocess.run(
        [sys.executable, "-m", "sealpost.cli", "bench", "verify", *args, "--connections", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["database"] == "sqlite"
    assert figures["at_50_verifications_per_s"] > 0
    assert "at_50_errors" not in figures and "max_errors" not in figures  # every answer was a 200
    assert figures["max_verifications_per_s"] > 0
    assert figures["server_cpu_us_per_verification"] > 0 and figures["client_cpu_us_per_verification"] > 0
