"""``POST /v1/pickups/identify``: a courier terminal submits a scanned sender identity QR.

Authenticated as a courier terminal (``Authorization: Bearer <terminal token>``). The answer is the
masked identity, the adult flag and a one-time ``identity_ref`` valid 10 minutes for this courier;
every refusal is problem+json with its reason code (``expired``, ``replayed``, ``unknown_device``,
``revoked_device``, ``bad_signature``, ``malformed``, ``wrong_suite``, ``document_expired``).
"""

from __future__ import annotations

from datetime import datetime

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from sealpost.api.auth import terminal_principal
from sealpost.api.hot_routes import content_type_is_json
from sealpost.bootstrap import Container
from sealpost.services.identify_sender import IdentifyResult

router = APIRouter(prefix="/v1/pickups", tags=["pickups"])
#: The full path (the hot route is registered by it in ``api/app.py``).
PATH = router.prefix + "/identify"


QR_MAX_LENGTH = 2000


class IdentifyIn(BaseModel):
    qr: str = Field(
        min_length=1, max_length=QR_MAX_LENGTH, description="the scanned identity QR text (SPQ1:…)"
    )


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
async def identify(body: IdentifyIn, request: Request) -> Response:
    # The reference route (OpenAPI, and every unusual request); well-formed requests are served by
    # :func:`identify_hot` in front of FastAPI's router (``sealpost.api.hot_routes``).
    return await _identify(request, body.qr)


async def identify_hot(request: Request, body: bytes) -> Response | None:
    """The same for a well-formed JSON body ``{"qr": "…"}``; None (let the route above answer,
    with FastAPI's validation errors) for anything else."""
    if not content_type_is_json(request):
        return None
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    qr = parsed.get("qr") if isinstance(parsed, dict) else None
    if not isinstance(qr, str) or not 1 <= len(qr) <= QR_MAX_LENGTH:
        return None
    return await _identify(request, qr)


async def _identify(request: Request, qr: str) -> Response:
    # An async route: no thread hop for the handler or its dependencies. The checks are CPU work
    # plus one indexed read; the one transaction is group-committed with concurrent requests.
    container: Container = request.app.state.container
    terminal = terminal_principal(request, container)  # cached token lookup (see TerminalTokens)
    result = await container.sender_identifier.identify_async(qr, terminal.courier_id)
    return _answer(result)


def _answer(result: IdentifyResult) -> Response:
    content = {
        "identity_ref": result.identity_ref,
        "expires_at": result.expires_at,
        "identity": result.masked,
        "adult": result.adult,
    }
    return Response(orjson.dumps(content, option=orjson.OPT_UTC_Z), media_type="application/json")
