"""Identity verification: is this document real, valid, and this person's?

Enrollment asks every configured verifier in turn and stops at the first refusal:

- the built-in verifier (always on): number format and check digit, region and birth date, the
  document's expiry, the person's name, and — for a photographed card — the OCR cross-check;
- optionally an external verification service over HTTP (the national identity check, or the
  网证 / CTID service), contract in ``docs/protocols/identity-verification.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Protocol

from sealpost.domain.identity.card_fields import CrossCheck
from sealpost.i18n import Text

ClaimSource = Literal["typed", "photo"]


@dataclass(frozen=True, slots=True)
class IdentityClaim:
    """Who the person says they are. Personal data: never log it, never put it in an error."""

    doc_type: str
    number: str
    name: str
    source: ClaimSource
    birth_date: date | None = None
    valid_to: date | None = None  # None: unknown or long-term (长期)
    card_check: CrossCheck | None = None  # the OCR cross-check of a photographed card

    def __repr__(self) -> str:
        return f"IdentityClaim(doc_type={self.doc_type!r}, source={self.source!r}, <redacted>)"


@dataclass(frozen=True, slots=True)
class Verdict:
    """A verifier's answer. ``reason`` is a stable snake_case code when ``ok`` is False."""

    ok: bool
    verifier: str
    reason: str | None = None
    message: Text | None = None
    warnings: tuple[str, ...] = ()
    reference: str | None = None  # the external service's id for the check (for the audit trail)
    details: Mapping[str, object] = field(default_factory=dict)


class IdentityVerifier(Protocol):
    """One way of verifying a claim."""

    @property
    def name(self) -> str: ...

    def verify(self, claim: IdentityClaim, today: date) -> Verdict:
        """Check ``claim``. Raises :class:`sealpost.errors.SealpostError` only when the verifier
        itself cannot answer (``identity_verifier_unavailable``), never for a negative answer."""
        ...
