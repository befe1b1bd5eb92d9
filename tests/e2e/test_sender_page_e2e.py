"""The sender page in headless Chromium: enroll, show a code made by WebCrypto, verify it in Python.

The server runs as its own process (``sealpost serve``); the browser enrolls with typed fields,
renders the identity QR with the page's own encoder, and the test decodes the canvas with zxing-cpp
and submits the text to ``POST /v1/pickups/identify`` as a courier terminal. Then the browser's
storage is inspected: only the key handle, its id, the sender id and the platform key may be there.
"""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from sealpost.adapters.db.migrate import upgrade
from sealpost.adapters.qr import decode
from sealpost.bootstrap import build_container
from sealpost.config import Settings
from sealpost.domain.identity import check_character

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NAME = "欧阳娜娜"
PHONE = "13912345678"
_BODY = "110105" + "19900307" + "123"
NUMBER = _BODY + check_character(_BODY)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    data = tmp_path / "data"
    data.mkdir()
    settings = Settings(env="test", data_dir=data, _env_file=None)
    upgrade(settings.effective_database_url)
    container = build_container(settings, configure_logs=False)
    _terminal, token = container.terminals.register(
        company="SF",
        outlet="BJ-001",
        courier_id="courier-e2e",
        suite="intl",
        public_key=os.urandom(32),
        now=datetime.now(UTC),
    )
    container.crypto.sealing_public_key()  # create the keyring before the server starts
    container.close()
    port = _free_port()
    env = {**os.environ, "SEALPOST_DATA_DIR": str(data), "SEALPOST_ENV": "test"}
    env.pop("SEALPOST_DATABASE_URL", None)
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sealpost.cli", "serve", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise RuntimeError("server did not start")
        yield base, token, data
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def _canvas_text(page: Any) -> str:
    url = page.eval_on_selector("#code", "c => c.toDataURL('image/png')")
    texts = decode(base64.b64decode(url.split(",", 1)[1]))
    assert len(texts) == 1
    return str(texts[0])


STORAGE_DUMP = """async () => {
  const rec = await window.SealpostIdentity.load();
  let exported = "refused";
  try { await crypto.subtle.exportKey("pkcs8", rec.pair.privateKey); exported = "exported"; } catch (e) {}
  const dbs = (await indexedDB.databases()).map(d => d.name);
  const plain = {};
  for (const [k, v] of Object.entries(rec)) {
    if (k === "pair") continue;
    plain[k] = v instanceof Uint8Array || v instanceof ArrayBuffer ? Array.from(new Uint8Array(v)) : v;
  }
  return {
    keys: Object.keys(rec).sort(),
    plain: JSON.stringify(plain),
    privateExtractable: rec.pair.privateKey.extractable,
    privateUsages: rec.pair.privateKey.usages,
    exported,
    dbs,
    local: JSON.stringify(Object.assign({}, localStorage)),
    session: JSON.stringify(Object.assign({}, sessionStorage)),
    cookies: document.cookie,
    formValues: [...document.querySelectorAll("input")].map(i => i.value).join("|"),
  };
}"""


def test_sender_page_enrolls_and_its_codes_verify_in_python(server: tuple[str, str, Path]) -> None:
    from playwright.sync_api import sync_playwright

    base, courier_token, data = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(base + "/sender/")
            page.wait_for_selector("body[data-ready='1']")
            page.fill("#number", NUMBER)
            page.fill("#name", NAME)
            page.fill("#phone", PHONE)
            page.click("#enroll-submit")
            page.wait_for_selector("#show:not(.hidden)", timeout=20000)
            page.wait_for_selector("#code[data-step]")
            assert page.inner_text("#enrolled-as").startswith("欧阳**")

            first = _canvas_text(page)
            assert first.startswith("SPQ1:")
            answer = httpx.post(
                base + "/v1/pickups/identify",
                json={"qr": first},
                headers={"Authorization": f"Bearer {courier_token}"},
            )
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert body["identity"]["name"] == "欧阳**"
            assert body["identity"]["document_number"] == "1****************" + NUMBER[-1]
            assert body["adult"] is True
            replay = httpx.post(
                base + "/v1/pickups/identify",
                json={"qr": first},
                headers={"Authorization": f"Bearer {courier_token}"},
            )
            assert replay.json()["code"] == "replayed"

            before = page.eval_on_selector("#code", "c => c.toDataURL()")
            page.click("#refresh")
            page.wait_for_function("old => document.getElementById('code').toDataURL() !== old", arg=before)
            second = _canvas_text(page)
            assert second != first
            ok = httpx.post(
                base + "/v1/pickups/identify",
                json={"qr": second},
                headers={"Authorization": f"Bearer {courier_token}"},
            )
            assert ok.status_code == 200, ok.text

            dump = page.evaluate(STORAGE_DUMP)
            assert dump["keys"] == ["kid", "pair", "platformKey", "senderId"]
            assert dump["privateExtractable"] is False
            assert dump["exported"] == "refused"
            assert dump["dbs"] == ["sealpost-sender"]
            assert dump["local"] == "{}" and dump["session"] == "{}" and dump["cookies"] == ""
            everything = dump["plain"] + dump["local"] + dump["session"] + dump["formValues"]
            for secret in (NAME, NUMBER, PHONE, NUMBER[-8:], PHONE[-8:], "欧阳"):
                assert secret not in everything

            # After a reload the page finds its key and keeps making codes that verify.
            page.reload()
            page.wait_for_selector("#code[data-step]")
            third = _canvas_text(page)
            again = httpx.post(
                base + "/v1/pickups/identify",
                json={"qr": third},
                headers={"Authorization": f"Bearer {courier_token}"},
            )
            assert again.status_code == 200, again.text
        finally:
            browser.close()
    # Nothing personal on the server's disk either (encrypted columns only).
    for path in data.rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            for secret in (NAME, NUMBER, PHONE):
                assert secret.encode() not in raw, path


def _js_array(source: str, name: str) -> list[int]:
    start = source.index(f"const {name} = [") + len(f"const {name} = [")
    return [int(x) for x in source[start : source.index("]", start)].replace("\n", " ").split(",")]


def test_page_qr_encoder_tables_match_the_standard() -> None:
    import segno.consts as std

    source = (Path(__file__).parents[2] / "src/sealpost/web/sender/qrcode.js").read_text(encoding="utf-8")
    ec_per_block, blocks = _js_array(source, "EC_PER_BLOCK_M"), _js_array(source, "BLOCKS_M")
    for version in range(1, 41):
        groups: Any = std.ECC[version][std.ERROR_LEVEL_M]  # type: ignore[index]
        assert blocks[version] == sum(g.num_blocks for g in groups), version
        assert {g.num_total - g.num_data for g in groups} == {ec_per_block[version]}, version


def test_page_qr_encoder_output_decodes_for_every_size() -> None:
    from playwright.sync_api import sync_playwright

    source = (Path(__file__).parents[2] / "src/sealpost/web/sender/qrcode.js").read_text(encoding="utf-8")
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
    texts = ["SPQ1:" + (alphabet * 60)[i : i + n] for i, n in enumerate((1, 30, 120, 256, 400, 900, 1800))]
    texts += ["hello, world", "身份码 ✓ bytes"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content("<canvas id=c></canvas>")
            page.add_script_tag(content=source)
            for text in texts:
                url = page.evaluate(
                    "t => { SealpostQR.drawCanvas(document.getElementById('c'), t, 3, 4);"
                    " return document.getElementById('c').toDataURL('image/png'); }",
                    text,
                )
                assert decode(base64.b64decode(url.split(",", 1)[1])) == [text], len(text)
        finally:
            browser.close()
