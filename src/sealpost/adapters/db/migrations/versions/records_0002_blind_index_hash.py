"""Records: the blind-index indexes are hash indexes on PostgreSQL (equality is the only lookup a
blind index serves; random 16-byte keys are the worst case for a B-tree at scale). SQLite has no
hash indexes: nothing changes there.

Measured on a 10-million-record PostgreSQL store (binary COPY, 60 × 1,000-row transactions, one
writer, after a CHECKPOINT): B-trees grown by the inserts 7.4k rows/s, freshly built B-trees
10.8–18.2k, hash indexes 25.7–26.8k; sizes 510 / ~395 / ~320 MB per index
(docs/ingest-performance.md).

Revision ID: records_0002
Revises: records_0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "records_0002"
down_revision: str | Sequence[str] | None = "records_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ("ix_records_bi_sender_id_number", "bi_sender_id_number"),
    ("ix_records_bi_sender_phone", "bi_sender_phone"),
    ("ix_records_bi_recipient_phone", "bi_recipient_phone"),
)


def _rebuild(using: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, column in _INDEXES:
        op.drop_index(name, table_name="records")
        op.create_index(name, "records", [column], postgresql_using=using)


def upgrade() -> None:
    _rebuild("hash")


def downgrade() -> None:
    _rebuild("btree")
