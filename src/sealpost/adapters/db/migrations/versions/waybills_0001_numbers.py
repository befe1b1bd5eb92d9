"""Waybill numbers: company formats, issuing ranges, issue log.

Revision ID: waybills_0001
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "waybills_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "waybill_formats",
        sa.Column("company", sa.String(20), nullable=False),
        sa.Column("format_code", sa.String(40), nullable=False),
        sa.Column("pattern", sa.String(300), nullable=False),
        sa.Column("check_rule", sa.String(32), nullable=False),
        sa.Column("country_group", sa.String(32), nullable=True),
        sa.Column("name_zh", sa.String(100), nullable=False),
        sa.Column("name_en", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("company", name="pk_waybill_formats"),
    )
    op.create_table(
        "waybill_number_ranges",
        sa.Column("range_id", sa.String(36), nullable=False),
        sa.Column("company", sa.String(20), nullable=False),
        sa.Column("format_code", sa.String(40), nullable=False),
        sa.Column("pattern", sa.String(300), nullable=False),
        sa.Column("check_rule", sa.String(32), nullable=False),
        sa.Column("country_group", sa.String(32), nullable=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("suffix", sa.String(16), nullable=False),
        sa.Column("serial_width", sa.Integer, nullable=False),
        sa.Column("start_serial", sa.BigInteger, nullable=False),
        sa.Column("end_serial", sa.BigInteger, nullable=False),
        sa.Column("next_serial", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("range_id", name="pk_waybill_number_ranges"),
        sa.CheckConstraint(
            "start_serial >= 0 AND start_serial <= end_serial", name="ck_waybill_number_ranges_bounds"
        ),
        sa.CheckConstraint(
            "next_serial >= start_serial AND next_serial <= end_serial + 1",
            name="ck_waybill_number_ranges_next_in_range",
        ),
    )
    op.create_index(
        "ix_waybill_number_ranges_space",
        "waybill_number_ranges",
        ["company", "prefix", "suffix", "serial_width"],
    )
    op.create_table(
        "waybill_number_issues",
        sa.Column("id", _BIGINT, nullable=False, autoincrement=True),
        sa.Column("range_id", sa.String(36), nullable=False),
        sa.Column("first_serial", sa.BigInteger, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_to", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_waybill_number_issues"),
        sa.ForeignKeyConstraint(
            ["range_id"],
            ["waybill_number_ranges.range_id"],
            name="fk_waybill_number_issues_range_id_waybill_number_ranges",
        ),
    )
    op.create_index("ix_waybill_number_issues_range_id", "waybill_number_issues", ["range_id"])


def downgrade() -> None:
    op.drop_index("ix_waybill_number_issues_range_id", table_name="waybill_number_issues")
    op.drop_table("waybill_number_issues")
    op.drop_index("ix_waybill_number_ranges_space", table_name="waybill_number_ranges")
    op.drop_table("waybill_number_ranges")
    op.drop_table("waybill_formats")
