"""The courier terminal's pickup steps (``/v1/pickups/…``; the identity QR scan is
``POST /v1/pickups/identify`` in :mod:`sealpost.api.routes.identify`).

* ``POST /v1/pickups/walk-in`` — a walk-in's ID card, typed fields or a photo, sealed in the
  terminal's session → masked identity + one-time ``identity_ref``.
* ``POST /v1/pickups/check`` — inspection done, item allowed, reference usable? A prohibited item
  is refused (``item_prohibited``) and an interception event is recorded.
* ``POST /v1/pickups/refusals`` — the courier reports a refused pickup (ID refused or not matching,
  inspection refused): no acceptance, an event for the regulator.

All need ``Authorization: Bearer <terminal token>``. Refusals are problem+json (422) with
``accepted: false`` and the reason code.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from sealpost.api.auth import TerminalDep
from sealpost.api.deps import ContainerDep

router = APIRouter(prefix="/v1/pickups", tags=["pickups"])


class SessionClaimIn(BaseModel):
    terminal_id: str = Field(max_length=64)
    header: str = Field(max_length=400)
    signature: str = Field(max_length=400)


class WalkInIn(BaseModel):
    kind: Literal["fields", "photo"]
    session: SessionClaimIn
    sealed: str = Field(
        max_length=12_000_000, description="base64 session record: ID fields JSON or card photo"
    )


@router.post(
    "/walk-in", summary="A walk-in's ID card (sealed fields or photo) → masked identity + identity_ref"
)
async def walk_in(body: WalkInIn, terminal: TerminalDep, container: ContainerDep) -> dict[str, Any]:
    result: dict[str, Any] = await run_in_threadpool(
        container.pickup_desk.walk_in, terminal, body.model_dump()
    )
    return result


class CheckIn(BaseModel):
    identity_ref: str | None = Field(default=None, max_length=40)
    item_name: str = Field(min_length=1, max_length=200)
    inspected: bool


@router.post("/check", summary="May this parcel be accepted? (inspection, prohibited items, identity_ref)")
def check(body: CheckIn, terminal: TerminalDep, container: ContainerDep) -> dict[str, Any]:
    return container.pickup_desk.check(
        terminal, identity_ref=body.identity_ref, item_name=body.item_name, inspected=body.inspected
    )


class RefusalIn(BaseModel):
    reason: Literal["id_refused", "id_mismatch", "inspection_refused"]
    identity_ref: str | None = Field(default=None, max_length=40)


@router.post("/refusals", status_code=201, summary="Report a refused pickup (counted for the regulator)")
def refuse(body: RefusalIn, terminal: TerminalDep, container: ContainerDep) -> dict[str, Any]:
    return container.pickup_desk.refuse(terminal, body.reason)
