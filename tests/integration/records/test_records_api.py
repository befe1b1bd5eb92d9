"""The records API on SQLite and PostgreSQL: direct mode, relay, receipts, tokens."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from records_support import (
    CLEAR_VALUES,
    SimTerminal,
    issue_ref,
    personal,
    register_terminal,
    sealed_batch,
)
from sealpost.adapters.crypto import get_suite
from sealpost.adapters.db.tables.records import relay_records
from sealpost.api.app import create_app
from sealpost.bootstrap import Container
from sealpost.client.receipts import verify_receipt
from sealpost.domain.records import terminal_batch_message


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container=container)) as c:
        yield c


def _platform_keys(client: TestClient) -> dict[str, bytes]:
    keys = client.get("/v1/keys/platform").json()
    return {kid: base64.b64decode(k) for kid, k in keys["signing_keys"].items()}


def _post_direct(client: TestClient, t: SimTerminal, payload: dict[str, Any], *, sign: bool = True) -> Any:
    body = orjson.dumps(payload)
    headers = {"authorization": f"Bearer {t.token}", "content-type": "application/json"}
    if sign:
        sig = get_suite(t.suite).sign(t.private_key, terminal_batch_message(body))
        headers["x-sealpost-signature"] = base64.b64encode(sig).decode()
    return client.post("/v1/records", content=body, headers=headers)


def test_direct_mode_returns_receipts_that_verify(
    client: TestClient, container: Container, terminal: SimTerminal
) -> None:
    session = terminal.session()
    items = [(terminal.meta(identity_ref=issue_ref(container, "c-1001").ref), personal()) for _ in range(3)]
    response = _post_direct(client, terminal, sealed_batch(session, items))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["stored"] == 3 and body["rejected"] == []
    keys = _platform_keys(client)
    for receipt in body["receipts"]:
        verify_receipt(receipt, keys)
        again = client.get(
            f"/v1/receipts/{receipt['record_id']}", headers={"authorization": f"Bearer {terminal.token}"}
        )
        assert again.json() == receipt
    # Retrying the same batch: the same receipts, nothing stored twice.
    retry = _post_direct(client, terminal, sealed_batch(session, items))
    assert retry.json()["receipts"] == body["receipts"] and retry.json()["duplicates"] == 3


def test_direct_mode_needs_a_token_and_a_valid_batch_signature(
    client: TestClient, container: Container, terminal: SimTerminal
) -> None:
    payload = sealed_batch(terminal.session(), [(terminal.meta(identity_ref="X" * 24), personal())])
    assert client.post("/v1/records", content=orjson.dumps(payload)).status_code == 401
    unsigned = _post_direct(client, terminal, payload, sign=False)
    assert unsigned.status_code == 401 and unsigned.json()["code"] == "batch_signature_missing"
    body = orjson.dumps(payload)
    forged = client.post(
        "/v1/records",
        content=body,
        headers={
            "authorization": f"Bearer {terminal.token}",
            "x-sealpost-signature": base64.b64encode(b"\x00" * 64).decode(),
        },
    )
    assert forged.status_code == 401 and forged.json()["code"] == "batch_signature_invalid"
    container.terminals.revoke(terminal.terminal.terminal_id, container.clock.now())
    container.terminal_tokens._cache.clear()
    assert _post_direct(client, terminal, payload).status_code == 401


def test_all_rejected_is_a_problem_with_per_record_reasons(
    client: TestClient, container: Container, terminal: SimTerminal
) -> None:
    payload = sealed_batch(
        terminal.session(), [(terminal.meta(identity_ref="NOPE", item_name="仿真枪"), personal())]
    )
    response = _post_direct(client, terminal, payload)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "records_rejected"
    assert problem["rejected"][0]["reason"] == "item_prohibited"
    too_many = {"version": 1, "sessions": {}, "records": [{}] * 1001}
    assert _post_direct(client, terminal, too_many).status_code == 413


def _enterprise_token(client: TestClient, container: Container, company: str = "EMS") -> tuple[str, str]:
    ec, secret = container.enterprise_clients.create(
        company=company, name="中国邮政速递物流", now=container.clock.now()
    )
    bad = client.post(
        "/v1/oauth/token",
        data={"grant_type": "client_credentials", "client_id": ec.client_id, "client_secret": "wrong"},
    )
    assert bad.status_code == 401
    response = client.post(
        "/v1/oauth/token",
        data={"grant_type": "client_credentials", "client_id": ec.client_id, "client_secret": secret},
    )
    assert response.status_code == 200, response.text
    return ec.client_id, response.json()["access_token"]


def test_relay_forwards_sealed_records_and_keeps_no_personal_data(
    client: TestClient, container: Container
) -> None:
    _, token = _enterprise_token(client, container)
    auth = {"authorization": f"Bearer {token}"}
    # The enterprise registers its terminal through the API.
    suite = get_suite(container.crypto.suite.name)
    pair = suite.new_signing_key()
    reg = client.post(
        "/v1/terminals",
        json={
            "outlet": "SH-PD-07",
            "courier_id": "c-3003",
            "public_key": base64.b64encode(pair.public).decode(),
        },
        headers=auth,
    )
    assert reg.status_code == 201, reg.text
    info = reg.json()
    terminal = SimTerminal(
        container.terminals.get(info["terminal_id"]),  # type: ignore[arg-type]
        info["token"],
        pair.private,
        container.crypto.sealing_public_key(),
        suite.name,
    )
    session = terminal.session()
    items = [(terminal.meta(identity_ref=issue_ref(container, "c-3003").ref), personal()) for _ in range(4)]
    items.append((terminal.meta(identity_ref="NOPE"), personal()))
    response = client.post(
        "/v1/relay/batches", content=orjson.dumps(sealed_batch(session, items)), headers=auth
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["stored"] == 4 and [r["reason"] for r in body["rejected"]] == ["identity_ref_invalid"]
    keys = _platform_keys(client)
    for receipt in body["receipts"]:
        verify_receipt(receipt, keys)
    # The enterprise's own store: waybills and masked views, by waybill number.
    mine = client.get(
        "/v1/relay/records", params={"waybill_no": body["receipts"][0]["waybill_no"]}, headers=auth
    )
    assert mine.json()["records"][0]["masked"] == body["receipts"][0]["masked"]
    # Every column of every row of the relay store holds no clear personal value.
    with container.engine.connect() as conn:
        rows = conn.execute(sa.select(relay_records)).all()
    assert len(rows) == 5
    blob = "\n".join(orjson.dumps(v, default=str).decode() for row in rows for v in row)
    for value in CLEAR_VALUES:
        assert value not in blob, value
    # Another company's enterprise cannot read those receipts.
    _, other = _enterprise_token(client, container, company="SF")
    denied = client.get(
        f"/v1/receipts/{body['receipts'][0]['record_id']}", headers={"authorization": f"Bearer {other}"}
    )
    assert denied.status_code == 404


def test_relay_refuses_terminals_of_another_company(client: TestClient, container: Container) -> None:
    _, token = _enterprise_token(client, container, company="SF")
    ems_terminal = register_terminal(container)  # an EMS terminal
    payload = sealed_batch(ems_terminal.session(), [(ems_terminal.meta(identity_ref="X" * 24), personal())])
    response = client.post(
        "/v1/relay/batches", content=orjson.dumps(payload), headers={"authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422
    assert response.json()["rejected"][0]["reason"] == "terminal_mismatch"
