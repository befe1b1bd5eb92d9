"""The identify hot route (``api/hot_routes.py``) answers exactly what the FastAPI route answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from senders_support import NOW, sender_and_courier
from starlette.requests import Request
from starlette.responses import Response

import sealpost.api.app as app_module
from sealpost.api.app import HOT_ROUTES, create_app
from sealpost.bootstrap import Container
from sealpost.client.identity_qr import SenderDevice

PATH = "/v1/pickups/identify"


@pytest.fixture
def clients(sender_container: Container) -> tuple[TestClient, TestClient, SenderDevice, str]:
    # No lifespan (no ``with``): both apps share the container, the fixture closes it.
    hot = TestClient(create_app(container=sender_container))
    plain = TestClient(create_app(container=sender_container, hot_routes=False))
    device, token = sender_and_courier(hot, sender_container)
    return hot, plain, device, token


def _post(client: TestClient, token: str | None, **kwargs: Any) -> tuple[int, str, Any]:
    headers = dict(kwargs.pop("headers", {}))
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = client.post(PATH, headers=headers, **kwargs)
    return response.status_code, response.headers["content-type"], response.json()


def test_a_good_code_gets_the_same_answer_on_both_paths(
    clients: tuple[TestClient, TestClient, SenderDevice, str],
) -> None:
    hot, plain, device, token = clients
    s1, t1, b1 = _post(hot, token, json={"qr": device.identity_qr(NOW)})
    s2, t2, b2 = _post(plain, token, json={"qr": device.identity_qr(NOW), "ignored": 1})
    assert (s1, t1) == (s2, t2) == (200, "application/json")
    assert b1.keys() == b2.keys() == {"identity_ref", "expires_at", "identity", "adult"}
    assert b1["identity"] == b2["identity"] and b1["adult"] == b2["adult"]
    assert b1["identity_ref"] != b2["identity_ref"]


def test_refusals_are_the_same_problem_on_both_paths(
    clients: tuple[TestClient, TestClient, SenderDevice, str],
) -> None:
    hot, plain, device, token = clients
    used = device.identity_qr(NOW)
    assert _post(hot, token, json={"qr": used})[0] == 200
    cases: list[tuple[str | None, dict[str, Any]]] = [
        (token, {"json": {"qr": used}}),  # replayed
        (token, {"json": {"qr": "SPQ1:NOT-A-CODE"}}),  # malformed
        (token, {"json": {"qr": "SPQ1:NOT-A-CODE"}, "headers": {"Accept-Language": "en"}}),
        (None, {"json": {"qr": device.identity_qr(NOW)}}),  # not authenticated
        ("wrong-token", {"json": {"qr": device.identity_qr(NOW)}}),
        (token, {"content": b"{not json", "headers": {"Content-Type": "application/json"}}),
        (token, {"json": {}}),
        (token, {"json": []}),
        (token, {"json": {"qr": ""}}),
        (token, {"json": {"qr": 5}}),
        (token, {"json": {"qr": "x" * 2001}}),
        (token, {"content": b'{"qr": "SPQ1:X"}', "headers": {"Content-Type": "text/plain"}}),
        (token, {"content": b""}),
    ]
    for who, kwargs in cases:
        assert _post(hot, who, **kwargs) == _post(plain, who, **kwargs), kwargs
    status, content_type, body = _post(hot, token, json={"qr": used})
    assert (status, content_type, body["code"]) == (409, "application/problem+json", "replayed")


def test_well_formed_requests_take_the_hot_path_and_are_counted_by_route(
    sender_container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[int] = []
    original = HOT_ROUTES[("POST", PATH)]

    async def spy(request: Request, body: bytes) -> Response | None:
        response = await original(request, body)
        served.append(0 if response is None else response.status_code)
        return response

    hot_handler: Callable[[Request, bytes], Awaitable[Response | None]] = spy
    monkeypatch.setitem(app_module.HOT_ROUTES, ("POST", PATH), hot_handler)
    api = TestClient(create_app(container=sender_container))
    device, token = sender_and_courier(api, sender_container)
    code = device.identity_qr(NOW)
    assert _post(api, token, json={"qr": code})[0] == 200
    assert _post(api, token, json={"qr": code})[0] == 409
    assert _post(api, token, json={"qr": ""})[0] == 422
    assert served == [200, 0]  # the refusal was raised inside (409); the empty code fell back (None)
    metrics = api.get("/metrics").text
    assert 'route="/v1/pickups/identify",status="200"' in metrics
    assert 'route="/v1/pickups/identify",status="409"' in metrics
    assert 'route="/v1/pickups/identify",status="422"' in metrics


def test_every_hot_route_is_declared_in_the_api_document(sender_container: Container) -> None:
    paths = create_app(container=sender_container).openapi()["paths"]
    for method, path in HOT_ROUTES:
        assert method.lower() in paths[path]
