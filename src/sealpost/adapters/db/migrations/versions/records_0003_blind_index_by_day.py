"""Records on SQLite: each blind-index index leads with the day the record was received,
``(substr(received_at, 1, 10), bi_…)``, instead of the random 16-byte token alone.

Why: a random-key index takes every new row on a different leaf page. At 10 million stored records
each 1,000-row commit dirtied ~3,000 scattered 8 KiB pages of the three blind-index indexes
(written to the WAL, then checkpointed back): the store took ~8–9k rows/s at 64–73 µs of CPU per row,
two thirds of it in the kernel. Led by the day, a day's new entries share the small right-hand
part of each index: 23–26k rows/s at 33–35 µs per row on the same 10 M-record store
(``docs/ingest-performance.md``).

A look-up by token names the days it searches, one equality per day, which SQLite answers with
one index seek per day (``WHERE substr(received_at, 1, 10) IN (:d1, :d2, …) AND bi_… = :token``).
``received_at`` is stored as SQLAlchemy writes a ``UtcDateTime`` on SQLite (``YYYY-MM-DD
HH:MM:SS.ffffff``, UTC), so its first ten characters are the UTC day.

PostgreSQL keeps its hash indexes (records_0002): it holds its rate at 10 M records with them.

Revision ID: records_0003
Revises: records_0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "records_0003"
down_revision: str | Sequence[str] | None = "records_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (index on the token alone, index led by the day, token column)
_INDEXES = (
    ("ix_records_bi_sender_id_number", "ix_records_day_bi_sender_id_number", "bi_sender_id_number"),
    ("ix_records_bi_sender_phone", "ix_records_day_bi_sender_phone", "bi_sender_phone"),
    ("ix_records_bi_recipient_phone", "ix_records_day_bi_recipient_phone", "bi_recipient_phone"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for plain, by_day, column in _INDEXES:
        op.drop_index(plain, table_name="records")
        op.execute(f"CREATE INDEX {by_day} ON records (substr(received_at, 1, 10), {column})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for plain, by_day, column in _INDEXES:
        op.execute(f"DROP INDEX {by_day}")
        op.create_index(plain, "records", [column])
