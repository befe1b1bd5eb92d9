"""Delivery calls: the express company (tenant) that made a binding.

Revision ID: calls_0002
Revises: calls_0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "calls_0002"
down_revision: str | Sequence[str] | None = "calls_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ADD COLUMN (SQLite supports it natively: no table rebuild, the partial index stays)
    op.add_column("calls_bindings", sa.Column("company", sa.String(20), nullable=True))


def downgrade() -> None:
    op.drop_column("calls_bindings", "company")
