"""Collection pipeline: records, receipt batches, terminals, enterprise clients, relay store,
agreement customers, identity references.

Revision ID: records_0001
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sealpost.adapters.db.types import UtcDateTime

revision: str = "records_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "terminals",
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("company", sa.String(20), nullable=False),
        sa.Column("outlet", sa.String(64), nullable=False),
        sa.Column("courier_id", sa.String(64), nullable=False),
        sa.Column("suite", sa.String(8), nullable=False),
        sa.Column("public_key", sa.LargeBinary, nullable=False),
        sa.Column("token_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("terminal_id", name="pk_terminals"),
        sa.UniqueConstraint("token_hash", name="uq_terminals_token_hash"),
    )
    op.create_table(
        "enterprise_clients",
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("company", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("secret_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("client_id", name="pk_enterprise_clients"),
    )
    op.create_table(
        "receipt_batches",
        sa.Column("batch_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("signed_at", UtcDateTime(), nullable=False),
        sa.Column("source_kind", sa.String(16), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("tree_size", sa.Integer, nullable=False),
        sa.Column("root", sa.LargeBinary(64), nullable=False),
        sa.Column("kid", sa.String(32), nullable=False),
        sa.Column("alg", sa.String(16), nullable=False),
        sa.Column("signature", sa.LargeBinary(128), nullable=False),
        sa.Column("leaf_hashes", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("batch_id", name="pk_receipt_batches"),
    )
    op.create_table(
        "records",
        sa.Column("record_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("company", sa.String(20), nullable=False),
        sa.Column("outlet", sa.String(64), nullable=False),
        sa.Column("courier_id", sa.String(64), nullable=False),
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("enterprise_client_id", sa.String(64), nullable=True),
        sa.Column("waybill_no", sa.String(40), nullable=False),
        sa.Column("origin_county", sa.String(6), nullable=False),
        sa.Column("destination_county", sa.String(6), nullable=False),
        sa.Column("item_name", sa.String(200), nullable=False),
        sa.Column("item_category", sa.String(20), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("weight_g", sa.Integer, nullable=False),
        sa.Column("declared_value_fen", sa.BigInteger, nullable=False),
        sa.Column("inspected", sa.Boolean, nullable=False),
        sa.Column("inspection_photo_sha256", sa.String(64), nullable=True),
        sa.Column("sender_kind", sa.String(16), nullable=False),
        sa.Column("sender_id", sa.String(64), nullable=True),
        sa.Column("agreement_customer_id", sa.String(40), nullable=True),
        sa.Column("sender_document_type", sa.String(40), nullable=True),
        sa.Column("collected_at", UtcDateTime(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("latency_ms", sa.Integer, nullable=False),
        sa.Column("late", sa.Boolean, nullable=False),
        sa.Column("batch_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("batch_index", sa.Integer, nullable=False),
        sa.Column("receipt", sa.LargeBinary, nullable=False),
        sa.Column("sender_name_enc", sa.LargeBinary, nullable=False),
        sa.Column("sender_phone_enc", sa.LargeBinary, nullable=False),
        sa.Column("sender_address_enc", sa.LargeBinary, nullable=False),
        sa.Column("sender_id_number_enc", sa.LargeBinary, nullable=True),
        sa.Column("recipient_name_enc", sa.LargeBinary, nullable=False),
        sa.Column("recipient_phone_enc", sa.LargeBinary, nullable=False),
        sa.Column("recipient_address_enc", sa.LargeBinary, nullable=False),
        sa.Column("bi_sender_id_number", sa.LargeBinary(16), nullable=True),
        sa.Column("bi_sender_phone", sa.LargeBinary(16), nullable=False),
        sa.Column("bi_recipient_phone", sa.LargeBinary(16), nullable=False),
        sa.PrimaryKeyConstraint("record_id", name="pk_records"),
        sa.UniqueConstraint("waybill_no", "company", name="uq_records_waybill_no"),
    )
    op.create_index("ix_records_bi_sender_id_number", "records", ["bi_sender_id_number"])
    op.create_index("ix_records_bi_sender_phone", "records", ["bi_sender_phone"])
    op.create_index("ix_records_bi_recipient_phone", "records", ["bi_recipient_phone"])
    op.create_table(
        "identity_refs",
        sa.Column("ref", sa.String(40), nullable=False),
        sa.Column("courier_id", sa.String(64), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("sender_id", sa.String(64), nullable=True),
        sa.Column("document_type", sa.String(40), nullable=False),
        sa.Column("masked", sa.JSON, nullable=False),
        sa.Column("adult", sa.Boolean, nullable=True),
        sa.Column("identity_enc", sa.LargeBinary, nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("redeemed_at", UtcDateTime(), nullable=True),
        sa.Column("record_id", sa.Uuid(as_uuid=False), nullable=True),
        sa.PrimaryKeyConstraint("ref", name="pk_identity_refs"),
    )
    op.create_index("ix_identity_refs_expires_at", "identity_refs", ["expires_at"])
    op.create_table(
        "relay_records",
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("record_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("company", sa.String(20), nullable=False),
        sa.Column("waybill_no", sa.String(40), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("masked", sa.JSON, nullable=True),
        sa.Column("received_at", UtcDateTime(), nullable=True),
        sa.Column("relayed_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("client_id", "record_id", name="pk_relay_records"),
    )
    op.create_index("ix_relay_records_client_waybill", "relay_records", ["client_id", "waybill_no"])
    op.create_table(
        "agreement_customers",
        sa.Column("customer_id", sa.String(40), nullable=False),
        sa.Column("company", sa.String(20), nullable=False),
        sa.Column("org_name", sa.String(200), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("agreement_no", sa.String(64), nullable=False),
        sa.Column("agreement_start", sa.Date, nullable=False),
        sa.Column("agreement_end", sa.Date, nullable=False),
        sa.Column("responsible_document_type", sa.String(40), nullable=False),
        sa.Column("responsible_name_enc", sa.LargeBinary, nullable=False),
        sa.Column("responsible_id_number_enc", sa.LargeBinary, nullable=False),
        sa.Column("responsible_phone_enc", sa.LargeBinary, nullable=True),
        sa.Column("bi_responsible_id_number", sa.LargeBinary(16), nullable=False),
        sa.Column("responsible_masked", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name="pk_agreement_customers"),
        sa.UniqueConstraint("company", "uscc", name="uq_agreement_customers_company"),
    )


def downgrade() -> None:
    op.drop_table("agreement_customers")
    op.drop_index("ix_relay_records_client_waybill", table_name="relay_records")
    op.drop_table("relay_records")
    op.drop_index("ix_identity_refs_expires_at", table_name="identity_refs")
    op.drop_table("identity_refs")
    op.drop_index("ix_records_bi_recipient_phone", table_name="records")
    op.drop_index("ix_records_bi_sender_phone", table_name="records")
    op.drop_index("ix_records_bi_sender_id_number", table_name="records")
    op.drop_table("records")
    op.drop_table("receipt_batches")
    op.drop_table("enterprise_clients")
    op.drop_table("terminals")
