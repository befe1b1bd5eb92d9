"""Hot routes: the few high-rate endpoints, answered by a lean handler in front of FastAPI's router.

A courier terminal's identity-QR check (``POST /v1/pickups/identify``) must run thousands of
times a second on two cores. FastAPI's per-request machinery (walking the routers, solving
dependencies, building the Pydantic body model, the exception middleware and its task) costs more
CPU than the verification's own cryptography, so a request for a hot route is handled here:

* the route is still declared in FastAPI (OpenAPI, documentation, and the reference behaviour);
* the hot handler serves only the well-formed case. It returns ``None`` for anything unusual (not
  JSON, a missing or over-long field, another content type, ...) and the request then goes to the
  FastAPI route with its body replayed, so error answers stay exactly FastAPI's;
* a :class:`~sealpost.errors.SealpostError` becomes the same problem+json as everywhere else, any
  other exception propagates to the outer error middleware (the same 500 problem);
* the metrics middleware (outside this one) labels the request with the declared route template.

Tests compare every answer of the hot path with the FastAPI route's (``tests/.../test_api_hot_routes``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sealpost.api.problems import problem
from sealpost.errors import SealpostError

#: A hot handler: the answer, or None to let the FastAPI route answer (body replayed).
HotHandler = Callable[[Request, bytes], Awaitable[Response | None]]

#: Bodies larger than this go to the FastAPI route (hot requests are small).
MAX_HOT_BODY = 16 * 1024


class HotRoutes:
    """ASGI middleware: ``(method, path) -> handler`` for exact paths, else the wrapped app."""

    def __init__(self, app: ASGIApp, handlers: Mapping[tuple[str, str], HotHandler]) -> None:
        self.app = app
        self._handlers = dict(handlers)
        # What the metrics middleware reads for its route label (the path template: these are exact).
        self._routes = {key: _RouteLabel(key[1]) for key in self._handlers}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        key = (scope["method"], scope["path"])
        handler = self._handlers.get(key)
        if handler is None:
            await self.app(scope, receive, send)
            return
        body, complete = await _read_body(receive)
        if complete:
            scope["route"] = self._routes[key]
            request = Request(scope, receive)
            try:
                response = await handler(request, body)
            except SealpostError as exc:
                response = problem(request, exc.status, exc.code, exc.message, **exc.extra)
            if response is not None:
                await response(scope, receive, send)
                return
        await self.app(scope, _replay(body, complete, receive), send)


@dataclass(frozen=True, slots=True)
class _RouteLabel:
    path: str


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The request body, and whether it is complete (False: too large or the client went away)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True
        if size > MAX_HOT_BODY:
            return b"".join(chunks), False


def _replay(body: bytes, complete: bool, receive: Receive) -> Receive:
    """A ``receive`` that first gives back what was already read, then the original stream."""
    replayed = False

    async def again() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": not complete}
        return await receive()

    return again


def content_type_is_json(request: Request) -> bool:
    value = request.headers.get("content-type", "")
    return value.split(";", 1)[0].strip().lower() == "application/json"
