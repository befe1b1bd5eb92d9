"""Records on SQLite: the blind-index tokens move out of ``records``' indexes into a file of their
own, filled by sorted merges that do not hold up ingest.

Why: a blind-index token is random, so an index on it takes each new row on a different leaf page.
The day-led indexes of records_0003 keep that to the day's part of each index, but at 10 million
stored records that part is still ~1,500 leaf pages per index, and a 1,000-row commit dirtied
~2,450 of them: ~2,700 WAL pages (21 MB) per commit and ~40 ms of the single write lock to write
them, against ~250 pages and ~5 ms without (``docs/ingest-performance.md``, fourth round).

The layout (``adapters/db/blind_tokens.py``):

- the tokens live in ``<database>-blind.db`` next to the database, ``WITHOUT ROWID`` tables
  whose layout ``blind_tokens.py`` owns (first ``(kind, day, token, record_rowid)``, since the
  fifth performance round one run per merge); it is derived data: a new or lost file is rebuilt from
  ``records``;
- ``record_blind_merge`` here holds the watermark: the records up to ``merged_rowid`` have their
  tokens in the file named by ``tokens_file`` (its id). The record store's checkpoint thread
  merges the records after it now and then, sorted, writing only the tokens file (the records
  file is only read, so ingest keeps writing meanwhile), then moves the watermark;
- a look-up seeks the tokens once per day it names, scans the records after the watermark, and
  keeps only records whose stored token and day still match, so the tokens are an accelerator and
  ``records`` stays the truth;
- two triggers move the watermark down when a record's tokens or time change (it is merged again)
  or when the newest records are deleted (SQLite then hands their rowids out again).

Upgrading drops the records_0003 indexes and starts at watermark 0: the store builds the tokens
file from the stored records in the background (look-ups scan the records until it has).
PostgreSQL keeps its hash indexes on ``records`` (records_0002): it holds its rate at 10 M
records with them.

Revision ID: records_0004
Revises: records_0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "records_0004"
down_revision: str | Sequence[str] | None = "records_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TRIGGERS = (
    # a changed record is merged again (INSERT OR IGNORE makes the overlap harmless)
    "CREATE TRIGGER records_blind_changed AFTER UPDATE OF received_at, bi_sender_id_number,"
    " bi_sender_phone, bi_recipient_phone ON records BEGIN\n"
    "    UPDATE record_blind_merge SET merged_rowid = OLD.rowid - 1 WHERE merged_rowid >= OLD.rowid;\n"
    "END",
    # the next insert takes max(rowid) + 1: never let the watermark stand above the records left
    "CREATE TRIGGER records_blind_deleted AFTER DELETE ON records BEGIN\n"
    "    UPDATE record_blind_merge SET merged_rowid = (SELECT coalesce(max(rowid), 0) FROM records)\n"
    "    WHERE merged_rowid > (SELECT coalesce(max(rowid), 0) FROM records);\n"
    "END",
)
_OLD_INDEXES = (
    ("ix_records_day_bi_sender_id_number", "bi_sender_id_number"),
    ("ix_records_day_bi_sender_phone", "bi_sender_phone"),
    ("ix_records_day_bi_recipient_phone", "bi_recipient_phone"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.create_table(
        "record_blind_merge",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("merged_rowid", sa.BigInteger, nullable=False),
        sa.Column("tokens_file", sa.String(32), nullable=True),
        sa.CheckConstraint("id = 1", name="ck_record_blind_merge_one_row"),
    )
    op.execute("INSERT INTO record_blind_merge (id, merged_rowid, tokens_file) VALUES (1, 0, NULL)")
    for trigger in _TRIGGERS:
        op.execute(trigger)
    for index, _column in _OLD_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {index}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for index, column in _OLD_INDEXES:
        op.execute(f"CREATE INDEX {index} ON records (substr(received_at, 1, 10), {column})")
    for name in ("records_blind_changed", "records_blind_deleted"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("record_blind_merge")
