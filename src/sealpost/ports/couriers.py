"""Where couriers and their credentials are kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

CourierStatus = Literal["active", "revoked"]


@dataclass(frozen=True, slots=True)
class StoredCourier:
    """A courier row: personal fields only as ciphertext, the credential as issued."""

    courier_id: str
    company: str
    company_name: str
    employee_no: str
    outlet: str
    masked_name: str
    name_enc: bytes
    phone_enc: bytes
    phone_bidx: bytes
    photo_enc: bytes | None
    photo_sha256: str
    device_key: str
    credential_body: bytes
    platform_kid: str
    platform_sig: bytes
    valid_from: datetime
    valid_to: datetime
    status: CourierStatus
    created_at: datetime
    revoked_at: datetime | None = None


class CourierRepository(Protocol):
    def add(self, courier: StoredCourier) -> None:
        """Store a new courier; raise ``sealpost.errors.ConflictError`` if the employee number is taken."""
        ...

    def get(self, courier_id: str) -> StoredCourier | None: ...

    def revoke(self, courier_id: str, at: datetime) -> bool:
        """Mark revoked; False when there is no such courier (revoking twice is fine)."""
        ...

    def status(self, courier_id: str) -> CourierStatus | None:
        """The current status, read fresh from storage (revocation must show within a second)."""
        ...

    def list_company(self, company: str) -> list[StoredCourier]: ...
