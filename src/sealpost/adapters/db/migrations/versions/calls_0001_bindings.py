"""Delivery calls: pool numbers, bindings, routing table, call records.

Revision ID: calls_0001
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "calls_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIVE_EXT = "released_at IS NULL AND extension IS NOT NULL"


def upgrade() -> None:
    op.create_table(
        "calls_pool_numbers",
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("city", sa.String(8), nullable=False),
        sa.Column("model", sa.String(3), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("number", name="pk_calls_pool_numbers"),
        sa.CheckConstraint("model IN ('axb', 'axn')", name="ck_calls_pool_numbers_model"),
    )
    op.create_index("ix_calls_pool_numbers_city_model", "calls_pool_numbers", ["city", "model", "number"])

    op.create_table(
        "calls_bindings",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("model", sa.String(3), nullable=False),
        sa.Column("x", sa.String(20), nullable=False),
        sa.Column("extension", sa.String(4), nullable=True),
        sa.Column("city", sa.String(8), nullable=False),
        sa.Column("waybill_no", sa.String(40), nullable=False),
        sa.Column("a_idx", sa.LargeBinary(32), nullable=False),
        sa.Column("b_idx", sa.LargeBinary(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("release_reason", sa.String(8), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_calls_bindings"),
        sa.ForeignKeyConstraint(
            ["x"], ["calls_pool_numbers.number"], name="fk_calls_bindings_x_calls_pool_numbers"
        ),
        sa.CheckConstraint("model IN ('axb', 'axn')", name="ck_calls_bindings_model"),
    )
    op.create_index("ix_calls_bindings_waybill_no", "calls_bindings", ["waybill_no"])
    op.create_index("ix_calls_bindings_released_at", "calls_bindings", ["released_at"])
    op.create_index(
        "ux_calls_bindings_live_extension",
        "calls_bindings",
        ["x", "extension"],
        unique=True,
        sqlite_where=sa.text(_LIVE_EXT),
        postgresql_where=sa.text(_LIVE_EXT),
    )

    op.create_table(
        "calls_routes",
        sa.Column("x", sa.String(20), nullable=False),
        sa.Column("ext", sa.String(4), nullable=False),
        sa.Column("caller_idx", sa.LargeBinary(32), nullable=False),
        sa.Column("binding_id", sa.String(36), nullable=False),
        sa.Column("callee_field", sa.String(16), nullable=False),
        sa.Column("callee_sealed", sa.LargeBinary, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("x", "ext", "caller_idx", name="pk_calls_routes"),
        sa.ForeignKeyConstraint(
            ["binding_id"],
            ["calls_bindings.id"],
            name="fk_calls_routes_binding_id_calls_bindings",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_calls_routes_caller_idx", "calls_routes", ["caller_idx"])
    op.create_index("ix_calls_routes_binding_id", "calls_routes", ["binding_id"])
    op.create_index("ix_calls_routes_expires_at", "calls_routes", ["expires_at"])
    op.create_index("ix_calls_routes_x_live", "calls_routes", ["x", "ext", "expires_at"])

    op.create_table(
        "calls_records",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("call_id", sa.String(128), nullable=False),
        sa.Column("x", sa.String(20), nullable=False),
        sa.Column("extension", sa.String(4), nullable=True),
        sa.Column("caller_idx", sa.LargeBinary(32), nullable=False),
        sa.Column("callee_idx", sa.LargeBinary(32), nullable=True),
        sa.Column("binding_id", sa.String(36), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_s", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reject_reason", sa.String(20), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_calls_records"),
        sa.UniqueConstraint("call_id", name="uq_calls_records_call_id"),
    )
    op.create_index("ix_calls_records_started_at", "calls_records", ["started_at"])
    op.create_index("ix_calls_records_binding_id", "calls_records", ["binding_id"])


def downgrade() -> None:
    op.drop_table("calls_records")
    op.drop_table("calls_routes")
    op.drop_table("calls_bindings")
    op.drop_table("calls_pool_numbers")
