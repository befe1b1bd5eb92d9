"""``sealpost sender enroll`` / ``sender qr``: a simulated phone on this host; its codes verify."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import orjson
import pytest
from senders_support import citizen_number
from typer.testing import CliRunner

from sealpost.bootstrap import build_container
from sealpost.cli.main import app as cli
from sealpost.config import Settings


def test_sender_cli_enrolls_and_shows_codes_that_verify(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("SEALPOST_DATA_DIR", str(data))
    monkeypatch.delenv("SEALPOST_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    device_file = tmp_path / "phone.json"
    number = citizen_number(date(1988, 8, 8))
    result = runner.invoke(
        cli,
        [
            "sender",
            "enroll",
            "--number",
            number,
            "--name",
            "王小明",
            "--phone",
            "13612345678",
            "-o",
            str(device_file),
        ],
    )
    assert result.exit_code == 0, result.output
    masked = orjson.loads(result.stdout.strip().splitlines()[-1])
    assert masked["identity"]["name"] == "王**"
    stored = device_file.read_text()
    assert number not in stored and "王小明" not in stored and "13612345678" not in stored
    assert oct(device_file.stat().st_mode & 0o777) == "0o600"

    shown = runner.invoke(
        cli, ["sender", "qr", str(device_file), "--text", "--png", str(tmp_path / "code.png")]
    )
    assert shown.exit_code == 0, shown.output
    text = shown.stdout.strip().splitlines()[-1]
    assert text.startswith("SPQ1:")
    decoded = runner.invoke(cli, ["qr", "decode", str(tmp_path / "code.png")])
    assert decoded.stdout.strip().startswith("SPQ1:")

    container = build_container(Settings(data_dir=data, _env_file=None), configure_logs=False)
    try:
        container.terminals.register(
            company="SF",
            outlet="X",
            courier_id="c-cli",
            suite="intl",
            public_key=b"\x00" * 32,
            now=datetime.now(UTC),
        )
        answer = container.sender_identifier.identify(text, "c-cli")
        assert answer.masked["name"] == "王**"
    finally:
        container.close()

    refused = runner.invoke(
        cli, ["sender", "enroll", "--number", "123", "--name", "x", "--phone", "1", "-o", "x.json"]
    )
    assert refused.exit_code == 1
    assert "Traceback" not in refused.output
