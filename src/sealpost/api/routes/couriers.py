"""Couriers: registration by their company, the online credential check, the courier's photo.

Registration and revocation take the company's OAuth2 access token (``POST /v1/oauth/token``,
client credentials); the check and the photo are public, as a sender needs them.
"""

from __future__ import annotations

import base64
import binascii
from datetime import timedelta

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from sealpost.adapters.db.couriers_repo import SqlCourierRepository
from sealpost.adapters.device_keys import P256DeviceSignatures
from sealpost.api.auth import EnterpriseDep
from sealpost.api.deps import ContainerDep
from sealpost.errors import NotFoundError, SealpostError
from sealpost.i18n import Text, negotiate
from sealpost.services import courier_credentials as svc

router = APIRouter(prefix="/v1/couriers", tags=["couriers"])


class CourierRegistration(BaseModel):
    name: str = Field(min_length=1, max_length=40)
    phone: str = Field(min_length=5, max_length=20)
    employee_no: str = Field(min_length=1, max_length=40)
    outlet: str = Field(min_length=1, max_length=40)
    company_name: str = Field(default="", max_length=80)
    device_public_key: str = Field(description="P-256 public key: uncompressed point or SPKI, base64")
    photo: str | None = Field(default=None, description="JPEG/PNG photo, base64 (≤ 512 KB)")
    validity_days: int = Field(default=365, ge=1, le=3 * 365)


class VerifyRequest(BaseModel):
    qr: str = Field(min_length=1, max_length=4000, description="the scanned courier QR text (SPC1:…)")


def _b64(value: str, field: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SealpostError(
            "invalid_base64", Text(f"{field} 不是有效的 base64", f"{field} is not valid base64"), status=422
        ) from None


@router.post("", status_code=201, summary="Register a courier and issue their credential (enterprise)")
def register(body: CourierRegistration, client: EnterpriseDep, container: ContainerDep) -> dict[str, object]:
    kit = container.crypto
    issued = svc.register_courier(
        repo=SqlCourierRepository(container.engine),
        signer=kit,
        fields=kit.fields,
        blind=kit.blind,
        devices=P256DeviceSignatures(),
        clock=container.clock,
        suite_name=kit.keyring.suite_name,
        company=client.company,
        company_name=body.company_name or client.name,
        name=body.name,
        phone=body.phone,
        employee_no=body.employee_no,
        outlet=body.outlet,
        device_public_key=_b64(body.device_public_key, "device_public_key"),
        photo=None if body.photo is None else _b64(body.photo, "photo"),
        validity=timedelta(days=body.validity_days),
    )
    return issued.to_json()


@router.post("/{courier_id}/revoke", status_code=204, summary="Revoke a courier (left the company)")
def revoke(courier_id: str, client: EnterpriseDep, container: ContainerDep) -> Response:
    repo = SqlCourierRepository(container.engine)
    stored = repo.get(courier_id)
    if stored is None or stored.company != client.company:  # tenants are isolated
        raise NotFoundError("unknown_courier", Text("没有该快递员", "no such courier"))
    svc.revoke_courier(repo=repo, clock=container.clock, courier_id=courier_id)
    return Response(status_code=204)


@router.post("/verify", summary="Online check of a courier QR (signature, validity, freshness, revocation)")
def verify(body: VerifyRequest, request: Request, container: ContainerDep) -> dict[str, object]:
    verdict = svc.verify_courier_qr(
        body.qr,
        platform=container.crypto,
        devices=P256DeviceSignatures(),
        now=container.clock.now(),
        repo=SqlCourierRepository(container.engine),
    )
    return verdict.to_public(negotiate(request.headers.get("accept-language")))


@router.get("/{courier_id}/photo", summary="The photo of an active courier")
def photo(courier_id: str, container: ContainerDep) -> Response:
    data = svc.courier_photo(
        repo=SqlCourierRepository(container.engine), fields=container.crypto.fields, courier_id=courier_id
    )
    if data is None:
        raise NotFoundError("no_photo", Text("没有该快递员的照片", "no photo for this courier"))
    media = "image/png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"
    return Response(data, media_type=media, headers={"Cache-Control": "no-store"})


@router.get("/keys", summary="The platform's public signing keys (for offline checks)")
def keys(container: ContainerDep) -> dict[str, object]:
    return svc.published_keys(container.crypto, container.crypto.keyring.suite_name)
