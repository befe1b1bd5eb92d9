from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sealpost import __version__
from sealpost.cli.main import app
from sealpost.native import NATIVE_MODULES, compiled_modules


@pytest.fixture
def data_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SEALPOST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SEALPOST_DATABASE_URL", raising=False)
    return tmp_path / "data"


def test_version() -> None:
    result = CliRunner().invoke(app, ["version"])
    assert result.exit_code == 0
    assert result.output.strip() == __version__


def test_version_build_says_what_the_hot_path_runs_as() -> None:
    result = CliRunner().invoke(app, ["version", "--build"])
    assert result.exit_code == 0
    first, second = result.output.strip().splitlines()
    assert first == __version__
    if compiled_modules():  # make test-native
        assert f"{len(NATIVE_MODULES)}/{len(NATIVE_MODULES)} hot-path modules compiled" in second
    else:
        assert "pure Python" in second


def test_db_upgrade_then_demo_seed_is_idempotent(data_env: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert (data_env / "sealpost.db").exists()
    seeded = runner.invoke(app, ["demo", "seed"])
    assert seeded.exit_code == 0, seeded.output
    # The demo town went through the real API: receipts came back, one per accepted parcel.
    receipts = (data_env / "demo" / "receipts.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(receipts) >= 15
    assert all('"signature"' in line for line in receipts)
    again = runner.invoke(app, ["demo", "seed"])
    assert again.exit_code == 0
    assert '"present"' in again.output


def test_unreachable_database_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, data_env: Path) -> None:
    monkeypatch.setenv("SEALPOST_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "cannot reach the database" in result.output
    assert "Traceback" not in result.output


def test_bench_prints_json_as_its_last_line() -> None:
    import json

    result = CliRunner().invoke(app, ["bench", "logging", "--events", "300"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["events"] == 300
    assert figures["redacted_events_per_s"] > 0
