"""Senders, their device keys, and the replay cache of one-time tokens.

Revision ID: senders_0001
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "senders_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "senders",
        sa.Column("sender_id", sa.String(36), nullable=False),
        sa.Column("doc_type", sa.String(40), nullable=False),
        sa.Column("id_index", sa.LargeBinary(16), nullable=False),
        sa.Column("phone_index", sa.LargeBinary(16), nullable=True),
        sa.Column("index_kid", sa.String(16), nullable=False),
        sa.Column("minor", sa.Boolean, nullable=False),
        sa.Column("identity_ct", sa.LargeBinary, nullable=False),
        sa.Column("verified_by", sa.String(40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sender_id", name="pk_senders"),
        sa.UniqueConstraint("doc_type", "id_index", name="uq_senders_document"),
    )
    op.create_index("ix_senders_phone_index", "senders", ["phone_index"])
    op.create_table(
        "sender_devices",
        sa.Column("kid", sa.String(16), nullable=False),
        sa.Column("sender_id", sa.String(36), nullable=False),
        sa.Column("algorithm", sa.String(16), nullable=False),
        sa.Column("public_key", sa.LargeBinary, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid", name="pk_sender_devices"),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["senders.sender_id"],
            name="fk_sender_devices_sender_id_senders",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_sender_devices_sender", "sender_devices", ["sender_id"])
    op.create_table(
        "sender_token_replay",
        sa.Column("token_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_sender_token_replay"),
    )
    op.create_index("ix_sender_token_replay_expires", "sender_token_replay", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_sender_token_replay_expires", table_name="sender_token_replay")
    op.drop_table("sender_token_replay")
    op.drop_index("ix_sender_devices_sender", table_name="sender_devices")
    op.drop_table("sender_devices")
    op.drop_index("ix_senders_phone_index", table_name="senders")
    op.drop_table("senders")
