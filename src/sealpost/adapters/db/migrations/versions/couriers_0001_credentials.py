"""Couriers and their platform-issued credentials.

Revision ID: couriers_0001
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "couriers_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("couriers",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "couriers",
        sa.Column("courier_id", sa.String(36), nullable=False),
        sa.Column("company", sa.String(40), nullable=False),
        sa.Column("company_name", sa.String(80), nullable=False),
        sa.Column("employee_no", sa.String(40), nullable=False),
        sa.Column("outlet", sa.String(64), nullable=False),
        sa.Column("masked_name", sa.String(64), nullable=False),
        sa.Column("name_enc", sa.LargeBinary, nullable=False),
        sa.Column("phone_enc", sa.LargeBinary, nullable=False),
        sa.Column("phone_bidx", sa.LargeBinary(16), nullable=False),
        sa.Column("photo_enc", sa.LargeBinary, nullable=True),
        sa.Column("photo_sha256", sa.String(64), nullable=False),
        sa.Column("device_key", sa.String(130), nullable=False),
        sa.Column("credential_body", sa.LargeBinary, nullable=False),
        sa.Column("platform_kid", sa.String(16), nullable=False),
        sa.Column("platform_sig", sa.LargeBinary, nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("courier_id", name="pk_couriers"),
        sa.UniqueConstraint("company", "employee_no", name="uq_couriers_company_employee"),
    )
    op.create_index("ix_couriers_phone_bidx", "couriers", ["phone_bidx"])


def downgrade() -> None:
    op.drop_index("ix_couriers_phone_bidx", table_name="couriers")
    op.drop_table("couriers")
