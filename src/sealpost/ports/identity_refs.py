"""One-time sender identity references (``identity_ref``).

When the platform has verified a sender — an identity QR scanned by a courier
(``POST /v1/pickups/identify``) or a walk-in's ID card (``POST /v1/pickups/walk-in``) — it answers
the courier's terminal with the masked identity and a one-time reference. The record of that
pickup carries the reference instead of any identity data; ingest redeems it, in the same
transaction that stores the record. A reference is valid for :data:`REF_TTL` (10 minutes), for the
courier it was issued to, once.

Writers (the identity QR verifier, the walk-in check) call :meth:`IdentityRefs.issue` with the
verified identity in clear; the implementation encrypts it at once under the field cipher
(AAD = the ref + ``"identity"``), so the stored ``identity_enc`` — the "sealed identity blob" — is
only readable on the platform.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, Literal, Protocol

from sealpost.domain.records import SenderIdentity
from sealpost.errors import SealpostError
from sealpost.i18n import Text

#: How long a reference stays valid after it was issued.
REF_TTL: Final = timedelta(minutes=10)

RefSource = Literal["qr", "walk_in"]

#: Why a reference cannot be redeemed (stable codes).
REF_REASONS: Final[dict[str, Text]] = {
    "ref_unknown": Text("身份核验凭据不存在", "unknown identity reference"),
    "ref_expired": Text(
        "身份核验凭据已过期（10 分钟），请重新核验寄件人身份", "the identity reference expired (10 min)"
    ),
    "ref_used": Text("身份核验凭据已使用", "the identity reference was already used"),
    "ref_wrong_courier": Text(
        "该身份核验凭据不是签发给本快递员的", "the identity reference was issued to another courier"
    ),
}


class IdentityRefError(SealpostError):
    """A reference that cannot be redeemed; ``code`` is a key of :data:`REF_REASONS`."""

    def __init__(self, code: str) -> None:
        super().__init__(code, REF_REASONS[code], status=409 if code == "ref_used" else 422)


@dataclass(frozen=True, slots=True)
class VerifiedSender:
    """A verified sender as the platform holds it behind a reference.

    ``masked`` is what the courier may see (``name``, ``document_number``, and ``document_type``);
    ``identity_enc`` is the field-cipher ciphertext of the clear identity (AAD = ``ref`` +
    ``"identity"``): opening it needs the platform's data key.
    """

    ref: str
    courier_id: str
    source: RefSource
    document_type: str
    masked: Mapping[str, str]
    identity_enc: bytes = field(repr=False)
    issued_at: datetime
    expires_at: datetime
    sender_id: str | None = None
    adult: bool | None = None
    redeemed_at: datetime | None = None
    record_id: str | None = None

    def refusal(self, courier_id: str, now: datetime) -> str | None:
        """Why this reference cannot be redeemed by ``courier_id`` at ``now`` (None: it can)."""
        if self.courier_id != courier_id:
            return "ref_wrong_courier"
        if self.redeemed_at is not None:
            return "ref_used"
        if now >= self.expires_at:
            return "ref_expired"
        return None


class IdentityRefs(Protocol):
    def issue(
        self,
        *,
        courier_id: str,
        source: RefSource,
        identity: SenderIdentity,
        masked: Mapping[str, str],
        now: datetime,
        sender_id: str | None = None,
        adult: bool | None = None,
    ) -> VerifiedSender:
        """Store a new reference for ``courier_id`` (valid :data:`REF_TTL` from ``now``)."""
        ...

    def redeem(
        self, ref: str, courier_id: str, now: datetime, record_id: str | None = None
    ) -> VerifiedSender:
        """Use the reference once (its own transaction). Raises :class:`IdentityRefError`."""
        ...

    def lookup(self, refs: Iterable[str]) -> dict[str, VerifiedSender]:
        """The references that exist among ``refs`` (redeemed or not), without using them."""
        ...

    def open_identity(self, sender: VerifiedSender) -> SenderIdentity:
        """Decrypt the identity behind a reference (platform side only)."""
        ...
