"""An external identity verification service over HTTP (national identity check / 网证 gateway).

Contract (``docs/protocols/identity-verification.md``)::

    POST {base_url}/v1/identity/verifications
    Authorization: Bearer <token>          Idempotency-Key: <request_id>
    {"request_id": "<uuid>", "purpose": "express_real_name", "document": {"type": "...", "number": "..."},
     "name": "...", "birth_date": "YYYY-MM-DD" | null}

    200 {"request_id": "<same uuid>", "result": "match" | "mismatch" | "not_found" | "document_invalid",
         "reference": "<the service's id for this check>", "checked_at": "<RFC 3339>"}

Anything else (another status, a body that does not follow the contract, a different request id,
a timeout) means the service could not answer: :class:`VerifierUnavailableError` (503), and the
enrollment is refused rather than accepted unverified. One retry on a connection error or a 5xx,
with the same request id (the service must treat it as idempotent).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Final

import httpx

from sealpost.errors import SealpostError
from sealpost.i18n import Text
from sealpost.logging import get_logger
from sealpost.ports.identity_verifier import IdentityClaim, Verdict

log = get_logger(__name__)

PATH: Final = "/v1/identity/verifications"
PURPOSE: Final = "express_real_name"

#: Result → (accepted, reason code, message).
RESULTS: Final[dict[str, tuple[bool, str | None, Text | None]]] = {
    "match": (True, None, None),
    "mismatch": (
        False,
        "identity_mismatch",
        Text(
            "姓名与证件号码不匹配（身份核验服务）",
            "name and document number do not match (verification service)",
        ),
    ),
    "not_found": (
        False,
        "identity_not_found",
        Text("身份核验服务查无此证件", "the verification service has no record of this document"),
    ),
    "document_invalid": (
        False,
        "document_revoked",
        Text(
            "该证件已失效（挂失、注销或过期）",
            "the document is no longer valid (reported lost, cancelled or expired)",
        ),
    ),
}


class VerifierUnavailableError(SealpostError):
    def __init__(self, why: str) -> None:
        super().__init__(
            "identity_verifier_unavailable",
            Text(
                "身份核验服务暂不可用，请稍后再试",
                "the identity verification service is unavailable; try again later",
            ),
            status=503,
        )
        self.why = why


class HttpIdentityVerifier:
    """Implements :class:`sealpost.ports.identity_verifier.IdentityVerifier` over HTTP.

    ``transport`` lets tests pass an ``httpx.MockTransport``; production uses the default one.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout_s: float = 5.0,
        name: str = "external",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._name = name
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=timeout_s,
            transport=transport,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            follow_redirects=False,
        )

    @property
    def name(self) -> str:
        return self._name

    def close(self) -> None:
        self._client.close()

    def verify(self, claim: IdentityClaim, today: date) -> Verdict:
        request_id = str(uuid.uuid4())
        body = {
            "request_id": request_id,
            "purpose": PURPOSE,
            "document": {"type": claim.doc_type, "number": claim.number},
            "name": claim.name,
            "birth_date": claim.birth_date.isoformat() if claim.birth_date else None,
        }
        answer = self._post(body, request_id)
        result = answer.get("result")
        if result not in RESULTS or answer.get("request_id") != request_id:
            log.warning("identity_verifier_bad_answer", verifier=self._name, result=str(result)[:32])
            raise VerifierUnavailableError("answer does not follow the contract")
        ok, reason, message = RESULTS[result]
        reference = answer.get("reference")
        reference = reference if isinstance(reference, str) and len(reference) <= 128 else None
        log.info("identity_verified_externally", verifier=self._name, result=result)
        return Verdict(ok, self._name, reason, message, reference=reference)

    def _post(self, body: dict[str, Any], request_id: str) -> dict[str, Any]:
        last = "no attempt"
        for attempt in (1, 2):
            try:
                response = self._client.post(PATH, json=body, headers={"Idempotency-Key": request_id})
            except httpx.TransportError as exc:
                last = type(exc).__name__
                log.warning("identity_verifier_unreachable", verifier=self._name, attempt=attempt, error=last)
                continue
            if response.status_code >= 500:
                last = f"http {response.status_code}"
                log.warning("identity_verifier_error", verifier=self._name, attempt=attempt, status=last)
                continue
            if response.status_code != 200:
                log.warning("identity_verifier_refused", verifier=self._name, status=response.status_code)
                raise VerifierUnavailableError(f"http {response.status_code}")
            try:
                data = response.json()
            except ValueError:
                raise VerifierUnavailableError("answer is not JSON") from None
            if not isinstance(data, dict):
                raise VerifierUnavailableError("answer is not a JSON object")
            return data
        raise VerifierUnavailableError(last)
