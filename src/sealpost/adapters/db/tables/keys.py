"""Per-day data keys (crypto-shredding): one row per UTC day, the key wrapped by the keyring's KEK.

``wrapped`` is NULL once the day was destroyed (the row stays as a tombstone, so a later write
to that day is refused and a read says "destroyed", not "missing").
"""

import sqlalchemy as sa

from sealpost.adapters.db.metadata import metadata
from sealpost.adapters.db.types import UtcDateTime

data_keys = sa.Table(
    "data_keys",
    metadata,
    sa.Column("key_day", sa.Date, primary_key=True),
    sa.Column("suite", sa.String(8), nullable=False),
    sa.Column("kek_kid", sa.String(16), nullable=True),
    sa.Column("wrapped", sa.LargeBinary, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("destroyed_at", UtcDateTime, nullable=True),
)
