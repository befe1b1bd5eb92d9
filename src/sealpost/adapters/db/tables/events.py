"""Regulator events: what the regulator counts (refusals, interceptions, late receipts, alarms).

No personal data: who acted is a courier id, where is an outlet and a county code.
"""

import sqlalchemy as sa

from sealpost.adapters.db.metadata import metadata
from sealpost.adapters.db.types import UtcDateTime

regulator_events = sa.Table(
    "regulator_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("occurred_at", UtcDateTime(), nullable=False),
    sa.Column("company", sa.String(40), nullable=True),
    sa.Column("outlet", sa.String(64), nullable=True),
    sa.Column("courier_id", sa.String(64), nullable=True),
    sa.Column("county_code", sa.String(6), nullable=True),
    sa.Column("reason", sa.String(64), nullable=True),
    sa.Column("detail", sa.JSON, nullable=False, default=dict),
    sa.Index("ix_regulator_events_kind_time", "kind", "occurred_at"),
)
