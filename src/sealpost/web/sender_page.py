"""The sender's page (PWA) at ``/sender/``: enroll once, then show a fresh identity QR every 30 s.

The platform's public sealing key is written into the page (a ``<meta>``), so the phone makes codes
offline. The static files live in ``web/sender/`` (no third-party code: the QR encoder is
``qrcode.js``, written for this page).
"""

from __future__ import annotations

import base64
from importlib.resources import files
from typing import Final

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sealpost.api.deps import ContainerDep
from sealpost.errors import NotFoundError
from sealpost.i18n import Text
from sealpost.web.pages import PAGES, PageLink

router = APIRouter(prefix="/sender", include_in_schema=False)
_ASSETS = files("sealpost.web") / "sender"
_TYPES: Final = {
    "qrcode.js": "text/javascript",
    "identity-qr.js": "text/javascript",
    "app.js": "text/javascript",
    "sw.js": "text/javascript",
    "manifest.webmanifest": "application/manifest+json",
    "icon.svg": "image/svg+xml",
}
#: No third-party or inline scripts, no framing: the page holds a device key.
_CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
PAGES.append(PageLink("/sender/", "寄件人身份码（登记、出示二维码）", "Sender identity code (enroll, QR)"))


@router.get("", include_in_schema=False)
def redirect() -> RedirectResponse:
    return RedirectResponse("/sender/")


@router.get("/", response_class=HTMLResponse)
def page(container: ContainerDep) -> HTMLResponse:
    key = base64.urlsafe_b64encode(container.crypto.sealing_public_key()).rstrip(b"=").decode()
    html = (_ASSETS / "index.html").read_text(encoding="utf-8").replace("__PLATFORM_SEALING_KEY__", key)
    return HTMLResponse(
        html,
        headers={
            "Cache-Control": "no-cache",
            "Content-Security-Policy": _CSP,
            "Referrer-Policy": "no-referrer",
        },
    )


@router.get("/{name}")
def asset(name: str) -> Response:
    media_type = _TYPES.get(name)
    if media_type is None:
        raise NotFoundError("not_found", Text("未找到", "not found"))
    headers = {"Cache-Control": "no-cache"}
    if name == "sw.js":
        headers["Service-Worker-Allowed"] = "/sender/"
    return Response((_ASSETS / name).read_bytes(), media_type=media_type, headers=headers)
