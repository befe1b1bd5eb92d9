"""Per-day data keys for field encryption at rest (crypto-shredding by day).

Revision ID: keys_0001
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "keys_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_keys",
        sa.Column("key_day", sa.Date, nullable=False),
        sa.Column("suite", sa.String(8), nullable=False),
        sa.Column("kek_kid", sa.String(16), nullable=True),
        sa.Column("wrapped", sa.LargeBinary, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key_day", name="pk_data_keys"),
    )


def downgrade() -> None:
    op.drop_table("data_keys")
