"""Delivery calls: virtual-number bindings for couriers, the switch's routing query, call records,
and the courier's masked delivery view.

Couriers' terminals authenticate with their terminal token (``TerminalDep``) and reach only their
own company's waybills and bindings; the switch authenticates with ``SEALPOST_CALLS_SWITCH_TOKEN``.

The routing contract for a SIP switch is documented in ``docs/protocols/call-routing.md``.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, Field

from sealpost.adapters.telephony import CallsKit, calls_kit
from sealpost.api.auth import TerminalDep
from sealpost.bootstrap import Container
from sealpost.domain.calls import REJECT_REASONS, Model, RejectReason
from sealpost.errors import SealpostError, UnauthorizedError
from sealpost.i18n import Text
from sealpost.ports.calls import CallOutcome
from sealpost.services.bind_call import BindRequest, bind_call, unbind_call
from sealpost.services.delivery_view import delivery_view
from sealpost.services.record_call import CallReport, record_call
from sealpost.services.route_call import route_call

router = APIRouter(tags=["calls"])


async def get_calls(request: Request) -> CallsKit:
    # async on purpose: a plain attribute read must not cost a thread-pool hop on the switch's hot path
    container: Container = request.app.state.container
    return calls_kit(container)


CallsDep = Annotated[CallsKit, Depends(get_calls)]


async def switch_auth(
    request: Request, kit: CallsDep, authorization: Annotated[str | None, Header()] = None
) -> None:
    """The switch's bearer token (``SEALPOST_CALLS_SWITCH_TOKEN``); required in production."""
    token = kit.settings.switch_token
    if token is None:
        if request.app.state.container.settings.env == "production":
            raise SealpostError(
                "switch_token_not_configured",
                Text(
                    "未配置交换机访问令牌（SEALPOST_CALLS_SWITCH_TOKEN）",
                    "SEALPOST_CALLS_SWITCH_TOKEN is not set",
                ),
                status=503,
            )
        return
    given = (authorization or "").removeprefix("Bearer ").strip()
    if not given or not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
        raise UnauthorizedError(
            "switch_auth_required", Text("需要交换机访问令牌", "the switch's bearer token is required")
        )


SwitchDep = Annotated[None, Depends(switch_auth)]


# ------------------------------------------------------------------------------------- bindings


class BindingCreate(BaseModel):
    waybill_no: str = Field(min_length=4, max_length=40, description="the scanned waybill number")
    courier_phone: str = Field(min_length=5, max_length=24, description="the courier's own number (A)")
    model: Model = Field(default="axb", description="axb: pool number X; axn: shared host number + extension")
    city: str = Field(min_length=3, max_length=8, description="area code (0571) or division code (330106)")
    expires_at: AwareDatetime | None = Field(default=None, description="default: 15 days after delivery")
    delivered_at: AwareDatetime | None = Field(default=None, description="when the parcel was delivered")


class BindingOut(BaseModel):
    id: str
    model: Model
    x: str
    extension: str | None
    dial: str = Field(description="what to dial: X, or X-EEEE for an extension")
    expires_at: datetime
    waybill_no: str


@router.post(
    "/v1/calls/bindings",
    status_code=201,
    summary="Bind a virtual number between the courier and the waybill's recipient",
    responses={200: {"description": "the same live binding already existed"}},
)
def create_binding(
    body: BindingCreate, terminal: TerminalDep, kit: CallsDep, response: Response
) -> BindingOut:
    result = bind_call(
        BindRequest(
            waybill_no=body.waybill_no,
            courier_phone=body.courier_phone,
            model=body.model,
            city=body.city,
            expires_at=body.expires_at,
            delivered_at=body.delivered_at,
            company=terminal.company,
            courier_id=terminal.courier_id,
        ),
        repo=kit.repo,
        sealer=kit.sealer,
        recipients=kit.recipients,
        clock=kit.clock,
        policy=kit.policy,
        couriers=kit.couriers,
    )
    if not result.created:
        response.status_code = 200
    return BindingOut(
        id=result.binding_id,
        model=result.model,
        x=result.x,
        extension=result.extension,
        dial=result.dial,
        expires_at=result.expires_at,
        waybill_no=result.waybill_no,
    )


@router.delete("/v1/calls/bindings/{binding_id}", status_code=204, summary="Release a binding now")
def delete_binding(
    binding_id: Annotated[str, Field(max_length=36)], terminal: TerminalDep, kit: CallsDep
) -> Response:
    unbind_call(binding_id, repo=kit.repo, clock=kit.clock, company=terminal.company)
    return Response(status_code=204)


# -------------------------------------------------------------------------------------- routing


class RouteOut(BaseModel):
    action: Literal["connect", "reject"]
    callee: str | None = Field(default=None, description="the number to connect to (connect only)")
    binding_id: str | None = Field(default=None, description="echo it in the call record")
    reason: RejectReason | None = Field(default=None, description=f"one of {', '.join(REJECT_REASONS)}")


@router.get(
    "/v1/calls/route",
    summary="The switch asks where a call to a virtual number goes",
    responses={200: {"model": RouteOut, "description": "connect (with callee) or reject (with reason)"}},
)
async def route(
    _auth: SwitchDep,
    kit: CallsDep,
    caller: Annotated[str, Query(max_length=32, description="the calling number (CLI)")],
    x: Annotated[str, Query(max_length=32, description="the virtual number dialled")],
    ext: Annotated[str | None, Query(max_length=8, description="the extension, for AXN host numbers")] = None,
) -> JSONResponse:
    # Runs on the event loop: one indexed read (sub-millisecond on SQLite, one round trip on
    # PostgreSQL) and one AES-GCM decryption cost less than the thread-pool hop they would need.
    answer = route_call(caller, x, ext, repo=kit.repo, sealer=kit.sealer, clock=kit.clock)
    return JSONResponse(answer.as_json())


# --------------------------------------------------------------------------------- call records


class CallRecordIn(BaseModel):
    call_id: str = Field(min_length=1, max_length=128, description="the switch's unique call id")
    caller: str = Field(max_length=32)
    x: str = Field(max_length=32)
    ext: str | None = Field(default=None, max_length=8)
    binding_id: str | None = Field(default=None, max_length=36)
    started_at: AwareDatetime
    answered_at: AwareDatetime | None = None
    ended_at: AwareDatetime
    outcome: CallOutcome
    reject_reason: RejectReason | None = None


@router.post("/v1/calls/records", status_code=201, summary="The switch reports a finished call")
def create_record(body: CallRecordIn, _auth: SwitchDep, kit: CallsDep, response: Response) -> dict[str, Any]:
    record, created = record_call(
        CallReport(
            call_id=body.call_id,
            caller=body.caller,
            x=body.x,
            ext=body.ext,
            binding_id=body.binding_id,
            started_at=body.started_at,
            answered_at=body.answered_at,
            ended_at=body.ended_at,
            outcome=body.outcome,
            reject_reason=body.reject_reason,
        ),
        repo=kit.repo,
        sealer=kit.sealer,
        clock=kit.clock,
    )
    if not created:
        response.status_code = 200
    return {
        "id": record.id if created else None,
        "call_id": record.call_id,
        "binding_id": record.binding_id,
        "duration_s": record.duration_s,
        "duplicate": not created,
    }


# ---------------------------------------------------------------------------------- deliveries


@router.get("/v1/deliveries/{waybill_no}", summary="The courier's masked delivery view of a waybill")
def get_delivery(waybill_no: str, terminal: TerminalDep, kit: CallsDep) -> dict[str, Any]:
    return delivery_view(
        waybill_no, receipts=kit.receipts, clock=kit.clock, company=terminal.company
    ).as_json()
