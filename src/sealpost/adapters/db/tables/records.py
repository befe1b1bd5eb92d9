"""The collection pipeline's tables: records, receipt batches, terminals, enterprise clients, the
enterprise-side relay store, agreement customers and one-time identity references.

Privacy at rest: every personal field is a ``*_enc`` column holding a field-cipher ciphertext
(AES-256-GCM under the day's data key, AAD = record id + field name); lookups by ID number or
phone go through the 16-byte keyed ``bi_*`` blind indexes. Receipts hold masked views only.
The relay store (``relay_records``) is the enterprise's side: waybill numbers and masked views,
nothing else. Layouts: ``docs/protocols/records.md``.

Speed: a batch of up to 1,000 records is inserted in one transaction (COPY on PostgreSQL,
``executemany`` on SQLite). ``record_id`` is a UUIDv7, so the primary-key index grows at its
right edge instead of taking random page splits.
"""

import sqlalchemy as sa

from sealpost.adapters.db.metadata import metadata
from sealpost.adapters.db.types import UtcDateTime

#: Courier terminals (PDA, phone app, the courier web page). A terminal belongs to one courier of
#: one company's outlet; it signs its session headers with ``public_key`` and calls the API with a
#: bearer token whose SHA-256 is ``token_hash``.
terminals = sa.Table(
    "terminals",
    metadata,
    sa.Column("terminal_id", sa.String(64), primary_key=True),
    sa.Column("company", sa.String(20), nullable=False),
    sa.Column("outlet", sa.String(64), nullable=False),
    sa.Column("courier_id", sa.String(64), nullable=False),
    sa.Column("suite", sa.String(8), nullable=False),
    sa.Column("public_key", sa.LargeBinary, nullable=False),
    sa.Column("token_hash", sa.LargeBinary(32), nullable=False, unique=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
)

#: Enterprise systems that relay batches (OAuth2 client credentials; the secret is stored hashed).
enterprise_clients = sa.Table(
    "enterprise_clients",
    metadata,
    sa.Column("client_id", sa.String(64), primary_key=True),
    sa.Column("company", sa.String(20), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("secret_hash", sa.LargeBinary(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
)

#: One row per signed batch: the Merkle root the platform signed and every leaf hash, so any
#: record's inclusion proof can be rebuilt (a retried record gets the same receipt back).
receipt_batches = sa.Table(
    "receipt_batches",
    metadata,
    sa.Column("batch_id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("signed_at", UtcDateTime(), nullable=False),
    sa.Column("source_kind", sa.String(16), nullable=False),
    sa.Column("source_id", sa.String(64), nullable=False),
    sa.Column("tree_size", sa.Integer, nullable=False),
    sa.Column("root", sa.LargeBinary(64), nullable=False),
    sa.Column("kid", sa.String(32), nullable=False),
    sa.Column("alg", sa.String(16), nullable=False),
    sa.Column("signature", sa.LargeBinary(128), nullable=False),
    sa.Column("leaf_hashes", sa.LargeBinary, nullable=False),
)

#: The platform's store of collection records.
records = sa.Table(
    "records",
    metadata,
    sa.Column("record_id", sa.Uuid(as_uuid=False), primary_key=True),
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
    sa.UniqueConstraint("waybill_no", "company", name="uq_records_waybill_no"),
)

# Blind indexes are looked up by equality only. PostgreSQL: hash indexes on the token (smaller, and
# ~1.5-3x the insert rate of B-trees over random keys at 10M rows; migration records_0002). SQLite
# (no hash indexes): no index on the tokens in this file at all, but a tokens file of its own,
# filled by sorted merges (migration records_0004, ``adapters/db/blind_tokens.py``). ``ONLY_ON``
# marks a table or index that exists on one dialect.
ONLY_ON = "only_on_dialect"
for _column in ("bi_sender_id_number", "bi_sender_phone", "bi_recipient_phone"):
    sa.Index(
        f"ix_records_{_column}", records.c[_column], postgresql_using="hash", info={ONLY_ON: "postgresql"}
    ).ddl_if(dialect="postgresql")

#: SQLite, one row: the records up to ``merged_rowid`` have their blind-index tokens in the tokens
#: file whose id is ``tokens_file`` (triggers move it down when records change or the newest go).
record_blind_merge = sa.Table(
    "record_blind_merge",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("merged_rowid", sa.BigInteger, nullable=False),
    sa.Column("tokens_file", sa.String(32), nullable=True),
    sa.CheckConstraint("id = 1", name="ck_record_blind_merge_one_row"),
    info={ONLY_ON: "sqlite"},
)

#: A blind-indexed field of a record → (its kind in the SQLite tokens file, its records column).
BLIND_KINDS: dict[str, tuple[int, str]] = {
    "sender_id_number": (1, "bi_sender_id_number"),
    "sender_phone": (2, "bi_sender_phone"),
    "recipient_phone": (3, "bi_recipient_phone"),
}

#: One-time sender identity references: issued when the platform verified a sender (identity QR or
#: a walk-in's ID card), redeemed once by the record of that pickup, for that courier, within 10 min.
#: ``identity_enc`` is the verified identity (name, document type and number) under the field
#: cipher (AAD = the ref + "identity"); ``masked`` is what the courier may see.
identity_refs = sa.Table(
    "identity_refs",
    metadata,
    sa.Column("ref", sa.String(40), primary_key=True),
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
    sa.Index("ix_identity_refs_expires_at", "expires_at"),
)

#: The enterprise side of the relay: what an express company keeps of the records it relayed —
#: the waybill number, the masked views of the receipt, the outcome. Never a personal field.
relay_records = sa.Table(
    "relay_records",
    metadata,
    sa.Column("client_id", sa.String(64), primary_key=True),
    sa.Column("record_id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("company", sa.String(20), nullable=False),
    sa.Column("waybill_no", sa.String(40), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(64), nullable=True),
    sa.Column("masked", sa.JSON, nullable=True),
    sa.Column("received_at", UtcDateTime(), nullable=True),
    sa.Column("relayed_at", UtcDateTime(), nullable=False),
    sa.Index("ix_relay_records_client_waybill", "client_id", "waybill_no"),
)

#: Agreement customers (协议客户): organisations that signed a safety agreement with a company and
#: send in bulk without a per-parcel ID check. The responsible person's identity is encrypted.
agreement_customers = sa.Table(
    "agreement_customers",
    metadata,
    sa.Column("customer_id", sa.String(40), primary_key=True),
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
    sa.UniqueConstraint("company", "uscc", name="uq_agreement_customers_company"),
)
