"""Delivery calls: pool numbers, bindings, the routing table the switch queries, call records.

No plaintext phone number is stored anywhere here. Parties are keyed blind indexes (HMAC of the
normalised number); the number a caller must be connected to is sealed (AES-GCM, per-day key) in
``calls_routes`` and exists only while the binding is unreleased: releasing a binding deletes its
route rows, so only blind indexes stay behind for the record.

The invariant "for any X, a party is in at most one unreleased binding" is the primary key of
``calls_routes`` (``x``, ``ext``, ``caller_idx``) with ``ext = ''`` for AXB; the extension of an
AXN host is unique among unreleased bindings by a partial unique index on ``calls_bindings``.
"""

import sqlalchemy as sa

from sealpost.adapters.db.metadata import metadata
from sealpost.adapters.db.types import UtcDateTime

calls_pool_numbers = sa.Table(
    "calls_pool_numbers",
    metadata,
    sa.Column("number", sa.String(20), primary_key=True),
    sa.Column("city", sa.String(8), nullable=False),
    sa.Column("model", sa.String(3), nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False, default=True),
    # bumped by every binding made on the number: the portable row lock that serialises allocation
    sa.Column("version", sa.Integer, nullable=False, default=0),
    sa.Column("added_at", UtcDateTime(), nullable=False),
    sa.CheckConstraint("model IN ('axb', 'axn')", name="model"),
    sa.Index("ix_calls_pool_numbers_city_model", "city", "model", "number"),
)

calls_bindings = sa.Table(
    "calls_bindings",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("model", sa.String(3), nullable=False),
    sa.Column("x", sa.String(20), sa.ForeignKey("calls_pool_numbers.number"), nullable=False),
    sa.Column("extension", sa.String(4), nullable=True),
    sa.Column("city", sa.String(8), nullable=False),
    sa.Column("waybill_no", sa.String(40), nullable=False),
    sa.Column("a_idx", sa.LargeBinary(32), nullable=False),
    sa.Column("b_idx", sa.LargeBinary(32), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("released_at", UtcDateTime(), nullable=True),
    sa.Column("release_reason", sa.String(8), nullable=True),
    sa.Column("company", sa.String(20), nullable=True),  # calls_0002
    sa.CheckConstraint("model IN ('axb', 'axn')", name="model"),
    sa.Index("ix_calls_bindings_waybill_no", "waybill_no"),
    sa.Index("ix_calls_bindings_released_at", "released_at"),
    sa.Index(
        "ux_calls_bindings_live_extension",
        "x",
        "extension",
        unique=True,
        sqlite_where=sa.text("released_at IS NULL AND extension IS NOT NULL"),
        postgresql_where=sa.text("released_at IS NULL AND extension IS NOT NULL"),
    ),
)

calls_routes = sa.Table(
    "calls_routes",
    metadata,
    sa.Column("x", sa.String(20), nullable=False),
    sa.Column("ext", sa.String(4), nullable=False),  # '' for AXB
    sa.Column("caller_idx", sa.LargeBinary(32), nullable=False),
    sa.Column(
        "binding_id", sa.String(36), sa.ForeignKey("calls_bindings.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("callee_field", sa.String(16), nullable=False),
    sa.Column("callee_sealed", sa.LargeBinary, nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint("x", "ext", "caller_idx", name="pk_calls_routes"),
    sa.Index("ix_calls_routes_caller_idx", "caller_idx"),
    sa.Index("ix_calls_routes_binding_id", "binding_id"),
    sa.Index("ix_calls_routes_expires_at", "expires_at"),
    sa.Index("ix_calls_routes_x_live", "x", "ext", "expires_at"),
)

calls_records = sa.Table(
    "calls_records",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("call_id", sa.String(128), nullable=False, unique=True),
    sa.Column("x", sa.String(20), nullable=False),
    sa.Column("extension", sa.String(4), nullable=True),
    sa.Column("caller_idx", sa.LargeBinary(32), nullable=False),
    sa.Column("callee_idx", sa.LargeBinary(32), nullable=True),
    sa.Column("binding_id", sa.String(36), nullable=True),
    sa.Column("started_at", UtcDateTime(), nullable=False),
    sa.Column("answered_at", UtcDateTime(), nullable=True),
    sa.Column("ended_at", UtcDateTime(), nullable=False),
    sa.Column("duration_s", sa.Integer, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("reject_reason", sa.String(20), nullable=True),
    sa.Column("received_at", UtcDateTime(), nullable=False),
    sa.Index("ix_calls_records_started_at", "started_at"),
    sa.Index("ix_calls_records_binding_id", "binding_id"),
)
