"""``POST /v1/pickups/identify``: a courier terminal submits a scanned sender identity QR.

Authenticated as a courier terminal (``Authorization: Bearer <terminal token>``). The answer is the
masked identity, the adult flag and a one-time ``identity_ref`` valid 10 minutes for this courier;
every refusal is problem+json with its reason code (``expired``, ``replayed``, ``unknown_device``,
``revoked_device``, ``bad_signature``, ``malformed``, ``wrong_suite``, ``document_expired``).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from sealpost.api.auth import TerminalDep
from sealpost.api.deps import ContainerDep

router = APIRouter(prefix="/v1/pickups", tags=["pickups"])


class IdentifyIn(BaseModel):
    qr: str = Field(min_length=1, max_length=2000, description="the scanned identity QR text (SPQ1:…)")


class MaskedSender(BaseModel):
    name: str
    document_type: str
    document_type_label: str
    document_number: str


class IdentifyOut(BaseModel):
    identity_ref: str
    expires_at: datetime
    identity: MaskedSender
    adult: bool


@router.post(
    "/identify",
    response_model=IdentifyOut,
    summary="Verify a sender's identity QR: masked identity + one-time identity_ref (10 min, this courier)",
)
def identify(body: IdentifyIn, terminal: TerminalDep, container: ContainerDep) -> IdentifyOut:
    result = container.sender_identifier.identify(body.qr, terminal.courier_id)
    return IdentifyOut(
        identity_ref=result.identity_ref,
        expires_at=result.expires_at,
        identity=MaskedSender(**result.masked),
        adult=result.adult,
    )
