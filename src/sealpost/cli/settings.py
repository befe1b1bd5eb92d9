"""Settings for commands: validation errors become a clear message and exit code 2."""

from __future__ import annotations

from pydantic import ValidationError

from sealpost.cli.output import fail
from sealpost.config import Settings


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        lines = [f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()]
        fail("配置无效 invalid settings — " + "; ".join(lines), 2)
