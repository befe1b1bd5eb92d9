"""Foundation: the root every area's migrations branch from, and the regulator event log.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "regulator_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("company", sa.String(40), nullable=True),
        sa.Column("outlet", sa.String(64), nullable=True),
        sa.Column("courier_id", sa.String(64), nullable=True),
        sa.Column("county_code", sa.String(6), nullable=True),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_regulator_events"),
    )
    op.create_index("ix_regulator_events_kind_time", "regulator_events", ["kind", "occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_regulator_events_kind_time", table_name="regulator_events")
    op.drop_table("regulator_events")
