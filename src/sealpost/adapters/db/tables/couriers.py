"""Couriers registered by their company, with the credential the platform issued them."""

import sqlalchemy as sa

from sealpost.adapters.db.metadata import metadata
from sealpost.adapters.db.types import UtcDateTime

couriers = sa.Table(
    "couriers",
    metadata,
    sa.Column("courier_id", sa.String(36), primary_key=True),
    sa.Column("company", sa.String(40), nullable=False),
    sa.Column("company_name", sa.String(80), nullable=False),
    sa.Column("employee_no", sa.String(40), nullable=False),
    sa.Column("outlet", sa.String(64), nullable=False),
    sa.Column("masked_name", sa.String(64), nullable=False),
    # Personal data: encrypted at rest (field cipher, AAD = courier id + field), phone also blind-indexed.
    sa.Column("name_enc", sa.LargeBinary, nullable=False),
    sa.Column("phone_enc", sa.LargeBinary, nullable=False),
    sa.Column("phone_bidx", sa.LargeBinary(16), nullable=False),
    sa.Column("photo_enc", sa.LargeBinary, nullable=True),
    sa.Column("photo_sha256", sa.String(64), nullable=False),
    sa.Column("device_key", sa.String(130), nullable=False),
    sa.Column("credential_body", sa.LargeBinary, nullable=False),
    sa.Column("platform_kid", sa.String(16), nullable=False),
    sa.Column("platform_sig", sa.LargeBinary, nullable=False),
    sa.Column("valid_from", UtcDateTime(), nullable=False),
    sa.Column("valid_to", UtcDateTime(), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
    sa.UniqueConstraint("company", "employee_no", name="uq_couriers_company_employee"),
    sa.Index("ix_couriers_phone_bidx", "phone_bidx"),
)
