"""Settings, read from ``SEALPOST_*`` environment variables and ``.env``, validated at start-up."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Placeholders that work out of the box in development and are refused in production.
DEV_SECRET_KEY = "dev-insecure-secret-key-change-me"  # noqa: S105 - refused in production
DEV_KEYRING_PASSPHRASE = "dev-insecure-keyring-passphrase"  # noqa: S105 - refused in production


class Settings(BaseSettings):
    """Everything the system can be told from the outside."""

    model_config = SettingsConfigDict(
        env_prefix="SEALPOST_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Field(default=Path("./data"), description="embedded database, keyring, other state")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default sqlite in data_dir, postgresql+psycopg://… for PostgreSQL",
    )
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    keyring_passphrase: SecretStr = SecretStr(DEV_KEYRING_PASSPHRASE)
    crypto_suite: Literal["intl", "gm"] = "intl"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["auto", "json", "console"] = "auto"
    lang: Literal["zh-CN", "en"] = "zh-CN"
    retention_days: int = Field(default=730, ge=1, description="electronic records kept ≥ 2 years")
    receipt_deadline_s: float = Field(default=30.0, gt=0)
    redis_url: str | None = None
    nats_url: str | None = None
    identity_verifier_url: str | None = Field(
        default=None, description="identity verification service, see docs/protocols/identity-verification.md"
    )
    identity_verifier_token: SecretStr | None = None
    identity_verifier_timeout_s: float = Field(default=5.0, gt=0, le=60)

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> Settings:
        if self.env == "production":
            problems = []
            if self.secret_key.get_secret_value() == DEV_SECRET_KEY or len(self.secret_key) < 32:
                problems.append("SEALPOST_SECRET_KEY must be set to a random value of at least 32 characters")
            if (
                self.keyring_passphrase.get_secret_value() == DEV_KEYRING_PASSPHRASE
                or len(self.keyring_passphrase) < 16
            ):
                problems.append("SEALPOST_KEYRING_PASSPHRASE must be set (at least 16 characters)")
            if problems:
                raise ValueError("refusing to start in production: " + "; ".join(problems))
        return self

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'sealpost.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def json_logs(self) -> bool:
        if self.log_format == "auto":
            return self.env == "production"
        return self.log_format == "json"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings`` instead)."""
    return Settings()
