"""The identity verifiers: built-in rules, the HTTP adapter against fake services, enrollment with both."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import httpx
import pytest
from fastapi.testclient import TestClient
from senders_support import NOW, citizen_number, enroll_typed

from sealpost.adapters.identity_verifier import (
    BuiltinVerifier,
    HttpIdentityVerifier,
    VerifierUnavailableError,
)
from sealpost.bootstrap import Container
from sealpost.client.identity_qr import SenderDevice
from sealpost.ports.identity_verifier import IdentityClaim

NUMBER = citizen_number(date(1990, 3, 7))
CLAIM = IdentityClaim(
    doc_type="resident_id", number=NUMBER, name="张三丰", source="typed", birth_date=date(1990, 3, 7)
)
TODAY = NOW.date()


def _service(result: str | None = "match", status: int = 200, echo: bool = True) -> tuple[list[Any], Any]:
    seen: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append((request, body))
        if status != 200:
            return httpx.Response(status, json={"error": "x"})
        return httpx.Response(
            200,
            json={
                "request_id": body["request_id"] if echo else "other",
                "result": result,
                "reference": "CHK-1",
                "checked_at": "2026-11-28T10:00:00Z",
            },
        )

    return seen, handler


def test_http_verifier_sends_the_contract_and_maps_every_answer() -> None:
    seen, handler = _service("match")
    verifier = HttpIdentityVerifier("https://verify.example", "tok", transport=httpx.MockTransport(handler))
    verdict = verifier.verify(CLAIM, TODAY)
    assert verdict.ok and verdict.reference == "CHK-1" and verdict.verifier == "external"
    request, body = seen[0]
    assert request.url.path == "/v1/identity/verifications"
    assert request.headers["authorization"] == "Bearer tok"
    assert request.headers["idempotency-key"] == body["request_id"]
    assert body["document"] == {"type": "resident_id", "number": NUMBER}
    assert (
        body["name"] == "张三丰"
        and body["birth_date"] == "1990-03-07"
        and body["purpose"] == "express_real_name"
    )
    for result, reason in (
        ("mismatch", "identity_mismatch"),
        ("not_found", "identity_not_found"),
        ("document_invalid", "document_revoked"),
    ):
        _seen, h = _service(result)
        refused = HttpIdentityVerifier("https://v", "t", transport=httpx.MockTransport(h)).verify(
            CLAIM, TODAY
        )
        assert not refused.ok and refused.reason == reason


@pytest.mark.parametrize(
    ("result", "status", "echo"),
    [
        ("weird", 200, True),
        ("match", 200, False),
        (None, 200, True),
        ("match", 500, True),
        ("match", 403, True),
    ],
)
def test_http_verifier_fails_closed(result: str | None, status: int, echo: bool) -> None:
    seen, handler = _service(result, status, echo)
    verifier = HttpIdentityVerifier("https://v", "t", transport=httpx.MockTransport(handler))
    with pytest.raises(VerifierUnavailableError):
        verifier.verify(CLAIM, TODAY)
    assert len(seen) == (2 if status >= 500 else 1)  # one retry on 5xx, same request id
    if status >= 500:
        assert seen[0][1]["request_id"] == seen[1][1]["request_id"]


def test_http_verifier_connection_errors_fail_closed() -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(VerifierUnavailableError):
        HttpIdentityVerifier("https://v", "t", transport=httpx.MockTransport(boom)).verify(CLAIM, TODAY)


class _FakeNationalCheck(BaseHTTPRequestHandler):
    known: ClassVar[dict[str, str]] = {NUMBER: "张三丰"}

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.headers.get("Authorization") != "Bearer secret" or self.path != "/v1/identity/verifications":
            self.send_response(401)
            self.end_headers()
            return
        name = self.known.get(body["document"]["number"])
        result = "not_found" if name is None else "match" if name == body["name"] else "mismatch"
        data = json.dumps({"request_id": body["request_id"], "result": result, "reference": "REF-9"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:  # keep test output quiet (and free of personal data)
        return


@pytest.fixture
def national_check() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeNationalCheck)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_http_verifier_against_a_local_server(national_check: str) -> None:
    verifier = HttpIdentityVerifier(national_check, "secret")
    assert verifier.verify(CLAIM, TODAY).ok
    other = IdentityClaim("resident_id", NUMBER, "李四", "typed")
    assert verifier.verify(other, TODAY).reason == "identity_mismatch"
    with pytest.raises(VerifierUnavailableError):
        HttpIdentityVerifier(national_check, "wrong").verify(CLAIM, TODAY)


def test_enrollment_asks_the_external_service_after_the_builtin_checks(
    sender_api: TestClient, sender_container: Container, national_check: str
) -> None:
    sender_container.identity_verifiers.append(HttpIdentityVerifier(national_check, "secret"))
    ok = enroll_typed(sender_api, SenderDevice.generate(), number=NUMBER, name="张三丰")
    assert ok.status_code == 201, ok.text
    assert ok.json()["verified_by"] == "builtin+external"
    refused = enroll_typed(
        sender_api, SenderDevice.generate(), number=citizen_number(date(1980, 1, 1)), name="王五"
    )
    assert refused.json()["code"] == "identity_not_found"


def test_builtin_verifier_rules() -> None:
    builtin = BuiltinVerifier()
    assert builtin.verify(CLAIM, TODAY).ok
    assert builtin.verify(IdentityClaim("resident_id", NUMBER, "阿卜杜拉·买买提", "typed"), TODAY).ok
    assert builtin.verify(
        IdentityClaim("foreign_passport", "E12345678", "John O'Neil-Smith", "typed"), TODAY
    ).ok
    cases = {
        "invalid_name": IdentityClaim("resident_id", NUMBER, "张3", "typed"),
        "birth_date_mismatch": IdentityClaim(
            "resident_id", NUMBER, "张三", "typed", birth_date=date(1991, 1, 1)
        ),
        "document_expired": IdentityClaim("resident_id", NUMBER, "张三", "typed", valid_to=date(2020, 1, 1)),
        "invalid_check_digit": IdentityClaim(
            "resident_id", NUMBER[:-1] + ("1" if NUMBER[-1] != "1" else "2"), "张三", "typed"
        ),
    }
    for reason, claim in cases.items():
        verdict = builtin.verify(claim, TODAY)
        assert (verdict.ok, verdict.reason) == (False, reason)
        assert verdict.message is not None
