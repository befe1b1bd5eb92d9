"""Senders: enrollment (photo or typed fields + device key), and the sender's own devices.

``POST /v1/senders/enroll`` is open (it is how a phone gets an identity); listing and revoking
devices needs a request signed by one of the sender's active device keys (``SealpostDevice``
authorization, see :mod:`sealpost.services.device_auth`).
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from sealpost.api.deps import ContainerDep
from sealpost.api.multipart import file_bytes, read_form, text_field
from sealpost.errors import SealpostError
from sealpost.i18n import Text
from sealpost.ports.senders import DeviceRecord
from sealpost.services.enroll import EnrollmentRequest

router = APIRouter(prefix="/v1/senders", tags=["senders"])


class MaskedIdentity(BaseModel):
    name: str
    document_type: str
    document_type_label: str
    document_number: str
    phone: str | None = None


class EnrollmentOut(BaseModel):
    sender_id: str
    created: bool
    device_kid: str
    device_added: bool
    identity: MaskedIdentity
    minor: bool
    adult: bool
    verified_by: str
    warnings: list[str]


class DeviceOut(BaseModel):
    kid: str
    algorithm: str
    status: Literal["active", "revoked"]
    created_at: datetime
    revoked_at: datetime | None
    public_key: str  # base64url of the uncompressed P-256 point
    current: bool = False


class DeviceList(BaseModel):
    sender_id: str
    devices: list[DeviceOut]


def _device_out(device: DeviceRecord, current_kid: str | None = None) -> DeviceOut:
    return DeviceOut(
        kid=device.kid,
        algorithm=device.algorithm,
        status=device.status,
        created_at=device.created_at,
        revoked_at=device.revoked_at,
        public_key=base64.urlsafe_b64encode(device.public_key).rstrip(b"=").decode(),
        current=device.kid == current_kid,
    )


def _bad_field(name: str) -> SealpostError:
    return SealpostError(
        "invalid_field",
        Text(f"字段 {name} 格式不正确", f"field {name} is not valid"),
        status=422,
        extra={"field": name},
    )


def _decode_key(text: str | None) -> bytes:
    if not text:
        raise SealpostError(
            "device_key_required", Text("缺少设备公钥", "the device public key is required"), status=422
        )
    compact = "".join(text.split())
    try:
        if "-" in compact or "_" in compact:
            return base64.urlsafe_b64decode(compact + "=" * (-len(compact) % 4))
        return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise _bad_field("device_public_key") from None


def _date(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _bad_field(name) from None


@router.post(
    "/enroll",
    response_model=EnrollmentOut,
    status_code=201,
    summary="Enroll a sender: ID card photo(s) or typed fields, plus the phone's device public key",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["device_public_key"],
                        "properties": {
                            "device_public_key": {
                                "type": "string",
                                "description": "P-256 public key (raw point or SPKI), base64/base64url",
                            },
                            "device_algorithm": {"type": "string", "enum": ["ES256"], "default": "ES256"},
                            "photo_front": {"type": "string", "format": "binary"},
                            "photo_back": {"type": "string", "format": "binary"},
                            "document_type": {"type": "string", "example": "resident_id"},
                            "number": {"type": "string"},
                            "name": {"type": "string"},
                            "phone": {"type": "string"},
                            "birth_date": {"type": "string", "format": "date"},
                            "valid_to": {"type": "string", "format": "date"},
                        },
                    }
                }
            },
        }
    },
)
async def enroll(request: Request, response: Response, container: ContainerDep) -> EnrollmentOut:
    from starlette.concurrency import run_in_threadpool

    form = await read_form(request)
    algorithm = text_field(form, "device_algorithm") or "ES256"
    if algorithm != "ES256":
        raise _bad_field("device_algorithm")
    enrollment_request = EnrollmentRequest(
        device_public_key=_decode_key(text_field(form, "device_public_key")),
        device_algorithm="ES256",
        photo_front=await file_bytes(form, "photo_front"),
        photo_back=await file_bytes(form, "photo_back"),
        doc_type=text_field(form, "document_type"),
        number=text_field(form, "number"),
        name=text_field(form, "name"),
        phone=text_field(form, "phone"),
        birth_date=_date(text_field(form, "birth_date"), "birth_date"),
        valid_to=_date(text_field(form, "valid_to"), "valid_to"),
    )
    await form.close()
    if enrollment_request.photo_back is not None and enrollment_request.photo_front is None:
        raise SealpostError(
            "photo_front_required",
            Text("请上传身份证人像面照片", "upload the front of the card too"),
            status=422,
        )
    result = await run_in_threadpool(container.enrollment.enroll, enrollment_request)
    response.status_code = 201 if result.created else 200
    return EnrollmentOut.model_validate(result.as_dict())


def _device_auth(request: Request, sender_id: UUID, container: ContainerDep) -> DeviceRecord:
    # GET and DELETE carry no body: the signed digest is SHA-256 of the empty string.
    return container.device_auth.authenticate(
        request.headers.get("authorization"),
        method=request.method,
        path=request.url.path,
        body=b"",
        sender_id=sender_id,
    )


DeviceAuthDep = Annotated[DeviceRecord, Depends(_device_auth)]


@router.get("/{sender_id}/devices", response_model=DeviceList, summary="The sender's device keys")
def list_devices(sender_id: UUID, device: DeviceAuthDep, container: ContainerDep) -> DeviceList:
    devices = container.enrollment.list_devices(sender_id)
    return DeviceList(sender_id=str(sender_id), devices=[_device_out(d, device.kid) for d in devices])


@router.delete(
    "/{sender_id}/devices/{kid}", response_model=DeviceOut, summary="Revoke one of the sender's device keys"
)
def revoke_device(sender_id: UUID, kid: str, device: DeviceAuthDep, container: ContainerDep) -> DeviceOut:
    revoked = container.enrollment.revoke_device(sender_id, kid.lower())
    return _device_out(revoked, device.kid)
