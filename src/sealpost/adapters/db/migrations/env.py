"""Alembic environment: runs against the URL set by :func:`sealpost.adapters.db.migrate.alembic_config`."""

from __future__ import annotations

from alembic import context

from sealpost.adapters.db.engine import make_engine
from sealpost.adapters.db.metadata import metadata
from sealpost.adapters.db.tables import load_all

load_all()
config = context.config
target_metadata = metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
