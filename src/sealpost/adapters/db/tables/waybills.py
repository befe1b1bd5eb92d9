"""Waybill numbers: each company's number format, its allocated issuing ranges, and the issue log.

``waybill_number_ranges.next_serial`` is the counter: issuing ``n`` numbers is one
``UPDATE … SET next_serial = next_serial + n WHERE range_id = … AND next_serial + n <= end_serial + 1
RETURNING next_serial``. The row lock (PostgreSQL) or the database write lock (SQLite) serialises
concurrent issuers, so every serial is handed out once. A range keeps a snapshot of the format it
was allocated under (pattern, check rule), so later format changes never alter issued numbers.
No personal data here.
"""

import sqlalchemy as sa

from sealpost.adapters.db.metadata import metadata
from sealpost.adapters.db.types import UtcDateTime

_BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

waybill_formats = sa.Table(
    "waybill_formats",
    metadata,
    sa.Column("company", sa.String(20), primary_key=True),
    sa.Column("format_code", sa.String(40), nullable=False),
    sa.Column("pattern", sa.String(300), nullable=False),
    sa.Column("check_rule", sa.String(32), nullable=False),
    sa.Column("country_group", sa.String(32), nullable=True),
    sa.Column("name_zh", sa.String(100), nullable=False),
    sa.Column("name_en", sa.String(100), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

waybill_number_ranges = sa.Table(
    "waybill_number_ranges",
    metadata,
    sa.Column("range_id", sa.String(36), primary_key=True),
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
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.CheckConstraint("start_serial >= 0 AND start_serial <= end_serial", name="bounds"),
    sa.CheckConstraint("next_serial >= start_serial AND next_serial <= end_serial + 1", name="next_in_range"),
    sa.Index("ix_waybill_number_ranges_space", "company", "prefix", "suffix", "serial_width"),
)

waybill_number_issues = sa.Table(
    "waybill_number_issues",
    metadata,
    sa.Column("id", _BIGINT, primary_key=True, autoincrement=True),
    sa.Column(
        "range_id",
        sa.String(36),
        sa.ForeignKey("waybill_number_ranges.range_id"),
        nullable=False,
        index=True,
    ),
    sa.Column("first_serial", sa.BigInteger, nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("issued_at", UtcDateTime(), nullable=False),
    sa.Column("issued_to", sa.String(64), nullable=True),
)
