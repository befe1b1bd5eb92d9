"""Helpers every command uses to print results and fail cleanly."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import orjson
import typer

from sealpost.errors import SealpostError
from sealpost.i18n import Lang


def print_json(obj: Any, *, pretty: bool = False) -> None:
    """One JSON object on stdout, UTF-8, Chinese unescaped."""
    option = orjson.OPT_NON_STR_KEYS | (orjson.OPT_INDENT_2 if pretty else 0)
    sys.stdout.write(orjson.dumps(obj, option=option, default=str).decode() + "\n")
    sys.stdout.flush()


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``message`` to stderr and exit with ``code`` (never a traceback)."""
    typer.echo(f"错误 error: {message}", err=True)
    raise typer.Exit(code)


def fail_with(error: SealpostError, lang: Lang = "zh-CN", code: int = 1) -> NoReturn:
    fail(f"{error.message.get(lang)} [{error.code}]", code)
