"""The sender's courier-check page in headless Chromium: offline WebCrypto checks, then online revocation."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from sealpost.cli.main import app as cli
from sealpost.client.courier_qr import CourierDevice
from sealpost.domain import courier_credential as cc
from sealpost.domain.base45 import b45decode, b45encode
from sealpost.services.courier_credentials import IssuedCredential

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, CourierDevice, str]]:
    data = tmp_path / "data"
    monkeypatch.setenv("SEALPOST_DATA_DIR", str(data))
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
            "SF",
            "--company-name",
            "顺丰速运",
            "--name",
            "李小龙",
            "--phone",
            "13812345678",
            "--employee-no",
            "SF-77",
            "--outlet",
            "440305-012",
            "-o",
            str(device_file),
        ],
    )
    assert reg.exit_code == 0, reg.output
    stored = json.loads(device_file.read_text())
    device = CourierDevice.from_pem(
        stored["device_key_pem"].encode(), IssuedCredential.from_json(stored["issued"])
    )
    port = _free_port()
    env = {**os.environ, "SEALPOST_DATA_DIR": str(data)}
    env.pop("SEALPOST_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "sealpost.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(base + "/healthz", timeout=1)
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
    try:
        yield base, device, stored["issued"]["courier_id"]
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _check(page, text: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    before = page.evaluate("document.body.dataset.checked || ''")
    page.fill("#qr", text)
    page.click("#check")
    page.wait_for_function(f"(document.body.dataset.checked || '') !== {json.dumps(before)}", timeout=15000)
    return {k: page.inner_text(f"#{k}") for k in ("verdict", "reason", "message", "note", "name")}


def test_sender_page_verdicts(platform: tuple[str, CourierDevice, str]) -> None:
    from playwright.sync_api import sync_playwright

    base, device, courier_id = platform
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(base + "/check-courier/")
        assert "核验快递员身份" in page.title()

        genuine = _check(page, device.qr(datetime.now(UTC)))
        assert genuine["verdict"] == "真", genuine
        assert genuine["name"] == "李**"
        assert page.inner_text("#employee") == "SF-77"
        page.wait_for_selector("#photo", state="hidden")  # registered without a photo

        text = device.qr(datetime.now(UTC))
        raw = bytearray(b45decode(text[len(cc.SCHEME) :]))
        raw[30] ^= 1
        forged = _check(page, cc.SCHEME + b45encode(bytes(raw)))
        assert forged["verdict"] == "假"
        assert forged["reason"] in {"bad_platform_signature", "malformed"}

        stale = _check(page, device.qr(datetime.fromtimestamp(time.time() - 600, UTC)))
        assert (stale["verdict"], stale["reason"]) == ("假", "stale_code")

        # Offline: the platform is unreachable; the signature checks still say 真, with a note.
        page.route("**/v1/couriers/verify", lambda route: route.abort())
        offline = _check(page, device.qr(datetime.now(UTC)))
        assert offline["verdict"] == "真"
        assert "离线" in offline["note"]
        page.unroute("**/v1/couriers/verify")

        assert CliRunner().invoke(cli, ["courier", "revoke", courier_id]).exit_code == 0
        revoked = _check(page, device.qr(datetime.now(UTC)))
        assert (revoked["verdict"], revoked["reason"]) == ("假", "revoked")

        storage = page.evaluate("JSON.stringify({l: {...localStorage}, s: {...sessionStorage}})")
        assert storage == '{"l":{},"s":{}}'
        browser.close()
