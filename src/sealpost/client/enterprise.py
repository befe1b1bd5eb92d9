"""The enterprise relay SDK: an express company's system forwarding its terminals' sealed records.

The enterprise collects sealed records from its terminals (``TerminalClient.seal`` gives each one
with its session's public claim), relays them in batches of up to 1,000 to
``POST /v1/relay/batches`` with an OAuth2 access token (client credentials), and gets the signed
receipts back. It never holds a key that opens a record: the receipts' masked views and waybill
numbers are what it keeps (the platform also keeps them in the enterprise's store, readable with
:meth:`EnterpriseClient.records`).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterable, Mapping
from typing import Any

import httpx
import orjson

from sealpost.client.receipts import expand_receipts
from sealpost.client.terminal import (
    RETRYABLE_STATUS,
    PendingRecord,
    PlatformError,
    ReceiptTimeoutError,
    _problem,
)

MAX_BATCH = 1000


class EnterpriseClient:
    def __init__(
        self,
        http: httpx.Client,
        *,
        client_id: str,
        client_secret: str,
        max_attempts: int = 6,
        backoff_s: float = 0.2,
        max_backoff_s: float = 5.0,
    ) -> None:
        self._http = http
        self._client_id = client_id
        self._secret = client_secret
        self._token: str | None = None
        self._token_expires = 0.0
        self._max_attempts = max_attempts
        self._backoff = backoff_s
        self._max_backoff = max_backoff_s
        keys = self._http.get("/v1/keys/platform").json()
        self._platform_keys = {kid: base64.b64decode(k) for kid, k in keys["signing_keys"].items()}

    # ------------------------------------------------------------------ OAuth2
    def access_token(self) -> str:
        if self._token is None or time.monotonic() > self._token_expires - 60:
            response = self._http.post(
                "/v1/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self._client_id,
                    "client_secret": self._secret,
                },
            )
            if response.status_code != 200:
                raise PlatformError(response.status_code, _problem(response))
            data = response.json()
            self._token = str(data["access_token"])
            self._token_expires = time.monotonic() + float(data["expires_in"])
        return self._token

    def _headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.access_token()}"}

    # ------------------------------------------------------------------ relay
    def relay(self, records: Iterable[PendingRecord]) -> dict[str, Any]:
        """Forward sealed records unchanged (≤ 1,000 per call); verified receipts and refusals."""
        items = list(records)
        if len(items) > MAX_BATCH:
            raise ValueError(f"at most {MAX_BATCH} records per batch")
        body = orjson.dumps(
            {
                "version": 1,
                "sessions": {r.wire["session"]: r.claim for r in items},
                "records": [r.wire for r in items],
            }
        )
        answer = self._post("/v1/relay/batches", body, params={"proofs": "tree"})
        # The signed tree head comes once (``?proofs=tree``): every receipt handed out is verified
        # and in full form, and the answer keeps the shape of a ``?proofs=full`` one.
        answer["receipts"] = expand_receipts(answer, self._platform_keys)
        answer.pop("tree", None)
        return answer

    def register_terminal(self, *, outlet: str, courier_id: str, public_key: bytes) -> dict[str, Any]:
        response = self._http.post(
            "/v1/terminals",
            json={
                "outlet": outlet,
                "courier_id": courier_id,
                "public_key": base64.b64encode(public_key).decode(),
            },
            headers=self._headers(),
        )
        if response.status_code != 201:
            raise PlatformError(response.status_code, _problem(response))
        data: dict[str, Any] = response.json()
        return data

    def records(self, *, waybill_no: str | None = None, limit: int = 100) -> list[Mapping[str, Any]]:
        """The enterprise's own store: waybill numbers, masked views, outcomes."""
        params: dict[str, Any] = {"limit": limit}
        if waybill_no is not None:
            params["waybill_no"] = waybill_no
        response = self._http.get("/v1/relay/records", params=params, headers=self._headers())
        if response.status_code != 200:
            raise PlatformError(response.status_code, _problem(response))
        return list(response.json()["records"])

    def _post(self, path: str, body: bytes, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        for attempt in range(self._max_attempts):
            try:
                response = self._http.post(
                    path,
                    content=body,
                    headers={**self._headers(), "content-type": "application/json"},
                    params=params,
                )
            except httpx.TransportError:
                response = None
            if response is not None and response.status_code not in RETRYABLE_STATUS:
                if response.status_code == 401:
                    self._token = None
                if response.status_code == 422 and response.json().get("code") == "records_rejected":
                    return {"receipts": [], "rejected": response.json().get("rejected", [])}
                if response.status_code >= 400:
                    raise PlatformError(response.status_code, _problem(response))
                data: dict[str, Any] = orjson.loads(response.content)
                return data
            if attempt + 1 < self._max_attempts:
                time.sleep(min(self._max_backoff, self._backoff * 2**attempt))
        raise ReceiptTimeoutError()
