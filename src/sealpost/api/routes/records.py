"""Collection records: direct mode, enterprise relay, receipts, terminals, OAuth2 tokens.

* ``POST /v1/records`` — a public-version terminal posts a batch of sealed records (≤ 1,000),
  with ``Authorization: Bearer <terminal token>`` and ``X-Sealpost-Signature`` (its signature
  over the body, ``docs/protocols/records.md``). Answers signed receipts and per-record refusals;
  ``?proofs=tree`` sends the signed tree head once instead of a path and signature per receipt.
* ``POST /v1/relay/batches`` — an enterprise system relays a batch of its terminals' sealed
  records unchanged (OAuth2 client credentials); ``GET /v1/relay/records`` is its own store.
* ``GET /v1/receipts/{record_id}`` — a receipt again (same bytes), for the same company only.
* ``GET /v1/keys/platform`` — the platform's public keys (receipt verification, sealing).
* ``POST /v1/oauth/token`` — client credentials → access token; ``POST /v1/terminals`` — an
  enterprise registers one of its terminals.

Hot path: the body is parsed with orjson, the batch is processed in the thread pool (one
transaction per batch), the answer is serialised with orjson.
"""

from __future__ import annotations

import base64
import binascii
import os
import signal
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from sealpost.api.auth import EnterpriseDep, PrincipalDep, TerminalDep
from sealpost.api.deps import ContainerDep
from sealpost.bootstrap import Container
from sealpost.domain.records import terminal_batch_message
from sealpost.errors import SealpostError
from sealpost.i18n import Lang, Text, negotiate
from sealpost.ports.crypto import CryptoError
from sealpost.ports.terminals import Terminal
from sealpost.services.ingest import BatchOutcome, ProofForm, Source, parse_batch

router = APIRouter(tags=["records"])

#: Largest request body accepted for a batch (1,000 records of ~1.5 kB with room to spare).
MAX_BODY_BYTES = 8 * 1024 * 1024
#: Test-only fault injection: the server process kills itself right after the Nth committed
#: batch, before it answers (the crash test). Never honoured in production.
FAULT_ENV = "SEALPOST_FAULT_KILL_AFTER_COMMIT"
_committed = 0


def _json(obj: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(obj), status_code=status, media_type="application/json")


ProofsQuery = Annotated[
    ProofForm,
    Query(
        description=(
            "full: every receipt carries its own audit path and the platform signature; "
            "tree: the batch's signed tree head once (`tree`), each fresh receipt its leaf index "
            "(the client rebuilds the paths: `sealpost.client.receipts.expand_receipts`)"
        )
    ),
]


def _outcome(outcome: BatchOutcome, lang: Lang, proofs: ProofForm = "full") -> dict[str, Any]:
    body: dict[str, Any] = {
        "batch_id": outcome.batch_id,
        "stored": outcome.stored,
        "duplicates": outcome.duplicates,
        "late": outcome.late,
    }
    if proofs == "tree":
        body["tree"] = outcome.tree.head() if outcome.tree is not None else None
    body["receipts"] = outcome.answer_receipts(proofs)
    body["rejected"] = [r.to_json(lang) for r in outcome.rejected]
    return body


def _answer(
    request: Request, container: Container, outcome: BatchOutcome, proofs: ProofForm = "full"
) -> Response:
    lang = negotiate(request.headers.get("accept-language"))
    _maybe_crash(container, outcome)
    body = _outcome(outcome, lang, proofs)
    if outcome.rejected and not outcome.receipts:
        raise SealpostError(
            "records_rejected",
            Text("批次中的记录全部被拒收", "every record of the batch was refused"),
            status=422,
            extra={"rejected": body["rejected"]},
        )
    return _json(body)


def _maybe_crash(container: Container, outcome: BatchOutcome) -> None:
    global _committed
    fault = os.environ.get(FAULT_ENV)
    if not fault or container.settings.env == "production" or not outcome.stored:
        return
    _committed += 1
    if _committed >= int(fault):
        os.kill(os.getpid(), signal.SIGKILL)  # committed, not answered: the client must retry


async def _read_json(request: Request) -> tuple[bytes, Any]:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise SealpostError("batch_too_large", Text("请求体过大", "request body too large"), status=413)
    try:
        return body, orjson.loads(body)
    except orjson.JSONDecodeError:
        raise SealpostError(
            "batch_malformed", Text("请求体不是 JSON", "the body is not JSON"), status=400
        ) from None


def _check_batch_signature(container: Container, terminal: Terminal, body: bytes, header: str | None) -> None:
    if not header:
        raise SealpostError(
            "batch_signature_missing",
            Text("缺少终端批次签名 X-Sealpost-Signature", "missing X-Sealpost-Signature"),
            status=401,
        )
    try:
        signature = base64.b64decode(header, validate=True)
        container.crypto.suite.verify(terminal.public_key, terminal_batch_message(body), signature)
    except (binascii.Error, ValueError, CryptoError):
        raise SealpostError(
            "batch_signature_invalid",
            Text("终端批次签名无效", "invalid terminal batch signature"),
            status=401,
        ) from None


@router.post("/v1/records", summary="Direct mode: a terminal posts sealed records (≤ 1,000 per batch)")
async def post_records(
    request: Request, terminal: TerminalDep, container: ContainerDep, proofs: ProofsQuery = "full"
) -> Response:
    body, obj = await _read_json(request)
    signature = request.headers.get("x-sealpost-signature")

    def work() -> BatchOutcome:
        _check_batch_signature(container, terminal, body, signature)
        return container.ingestor.ingest(parse_batch(obj), Source("terminal", terminal.terminal_id))

    return _answer(request, container, await run_in_threadpool(work), proofs)


@router.post("/v1/relay/batches", summary="Enterprise relay: forward a batch of sealed records unchanged")
async def post_relay_batch(
    request: Request, client: EnterpriseDep, container: ContainerDep, proofs: ProofsQuery = "full"
) -> Response:
    _, obj = await _read_json(request)

    def work() -> BatchOutcome:
        current = container.enterprise_clients.get(client.client_id)
        if current is None or not current.active:
            raise SealpostError(
                "access_token_invalid",
                Text("企业客户端已停用", "the enterprise client was revoked"),
                status=401,
            )
        return container.relay.relay(current, parse_batch(obj))

    return _answer(request, container, await run_in_threadpool(work), proofs)


@router.get("/v1/relay/records", summary="The enterprise's own store: waybill numbers and masked views")
def get_relay_records(
    client: EnterpriseDep,
    container: ContainerDep,
    waybill_no: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    entries = container.relay_store.find(client.client_id, waybill_no=waybill_no, limit=limit)
    return _json(
        {
            "records": [
                {
                    "record_id": e.record_id,
                    "waybill_no": e.waybill_no,
                    "status": e.status,
                    "reason": e.reason,
                    "masked": e.masked,
                    "received_at": e.received_at.isoformat() if e.received_at else None,
                    "relayed_at": e.relayed_at.isoformat(),
                }
                for e in entries
            ]
        }
    )


@router.get("/v1/receipts/{record_id}", summary="A signed receipt again (the same one, byte for byte)")
def get_receipt(record_id: str, principal: PrincipalDep, container: ContainerDep) -> Response:
    receipt = container.records.get_receipt(record_id) if len(record_id) <= 40 else None
    if receipt is None or receipt.get("company") != principal.company:
        raise SealpostError("receipt_not_found", Text("回执不存在", "no such receipt"), status=404)
    return _json(receipt)


@router.get(
    "/v1/keys/platform", summary="The platform's public keys: receipt signing (all, old ones too) and sealing"
)
def get_platform_keys(container: ContainerDep) -> Response:
    kit = container.crypto
    b64 = base64.b64encode
    return _json(
        {
            "suite": kit.suite.name,
            "signing_keys": {kid: b64(key).decode() for kid, key in kit.public_signing_keys().items()},
            "sealing_key": {"kid": kit.sealing_kid, "public": b64(kit.sealing_public_key()).decode()},
        }
    )


@router.post("/v1/oauth/token", summary="OAuth2 client credentials → access token (RFC 6749 §4.4)")
async def oauth_token(request: Request, container: ContainerDep) -> Response:
    form = await request.form()
    client_id, secret = form.get("client_id"), form.get("client_secret")
    basic = request.headers.get("authorization", "")
    if basic.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(basic[6:]).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            client_id = secret = None
    if form.get("grant_type") != "client_credentials":
        raise SealpostError(
            "unsupported_grant_type",
            Text("仅支持 client_credentials", "only client_credentials is supported"),
        )
    if not isinstance(client_id, str) or not isinstance(secret, str):
        raise SealpostError(
            "invalid_client", Text("客户端认证失败", "client authentication failed"), status=401
        )
    client = await run_in_threadpool(container.enterprise_clients.authenticate, client_id, secret)
    if client is None:
        raise SealpostError(
            "invalid_client", Text("客户端认证失败", "client authentication failed"), status=401
        )
    token, ttl = container.access_tokens.issue(client)
    response = _json({"access_token": token, "token_type": "Bearer", "expires_in": ttl})
    response.headers["cache-control"] = "no-store"
    return response


class TerminalIn(BaseModel):
    outlet: str = Field(pattern=r"^[0-9A-Za-z_.:-]{1,64}$")
    courier_id: str = Field(pattern=r"^[0-9A-Za-z_.:-]{1,64}$")
    public_key: str = Field(max_length=200, description="the terminal's signing public key, base64")


@router.post("/v1/terminals", status_code=201, summary="An enterprise registers one of its terminals")
def register_terminal(body: TerminalIn, client: EnterpriseDep, container: ContainerDep) -> Response:
    try:
        public_key = base64.b64decode(body.public_key, validate=True)
    except binascii.Error:
        raise SealpostError(
            "public_key_invalid", Text("公钥不是 base64", "public key is not base64")
        ) from None
    suite = container.crypto.suite
    if not 32 <= len(public_key) <= 133:
        raise SealpostError("public_key_invalid", Text("公钥长度不对", "wrong public key size"))
    terminal, token = container.terminals.register(
        company=client.company,
        outlet=body.outlet,
        courier_id=body.courier_id,
        suite=suite.name,
        public_key=public_key,
        now=container.clock.now(),
    )
    return _json(
        {
            "terminal_id": terminal.terminal_id,
            "token": token,
            "company": terminal.company,
            "outlet": terminal.outlet,
            "courier_id": terminal.courier_id,
        },
        status=201,
    )
