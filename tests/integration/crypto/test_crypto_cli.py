"""``sealpost keys init | show | rotate`` end to end on the embedded database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sealpost.cli.main import app


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SEALPOST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SEALPOST_KEYRING_PASSPHRASE", "cli test passphrase")
    monkeypatch.setenv("SEALPOST_ENV", "test")
    monkeypatch.delenv("SEALPOST_DATABASE_URL", raising=False)
    monkeypatch.delenv("SEALPOST_CRYPTO_SUITE", raising=False)
    return tmp_path / "data"


def _json(output: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return data


def test_init_show_rotate(env: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["keys", "show"]).exit_code == 1  # nothing yet, a clear error
    first = runner.invoke(app, ["keys", "init"])
    assert first.exit_code == 0, first.output
    created = _json(first.stdout)
    assert created["created"] is True and created["suite"] == "intl"
    again = _json(runner.invoke(app, ["keys", "init"]).stdout)
    assert again["created"] is False and again["active"] == created["active"]

    shown = _json(runner.invoke(app, ["keys", "show"]).stdout)
    assert {k["purpose"] for k in shown["keys"]} == {"kek", "signing", "sealing", "blind_index"}
    keyring_text = (env / "keyring" / "keyring.json").read_text()
    assert "wrapped" in keyring_text and "wrapped" not in json.dumps(shown)

    assert runner.invoke(app, ["keys", "rotate"]).exit_code == 2
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    rotated = runner.invoke(app, ["keys", "rotate", "--kek", "--signing", "--sealing"])
    assert rotated.exit_code == 0, rotated.output
    out = _json(rotated.stdout)
    active = created["active"]
    assert isinstance(active, dict)
    assert out["old_kek"] == active["kek"] and out["kek"] != active["kek"]
    assert out["old_signing"] == active["signing"] and out["signing"] != active["signing"]
    assert out["sealing"] != active["sealing"]
    after = _json(runner.invoke(app, ["keys", "show"]).stdout)
    signing = [k for k in after["keys"] if k["purpose"] == "signing"]
    assert len(signing) == 2  # the old public key is kept for verification


def test_wrong_passphrase_exits_cleanly(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["keys", "init"]).exit_code == 0
    monkeypatch.setenv("SEALPOST_KEYRING_PASSPHRASE", "something else")
    result = runner.invoke(app, ["keys", "show"])
    assert result.exit_code == 1
    assert "keyring_wrong_passphrase" in result.output
    assert "Traceback" not in result.output
