"""The calls API through FastAPI's TestClient: bindings, routing, records, delivery view, problems."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from calls_support import DictReceipts, DictRecipients, FakeSealer, receipt
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sealpost.adapters.crypto.kit import CryptoKit
from sealpost.adapters.crypto.memory import InMemoryDataKeyRepository
from sealpost.adapters.db.calls_repo import SqlCallsRepository
from sealpost.adapters.telephony import CallsKit, KitFieldSealer, TelephonySettings
from sealpost.api.app import create_app
from sealpost.api.auth import terminal_principal
from sealpost.bootstrap import build_container
from sealpost.config import Settings
from sealpost.domain.calls import PoolNumber
from sealpost.ports.clock import FixedClock
from sealpost.ports.terminals import Terminal

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
COURIER = "13900001111"
RECIPIENT = "13812345678"
WAYBILL = "EA123456785CN"
X = "17000000001"
HOST = "02188880000"


class Api:
    def __init__(self, client: TestClient, kit: CallsKit) -> None:
        self.client = client
        self.kit = kit

    def bind(self, **overrides: object) -> dict[str, object]:
        body = {
            "waybill_no": WAYBILL,
            "courier_phone": COURIER,
            "model": "axb",
            "city": "310115",
            **overrides,
        }
        res = self.client.post("/v1/calls/bindings", json=body)
        assert res.status_code in (200, 201), res.text
        return dict(res.json())

    def route(self, caller: str, x: str, ext: str | None = None, **headers: str) -> dict[str, object]:
        params = {"caller": caller, "x": x} | ({"ext": ext} if ext is not None else {})
        res = self.client.get("/v1/calls/route", params=params, headers=headers)
        assert res.status_code == 200, res.text
        return dict(res.json())


def _kit(engine: Engine, sealer: object, token: str | None = None) -> CallsKit:
    repo = SqlCallsRepository(engine)
    repo.add_pool_numbers([PoolNumber(X, "3101", "axb"), PoolNumber(HOST, "3101", "axn")])
    return CallsKit(
        repo=repo,
        sealer=sealer,  # type: ignore[arg-type]
        recipients=DictRecipients({WAYBILL: RECIPIENT, "EA000000000CN": "not a number"}),
        receipts=DictReceipts({WAYBILL: receipt(WAYBILL)}),
        clock=FixedClock(T0),
        settings=TelephonySettings(_env_file=None, switch_token=token),
    )


def as_terminal(app: FastAPI, company: str = "EMS") -> None:
    """Requests come from a courier terminal of ``company`` (the token check itself is the auth module's)."""
    app.dependency_overrides[terminal_principal] = lambda: Terminal(
        terminal_id="t-1",
        company=company,
        outlet="310115-001",
        courier_id="c-1",
        suite="intl",
        public_key=b"",
    )


@pytest.fixture
def api(engine: Engine, settings: Settings) -> Iterator[Api]:
    container = build_container(settings, configure_logs=False)
    kit = _kit(engine, FakeSealer())
    container.extras["calls"] = kit
    app = create_app(container=container)
    as_terminal(app)
    with TestClient(app) as client:
        yield Api(client, kit)


def test_bind_route_record_unbind(api: Api) -> None:
    bound = api.bind()
    assert bound["x"] == X
    assert bound["dial"] == X
    assert bound["extension"] is None
    assert bound["expires_at"] == "2026-12-13T09:00:00Z"
    assert RECIPIENT not in str(bound)
    again = api.client.post(
        "/v1/calls/bindings", json={"waybill_no": WAYBILL, "courier_phone": COURIER, "city": "3101"}
    )
    assert again.status_code == 200
    assert again.json()["id"] == bound["id"]

    assert api.route(COURIER, X) == {"action": "connect", "callee": RECIPIENT, "binding_id": bound["id"]}
    assert api.route(RECIPIENT, X)["callee"] == COURIER
    assert api.route("13700000000", X) == {"action": "reject", "reason": "no_binding"}
    assert api.route(COURIER, "17099999999") == {"action": "reject", "reason": "unknown_number"}

    report = {
        "call_id": "fs-0001",
        "caller": COURIER,
        "x": X,
        "binding_id": bound["id"],
        "started_at": "2026-11-28T09:00:00Z",
        "answered_at": "2026-11-28T09:00:04Z",
        "ended_at": "2026-11-28T09:01:04+00:00",
        "outcome": "answered",
    }
    res = api.client.post("/v1/calls/records", json=report)
    assert res.status_code == 201
    assert res.json()["duration_s"] == 60
    assert api.client.post("/v1/calls/records", json=report).json()["duplicate"] is True

    assert api.client.delete(f"/v1/calls/bindings/{bound['id']}").status_code == 204
    assert api.route(COURIER, X) == {"action": "reject", "reason": "no_binding"}
    res = api.client.delete("/v1/calls/bindings/unknown-id")
    assert res.status_code == 404
    assert res.headers["content-type"] == "application/problem+json"
    assert res.json()["code"] == "binding_not_found"


def test_axn_binding_and_extension_routing(api: Api) -> None:
    bound = api.bind(model="axn")
    ext = bound["extension"]
    assert isinstance(ext, str)
    assert len(ext) == 4
    assert bound["dial"] == f"{HOST}-{ext}"
    assert api.route(COURIER, HOST, ext)["callee"] == RECIPIENT
    assert api.route("13700000000", HOST, ext) == {"action": "reject", "reason": "caller_not_party"}
    assert api.route(COURIER, HOST) == {"action": "reject", "reason": "bad_extension"}


def test_expired_binding_is_rejected(api: Api) -> None:
    api.bind(expires_at="2026-11-28T09:02:00Z")
    assert isinstance(api.kit.clock, FixedClock)
    api.kit.clock.advance(121)
    assert api.route(COURIER, X) == {"action": "reject", "reason": "expired"}


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"courier_phone": "12345"}, 422, "bad_number"),
        ({"city": "hangzh"}, 422, "bad_city"),
        ({"expires_at": "2026-11-28T09:00:30Z"}, 422, "expiry_too_soon"),
        ({"expires_at": "2026-11-28T09:30:00"}, 422, "validation_failed"),
        ({"model": "axg"}, 422, "validation_failed"),
        ({"waybill_no": "NOSUCHWAYBILL"}, 404, "waybill_not_found"),
        ({"waybill_no": "EA000000000CN"}, 422, "recipient_number_unusable"),
        ({"courier_phone": RECIPIENT}, 422, "same_party"),
        ({"city": "0571"}, 409, "pool_exhausted"),
    ],
)
def test_binding_problems(api: Api, overrides: dict[str, str], status: int, code: str) -> None:
    body = {"waybill_no": WAYBILL, "courier_phone": COURIER, "model": "axb", "city": "3101", **overrides}
    res = api.client.post("/v1/calls/bindings", json=body, headers={"accept-language": "en"})
    assert res.status_code == status, res.text
    assert res.headers["content-type"] == "application/problem+json"
    assert res.json()["code"] == code
    for value in (COURIER, RECIPIENT):
        assert value not in res.text


def test_delivery_view_is_masked(api: Api) -> None:
    res = api.client.get(f"/v1/deliveries/{WAYBILL}")
    assert res.status_code == 200
    view = res.json()
    assert view["recipient"]["phone"] == "*******1234"
    assert view["recipient"]["name"] == "欧阳**"
    assert view["call"]["path"] == "/v1/calls/bindings"
    assert RECIPIENT not in res.text
    assert api.client.get("/v1/deliveries/EA999999999CN").json()["code"] == "waybill_not_found"
    leaky = receipt("EA111111111CN")
    leaky["masked"]["recipient"]["phone"] = RECIPIENT
    api.kit.receipts.receipts["EA111111111CN"] = leaky  # type: ignore[attr-defined]
    res = api.client.get("/v1/deliveries/EA111111111CN")
    assert res.status_code >= 400
    assert RECIPIENT not in res.text


def test_switch_token_is_enforced(engine: Engine, settings: Settings) -> None:
    container = build_container(settings, configure_logs=False)
    container.extras["calls"] = _kit(engine, FakeSealer(), token="s3cret-switch-token")
    with TestClient(create_app(container=container)) as client:
        res = client.get("/v1/calls/route", params={"caller": COURIER, "x": X})
        assert res.status_code == 401
        assert res.json()["code"] == "switch_auth_required"
        res = client.get(
            "/v1/calls/route",
            params={"caller": COURIER, "x": X},
            headers={"authorization": "Bearer s3cret-switch-token"},
        )
        assert res.json() == {"action": "reject", "reason": "no_binding"}


def test_real_field_cipher_round_trip(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    """With the platform's crypto kit: sealed numbers are AES-GCM field ciphertexts, routing decrypts one."""
    crypto = CryptoKit.open(
        tmp_path / "keyring", "test-passphrase-123", InMemoryDataKeyRepository(), scrypt_n=2**10
    )
    container = build_container(settings, configure_logs=False)
    kit = _kit(engine, KitFieldSealer(crypto.fields, crypto.blind))
    container.extras["calls"] = kit
    app = create_app(container=container)
    as_terminal(app)
    with TestClient(app) as client:
        api = Api(client, kit)
        bound = api.bind()
        assert api.route(COURIER, X)["callee"] == RECIPIENT
        assert api.route(RECIPIENT, X)["callee"] == COURIER
        assert api.route(COURIER, X)["binding_id"] == bound["id"]
    assert kit.sealer.blind_index("phone", "+86 139-0000-1111") == kit.sealer.blind_index("phone", COURIER)
    assert (datetime.now(UTC) - T0) < timedelta(days=36500)


def test_couriers_need_a_terminal_token_and_see_only_their_company(
    engine: Engine, settings: Settings
) -> None:
    container = build_container(settings, configure_logs=False)
    kit = _kit(engine, FakeSealer())
    container.extras["calls"] = kit
    app = create_app(container=container)
    with TestClient(app) as client:
        body = {"waybill_no": WAYBILL, "courier_phone": COURIER, "city": "3101"}
        res = client.post("/v1/calls/bindings", json=body)
        assert res.status_code == 401
        assert res.headers["content-type"] == "application/problem+json"
        assert client.get(f"/v1/deliveries/{WAYBILL}").status_code == 401
        assert client.delete("/v1/calls/bindings/whatever").status_code == 401

        as_terminal(app, "EMS")
        bound = client.post("/v1/calls/bindings", json=body).json()
        as_terminal(app, "SF")
        assert client.get(f"/v1/deliveries/{WAYBILL}").json()["code"] == "waybill_not_found"
        res = client.delete(f"/v1/calls/bindings/{bound['id']}")
        assert res.status_code == 404
        assert res.json()["code"] == "binding_not_found"
        as_terminal(app, "EMS")
        assert client.delete(f"/v1/calls/bindings/{bound['id']}").status_code == 204
