"""Agreement customers (协议客户): organisations that signed a safety agreement with a company.

They are registered once — unified social credit code (GB 32100), the agreement's number and
dates, the responsible person's identity (encrypted at rest) — and then send in bulk without a
per-parcel ID check (快递暂行条例 Art 22, Art 31).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class AgreementCustomer:
    customer_id: str
    company: str
    org_name: str
    uscc: str
    agreement_no: str
    agreement_start: date
    agreement_end: date
    responsible_document_type: str
    responsible_masked: Mapping[str, str] = field(default_factory=dict)
    status: str = "active"

    def in_force(self, day: date) -> bool:
        return self.status == "active" and self.agreement_start <= day <= self.agreement_end


@dataclass(frozen=True, slots=True)
class ResponsiblePerson:
    """The organisation's responsible person, in clear: only ever in memory."""

    name: str
    document_type: str
    document_number: str
    phone: str | None = None

    def __repr__(self) -> str:
        return f"ResponsiblePerson(document_type={self.document_type!r}, <redacted>)"


class AgreementCustomers(Protocol):
    def add(self, customer: AgreementCustomer, person: ResponsiblePerson, now: datetime) -> AgreementCustomer:
        """Register a customer; :class:`sealpost.errors.Conflict` when its company already has that USCC."""
        ...

    def get(self, customer_id: str) -> AgreementCustomer | None: ...

    def get_many(self, customer_ids: Iterable[str]) -> dict[str, AgreementCustomer]: ...

    def find_by_uscc(self, company: str, uscc: str) -> AgreementCustomer | None: ...

    def list(self, company: str | None = None, limit: int = 100) -> list[AgreementCustomer]: ...
