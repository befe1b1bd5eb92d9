"""Alembic, driven from code: ``sealpost db upgrade`` and the test fixtures call :func:`upgrade`.

Every area's migrations branch off the foundation revision ``0001``; upgrading goes to ``heads``.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "sealpost.adapters.db:migrations")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str) -> None:
    """Bring the database at ``url`` to the newest revision of every branch."""
    command.upgrade(alembic_config(url), "heads")


def expected_heads(url: str) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(url)).get_heads())


def current_heads(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def is_up_to_date(engine: Engine) -> bool:
    return current_heads(engine) == expected_heads(engine.url.render_as_string(hide_password=False))
