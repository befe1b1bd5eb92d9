"""``api/hot_routes.HotRoutes``: exact-path dispatch, body reading and replay to the wrapped app."""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from sealpost.api.hot_routes import MAX_HOT_BODY, HotRoutes
from sealpost.errors import SealpostError
from sealpost.i18n import Text


class _Fallback:
    """The wrapped app: records what it was asked and the body it could read."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        self.bodies.append(await request.body())
        await PlainTextResponse("fallback")(scope, receive, send)


async def _hot(request: Request, body: bytes) -> Response | None:
    if body == b"refuse":
        raise SealpostError("refused_here", Text("拒绝", "refused"), status=409)
    if body.startswith(b"hot"):
        return PlainTextResponse(f"hot:{len(body)}:{request.scope['route'].path}")
    return None  # anything else: the wrapped app answers


def _call(app: HotRoutes, path: str, chunks: list[bytes], method: str = "POST") -> tuple[int, bytes]:
    messages = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"accept-language", b"en")],
        "app": None,
    }
    asyncio.run(app(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body


def test_only_the_exact_method_and_path_take_the_hot_handler() -> None:
    fallback = _Fallback()
    app = HotRoutes(fallback, {("POST", "/hot"): _hot})
    assert _call(app, "/hot", [b"hot!"]) == (200, b"hot:4:/hot")
    assert _call(app, "/hot/", [b"hot!"]) == (200, b"fallback")
    assert _call(app, "/hot", [b""], method="GET") == (200, b"fallback")
    assert fallback.bodies == [b"hot!", b""]


def test_a_body_in_chunks_is_read_whole() -> None:
    app = HotRoutes(_Fallback(), {("POST", "/hot"): _hot})
    assert _call(app, "/hot", [b"ho", b"t", b"12345"]) == (200, b"hot:8:/hot")


def test_a_declined_request_reaches_the_wrapped_app_with_its_whole_body() -> None:
    fallback = _Fallback()
    app = HotRoutes(fallback, {("POST", "/hot"): _hot})
    assert _call(app, "/hot", [b"not ", b"for ", b"me"]) == (200, b"fallback")
    big = [b"hot" + b"x" * MAX_HOT_BODY, b"y" * 10, b"z"]  # too large for the hot path: streamed on
    assert _call(app, "/hot", big) == (200, b"fallback")
    assert fallback.bodies == [b"not for me", b"".join(big)]


def test_a_sealpost_error_is_the_usual_problem() -> None:
    app = HotRoutes(_Fallback(), {("POST", "/hot"): _hot})
    status, body = _call(app, "/hot", [b"refuse"])
    assert status == 409
    assert b'"code":"refused_here"' in body and b'"detail":"refused"' in body
