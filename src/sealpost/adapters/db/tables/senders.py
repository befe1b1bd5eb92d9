"""Senders (pseudonymous, identity encrypted), their device keys, and the one-time token cache.

No column holds a name, an ID number, a phone or a birth date, not even masked: the identity is one
field-cipher ciphertext (AAD binds the sender id) and lookups go through keyed blind-index tokens.
In clear are only the document type, the minor flag (14–17 at enrollment) and timestamps.
"""

import sqlalchemy as sa

from sealpost.adapters.db.metadata import metadata
from sealpost.adapters.db.types import UtcDateTime

senders = sa.Table(
    "senders",
    metadata,
    sa.Column("sender_id", sa.String(36), primary_key=True),
    sa.Column("doc_type", sa.String(40), nullable=False),
    sa.Column("id_index", sa.LargeBinary(16), nullable=False),
    sa.Column("phone_index", sa.LargeBinary(16), nullable=True),
    sa.Column("index_kid", sa.String(16), nullable=False),
    sa.Column("minor", sa.Boolean, nullable=False),
    sa.Column("identity_ct", sa.LargeBinary, nullable=False),
    sa.Column("verified_by", sa.String(40), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("doc_type", "id_index", name="uq_senders_document"),
    sa.Index("ix_senders_phone_index", "phone_index"),
)

sender_devices = sa.Table(
    "sender_devices",
    metadata,
    sa.Column("kid", sa.String(16), primary_key=True),
    sa.Column(
        "sender_id", sa.String(36), sa.ForeignKey("senders.sender_id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("algorithm", sa.String(16), nullable=False),
    sa.Column("public_key", sa.LargeBinary, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
    sa.Index("ix_sender_devices_sender", "sender_id"),
)

#: One row per accepted one-time token (identity QR codes, device-signed requests), kept until
#: the token could no longer be accepted anyway. The primary key makes a second use fail in every
#: worker at once.
sender_token_replay = sa.Table(
    "sender_token_replay",
    metadata,
    sa.Column("token_hash", sa.LargeBinary(32), primary_key=True),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Index("ix_sender_token_replay_expires", "expires_at"),
)
