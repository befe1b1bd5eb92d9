"""The sender's page for checking a courier's credential QR (served at ``/check-courier/``).

The platform's public signing keys are written into the page, so a phone that loaded it once can
check signatures, validity and freshness with no network; revocation is then checked online.
"""

from __future__ import annotations

from importlib.resources import files

import orjson
from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from sealpost.api.deps import ContainerDep
from sealpost.services.courier_credentials import published_keys
from sealpost.web.pages import PAGES, PageLink

router = APIRouter(prefix="/check-courier", include_in_schema=False)
_ASSETS = files("sealpost.web") / "courier_check"
PAGES.append(PageLink("/check-courier/", "核验快递员身份（寄件人）", "Check a courier (senders)"))


@router.get("/", response_class=HTMLResponse)
def page(container: ContainerDep) -> HTMLResponse:
    keys = published_keys(container.crypto, container.crypto.keyring.suite_name)
    html = (_ASSETS / "index.html").read_text(encoding="utf-8")
    # The JSON is escaped for a <script> element (no "</" can close it early).
    embedded = orjson.dumps(keys).decode().replace("</", "<\\/")
    return HTMLResponse(html.replace("__PLATFORM_KEYS__", embedded), headers={"Cache-Control": "no-cache"})


@router.get("/check.js")
def script() -> Response:
    return Response((_ASSETS / "check.js").read_bytes(), media_type="text/javascript")
