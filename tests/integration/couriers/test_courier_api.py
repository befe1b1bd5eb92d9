"""Courier registration, online verification, photo and revocation through the HTTP API and the CLI."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sealpost.adapters.db.migrate import upgrade
from sealpost.adapters.db.terminals_repo import SqlEnterpriseClients
from sealpost.api.app import create_app
from sealpost.bootstrap import build_container
from sealpost.cli.main import app as cli
from sealpost.client.courier_qr import CourierDevice
from sealpost.config import Settings
from sealpost.services.courier_credentials import IssuedCredential

PHOTO = b"\x89PNG\r\n\x1a\n" + b"x" * 64


@pytest.fixture
def api(settings: Settings) -> Iterator[tuple[TestClient, httpx.Auth]]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    container = build_container(settings, configure_logs=False)
    client, secret = SqlEnterpriseClients(container.engine).create(
        company="SF", name="顺丰速运", now=datetime.now(UTC)
    )
    with TestClient(create_app(container=container), raise_server_exceptions=False) as c:
        yield c, _bearer(c, client.client_id, secret)


class _Bearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


def _bearer(c: TestClient, client_id: str, secret: str) -> _Bearer:
    r = c.post("/v1/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    assert r.status_code == 200, r.text
    return _Bearer(r.json()["access_token"])


def _register(c: TestClient, auth: httpx.Auth, device: CourierDevice, employee_no: str = "SF-1") -> dict:
    r = c.post(
        "/v1/couriers",
        auth=auth,
        json={
            "name": "王小明",
            "phone": "+86 139-1234-5678",
            "employee_no": employee_no,
            "outlet": "110105-007",
            "device_public_key": base64.b64encode(device.public_key()).decode(),
            "photo": base64.b64encode(PHOTO).decode(),
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_register_verify_photo_revoke(api: tuple[TestClient, httpx.Auth]) -> None:
    c, auth = api
    device = CourierDevice.generate()
    device.issued = IssuedCredential.from_json(_register(c, auth, device))
    text = device.qr(datetime.now(UTC))

    verdict = c.post("/v1/couriers/verify", json={"qr": text}).json()
    assert verdict["genuine"] is True
    assert verdict["verdict"] == "真"
    assert verdict["courier"]["masked_name"] == "王**"
    assert "13912345678" not in json.dumps(verdict)

    photo = c.get(f"/v1/couriers/{device.issued.courier_id}/photo")
    assert photo.status_code == 200
    assert photo.content == PHOTO
    assert c.get("/v1/couriers/keys").json()["keys"]

    assert c.post(f"/v1/couriers/{device.issued.courier_id}/revoke", auth=auth).status_code == 204
    after = c.post("/v1/couriers/verify", json={"qr": text}, headers={"Accept-Language": "en"}).json()
    assert after["genuine"] is False
    assert after["reason"] == "revoked"
    assert "revoked" in after["message"]
    assert c.get(f"/v1/couriers/{device.issued.courier_id}/photo").status_code == 404


def test_registration_needs_enterprise_credentials_and_valid_input(
    api: tuple[TestClient, httpx.Auth],
) -> None:
    c, auth = api
    device = CourierDevice.generate()
    r = c.post("/v1/couriers", json={})
    assert r.status_code in (401, 422)
    body = {
        "name": "王小明",
        "phone": "12345",
        "employee_no": "SF-2",
        "outlet": "o",
        "device_public_key": base64.b64encode(device.public_key()).decode(),
    }
    r = c.post("/v1/couriers", json=body, auth=_Bearer("not-a-token"))
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    r = c.post("/v1/couriers", json=body, auth=auth)
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_phone"
    assert "12345" not in r.text
    _register(c, auth, device, "SF-3")
    dup = c.post("/v1/couriers", json={**body, "phone": "13912345678", "employee_no": "SF-3"}, auth=auth)
    assert dup.status_code == 409


def test_other_companies_cannot_revoke(api: tuple[TestClient, httpx.Auth], settings: Settings) -> None:
    c, auth = api
    device = CourierDevice.generate()
    courier_id = _register(c, auth, device)["courier_id"]
    container = build_container(settings, configure_logs=False)
    other, secret = SqlEnterpriseClients(container.engine).create(
        company="YTO", name="圆通", now=datetime.now(UTC)
    )
    container.close()
    other_auth = _bearer(c, other.client_id, secret)
    assert c.post(f"/v1/couriers/{courier_id}/revoke", auth=other_auth).status_code == 404


def test_cli_register_qr_verify_revoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEALPOST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SEALPOST_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    device_file = tmp_path / "courier.json"
    reg = runner.invoke(
        cli,
        [
            "courier",
            "register",
            "--company",
            "EMS",
            "--name",
            "李四",
            "--phone",
            "13812345678",
            "--employee-no",
            "E-9",
            "--outlet",
            "310115-001",
            "-o",
            str(device_file),
        ],
    )
    assert reg.exit_code == 0, reg.output
    courier_id = json.loads(reg.output)["courier_id"]
    assert oct(device_file.stat().st_mode & 0o777) == "0o600"
    qr = runner.invoke(cli, ["courier", "qr", str(device_file)])
    assert qr.exit_code == 0
    text = qr.output.strip()
    ok = runner.invoke(cli, ["courier", "verify", text])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["verdict"] == "真"
    assert runner.invoke(cli, ["courier", "revoke", courier_id]).exit_code == 0
    bad = runner.invoke(cli, ["courier", "verify", text])
    assert bad.exit_code == 1
    assert json.loads(bad.output)["reason"] == "revoked"
    offline = runner.invoke(cli, ["courier", "verify", "--offline", text])
    assert offline.exit_code == 0
    assert runner.invoke(cli, ["courier", "verify", "SPC1:garbage"]).exit_code == 1
    assert runner.invoke(cli, ["courier", "revoke", "no-such-id"]).exit_code == 1
