from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from sealpost.cli.main import app
from sealpost.config import DEV_KEYRING_PASSPHRASE, DEV_SECRET_KEY, Settings


def test_defaults_use_embedded_sqlite_in_the_data_folder(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    assert s.effective_database_url == f"sqlite:///{tmp_path.resolve() / 'sealpost.db'}"
    assert s.is_sqlite
    assert not s.json_logs


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEALPOST_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("SEALPOST_RETENTION_DAYS", "400")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.effective_database_url == "postgresql+psycopg://u@h/db"
    assert s.retention_days == 400
    assert not s.is_sqlite


def test_production_refuses_the_development_secret_and_passphrase() -> None:
    with pytest.raises(ValidationError, match="SEALPOST_SECRET_KEY"):
        Settings(env="production", keyring_passphrase="a-long-enough-passphrase!", _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="SEALPOST_KEYRING_PASSPHRASE"):
        Settings(env="production", secret_key="x" * 40, _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Settings(
            env="production",
            secret_key=DEV_SECRET_KEY,
            keyring_passphrase=DEV_KEYRING_PASSPHRASE,
            _env_file=None,
        )  # type: ignore[call-arg]


def test_production_accepts_real_secrets_and_logs_json() -> None:
    s = Settings(env="production", secret_key="s" * 40, keyring_passphrase="p" * 20, _env_file=None)  # type: ignore[call-arg]
    assert s.json_logs


def test_cli_reports_invalid_settings_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEALPOST_ENV", "production")
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 2
    assert "SEALPOST_SECRET_KEY" in result.output
    assert "Traceback" not in result.output


def test_invalid_value_is_a_clear_cli_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEALPOST_PORT", "not-a-port")
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 2
    assert "port" in result.output
