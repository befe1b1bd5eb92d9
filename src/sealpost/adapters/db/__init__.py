"""Storage through SQLAlchemy 2: SQLite (embedded default) or PostgreSQL, same migrations."""

from sealpost.adapters.db.engine import make_engine
from sealpost.adapters.db.metadata import metadata
from sealpost.adapters.db.migrate import current_heads, upgrade

__all__ = ["current_heads", "make_engine", "metadata", "upgrade"]
