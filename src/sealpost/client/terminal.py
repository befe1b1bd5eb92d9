"""The courier terminal SDK: identify the sender, check the item, seal, submit, verify the receipt.

A :class:`TerminalClient` is what a courier's PDA or phone app (or the simulator and the
benchmark) runs. It keeps every record **in memory only** until the platform's signed receipt
arrives; it seals every personal field before anything leaves the device (one session key per
terminal session, AES-GCM per record — :mod:`sealpost.client.sealing`); it retries with
exponential backoff; it raises an **alarm** through a callback when a record has no receipt
30 s after it was collected (the parcel must not be accepted or labelled until then); and it
checks each receipt's Merkle inclusion proof and the platform's signature before handing it over.
"""

from __future__ import annotations

import base64
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from sealpost.adapters.crypto import get_suite
from sealpost.client.receipts import expand_receipts, verify_receipt
from sealpost.client.sealing import SealingSession, uuid7
from sealpost.domain.records import Party, PersonalFields, format_time, terminal_batch_message, walk_in_aad
from sealpost.errors import SealpostError
from sealpost.i18n import Text

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class PlatformError(SealpostError):
    """The platform refused a request (its problem+json ``code`` and ``detail``)."""

    def __init__(self, status: int, problem: Mapping[str, Any]) -> None:
        detail = str(problem.get("detail") or problem.get("title") or "")
        super().__init__(str(problem.get("code", f"http_{status}")), Text(detail, detail), status=status)
        self.problem = dict(problem)


class ReceiptTimeoutError(SealpostError):
    def __init__(self) -> None:
        super().__init__(
            "receipt_timeout",
            Text(
                "未能在规定时间内取得回执，请勿收寄或打印面单",
                "no receipt in time: do not accept or label the parcel",
            ),
            status=504,
        )


@dataclass(frozen=True, slots=True)
class Pickup:
    """What the courier entered for one parcel. Personal fields stay in this object (memory)."""

    waybill_no: str
    sender: Party
    recipient: Party
    origin_county: str
    destination_county: str
    item_name: str
    item_category: str
    quantity: int
    weight_g: int
    declared_value_fen: int
    inspected: bool
    identity_ref: str | None = None
    sender_kind: str = "qr"
    agreement_customer_id: str | None = None
    inspection_photo_sha256: str | None = None
    sort_code: str | None = None

    def __repr__(self) -> str:
        return f"Pickup(waybill_no={self.waybill_no!r}, <personal fields redacted>)"


@dataclass(slots=True)
class PendingRecord:
    """A record sealed but not yet receipted (memory only)."""

    record_id: str
    waybill_no: str
    collected_at: float
    wire: dict[str, Any] = field(repr=False)
    claim: dict[str, str] = field(repr=False)
    alarmed: bool = False


@dataclass(frozen=True, slots=True)
class SubmitResult:
    receipts: dict[str, dict[str, Any]]
    rejected: dict[str, dict[str, Any]]


class TerminalClient:
    """One courier terminal talking to the platform in direct mode (``POST /v1/records``)."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        terminal_id: str,
        token: str,
        signing_private: bytes,
        company: str,
        outlet: str,
        courier_id: str,
        on_alarm: Callable[[PendingRecord], None] | None = None,
        deadline_s: float = 30.0,
        max_attempts: int = 8,
        backoff_s: float = 0.2,
        max_backoff_s: float = 5.0,
        session_records: int = 10_000,
    ) -> None:
        self._http = http
        self.terminal_id = terminal_id
        self._token = token
        self._signing_private = signing_private
        self.company = company
        self.outlet = outlet
        self.courier_id = courier_id
        self._on_alarm = on_alarm
        self.deadline_s = deadline_s
        self._max_attempts = max_attempts
        self._backoff = backoff_s
        self._max_backoff = max_backoff_s
        self._session_records = session_records
        self._lock = threading.Lock()
        self._pending: dict[str, PendingRecord] = {}
        self._timers: dict[str, threading.Timer] = {}
        keys = self._request("GET", "/v1/keys/platform", auth=False)
        self.suite = str(keys["suite"])
        self._crypto = get_suite(self.suite)
        self._platform_signing_keys = {kid: base64.b64decode(k) for kid, k in keys["signing_keys"].items()}
        self._platform_sealing_key = base64.b64decode(keys["sealing_key"]["public"])
        self._session: SealingSession | None = None

    # ------------------------------------------------------------------ sessions
    def _current_session(self) -> SealingSession:
        with self._lock:
            if self._session is None or self._session.expired:
                if self._session is not None:
                    self._session.close()
                self._session = SealingSession(
                    terminal_id=self.terminal_id,
                    signing_private=self._signing_private,
                    platform_public=self._platform_sealing_key,
                    suite=self.suite,
                    max_records=self._session_records,
                )
            return self._session

    def close(self) -> None:
        """Forget the session key and cancel alarms (records not yet receipted are dropped)."""
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None
            for timer in self._timers.values():
                timer.cancel()
            self._timers.clear()
            self._pending.clear()

    @property
    def pending(self) -> list[PendingRecord]:
        with self._lock:
            return list(self._pending.values())

    # ------------------------------------------------------------------ pickup steps
    def identify(self, qr_text: str) -> dict[str, Any]:
        """Scan of a sender's identity QR → masked identity + one-time ``identity_ref``."""
        return self._request("POST", "/v1/pickups/identify", json_body={"qr": qr_text})

    def walk_in(
        self,
        *,
        document_number: str | None = None,
        name: str | None = None,
        document_type: str | None = None,
        photo: bytes | None = None,
    ) -> dict[str, Any]:
        """A walk-in without the app: the ID card's typed fields, or a photo of it, sealed to the
        platform (never sent or kept in clear), answered like :meth:`identify`."""
        session = self._current_session()
        if photo is not None:
            kind, data = "photo", photo
        else:
            kind = "fields"
            data = orjson.dumps(
                {"document_type": document_type, "document_number": document_number, "name": name}
            )
        body = {
            "kind": kind,
            "session": session.claim,
            "sealed": session.seal_blob(data, walk_in_aad(kind, self.terminal_id)),
        }
        return self._request("POST", "/v1/pickups/walk-in", json_body=body)

    def check(self, *, identity_ref: str | None, item_name: str, inspected: bool) -> dict[str, Any]:
        """The platform's pickup check: item (prohibited → refused and intercepted), inspection, ref."""
        return self._request(
            "POST",
            "/v1/pickups/check",
            json_body={"identity_ref": identity_ref, "item_name": item_name, "inspected": inspected},
        )

    def refuse(self, reason: str, *, identity_ref: str | None = None) -> dict[str, Any]:
        """Report a refused pickup (``id_refused``, ``id_mismatch``, ``inspection_refused``)."""
        return self._request(
            "POST", "/v1/pickups/refusals", json_body={"reason": reason, "identity_ref": identity_ref}
        )

    def pickup(self, pickup: Pickup) -> dict[str, Any]:
        """Check, seal, submit and verify one parcel; returns its signed receipt.

        Raises :class:`PlatformError` when the platform refuses (prohibited item, inspection
        refused, invalid reference…) and :class:`ReceiptTimeoutError` when no receipt came back.
        """
        self.check(identity_ref=pickup.identity_ref, item_name=pickup.item_name, inspected=pickup.inspected)
        result = self.submit([pickup])
        if result.receipts:
            return next(iter(result.receipts.values()))
        rejected = next(iter(result.rejected.values()))
        raise PlatformError(422, {"code": rejected["reason"], "detail": rejected.get("message")})

    # ------------------------------------------------------------------ submission
    def meta(
        self, pickup: Pickup, record_id: str | None = None, collected_at: datetime | None = None
    ) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "record_id": record_id or uuid7(),
            "terminal_id": self.terminal_id,
            "company": self.company,
            "outlet": self.outlet,
            "courier_id": self.courier_id,
            "waybill_no": pickup.waybill_no,
            "origin_county": pickup.origin_county,
            "destination_county": pickup.destination_county,
            "item_name": pickup.item_name,
            "item_category": pickup.item_category,
            "quantity": pickup.quantity,
            "weight_g": pickup.weight_g,
            "declared_value_fen": pickup.declared_value_fen,
            "inspected": pickup.inspected,
            "sender_kind": pickup.sender_kind,
            "collected_at": format_time(collected_at or datetime.now(UTC)),
        }
        optional = {
            "identity_ref": pickup.identity_ref,
            "agreement_customer_id": pickup.agreement_customer_id,
            "inspection_photo_sha256": pickup.inspection_photo_sha256,
            "sort_code": pickup.sort_code,
        }
        meta.update({k: v for k, v in optional.items() if v is not None})
        return meta

    def seal(self, pickups: Iterable[Pickup]) -> list[PendingRecord]:
        """Seal pickups into pending records (memory only) and start their 30-second alarms."""
        session = self._current_session()
        out: list[PendingRecord] = []
        for p in pickups:
            meta = self.meta(p)
            wire = session.seal(meta, PersonalFields(p.sender, p.recipient))
            out.append(PendingRecord(meta["record_id"], p.waybill_no, time.monotonic(), wire, session.claim))
        with self._lock:
            for rec in out:
                self._pending[rec.record_id] = rec
                timer = threading.Timer(self.deadline_s, self._alarm, args=(rec.record_id,))
                timer.daemon = True
                self._timers[rec.record_id] = timer
                timer.start()
        return out

    def submit(self, pickups: Iterable[Pickup]) -> SubmitResult:
        return self.send(self.seal(pickups))

    def send(self, records: list[PendingRecord]) -> SubmitResult:
        """Post sealed records (retrying), verify every receipt, forget the receipted ones."""
        # Each record names its session; a retry after the session rotated still carries the
        # old session's (public) claim, so the platform can open it.
        payload = {
            "version": 1,
            "sessions": {r.wire["session"]: r.claim for r in records},
            "records": [r.wire for r in records],
        }
        body = orjson.dumps(payload)
        signature = base64.b64encode(
            self._crypto.sign(self._signing_private, terminal_batch_message(body))
        ).decode()
        answer = self._post_batch(body, signature)
        receipts: dict[str, dict[str, Any]] = {}
        for receipt in expand_receipts(answer, self._platform_signing_keys):  # verified, full form
            receipts[receipt["record_id"]] = receipt
        rejected = {r["record_id"]: r for r in answer.get("rejected", []) if r.get("record_id")}
        with self._lock:
            for record_id in list(receipts) + list(rejected):
                self._pending.pop(record_id, None)
                timer = self._timers.pop(record_id, None)
                if timer is not None:
                    timer.cancel()
        return SubmitResult(receipts, rejected)

    def accept_receipts(self, receipts: Iterable[Mapping[str, Any]]) -> list[str]:
        """Receipts that came back another way (enterprise relay): verify, then forget the records."""
        done: list[str] = []
        for receipt in receipts:
            verify_receipt(receipt, self._platform_signing_keys)
            done.append(str(receipt["record_id"]))
        with self._lock:
            for record_id in done:
                self._pending.pop(record_id, None)
                timer = self._timers.pop(record_id, None)
                if timer is not None:
                    timer.cancel()
        return done

    def _post_batch(self, body: bytes, signature: str) -> dict[str, Any]:
        headers = {
            "authorization": f"Bearer {self._token}",
            "content-type": "application/json",
            "x-sealpost-signature": signature,
        }
        for attempt in range(self._max_attempts):
            try:
                response = self._http.post(
                    "/v1/records", content=body, headers=headers, params={"proofs": "tree"}
                )
            except httpx.TransportError:
                response = None
            if response is not None and response.status_code not in RETRYABLE_STATUS:
                if response.status_code == 422:
                    problem = response.json()
                    if problem.get("code") == "records_rejected":
                        return {"receipts": [], "rejected": problem.get("rejected", [])}
                if response.status_code >= 400:
                    raise PlatformError(response.status_code, _problem(response))
                data: dict[str, Any] = orjson.loads(response.content)
                return data
            if attempt + 1 < self._max_attempts:
                delay = min(self._max_backoff, self._backoff * 2**attempt)
                time.sleep(delay * (0.5 + random.random() / 2))  # jitter
        raise ReceiptTimeoutError()

    def _alarm(self, record_id: str) -> None:
        with self._lock:
            record = self._pending.get(record_id)
            self._timers.pop(record_id, None)
            if record is None:
                return
            record.alarmed = True
        if self._on_alarm is not None:
            self._on_alarm(record)

    # ------------------------------------------------------------------ plumbing
    def _request(
        self, method: str, path: str, *, json_body: Mapping[str, Any] | None = None, auth: bool = True
    ) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {self._token}"} if auth else {}
        for attempt in range(self._max_attempts):
            try:
                response = self._http.request(
                    method,
                    path,
                    content=orjson.dumps(json_body) if json_body is not None else None,
                    headers={**headers, "content-type": "application/json"}
                    if json_body is not None
                    else headers,
                )
            except httpx.TransportError:
                response = None
            if response is not None and response.status_code not in RETRYABLE_STATUS:
                if response.status_code >= 400:
                    raise PlatformError(response.status_code, _problem(response))
                data: dict[str, Any] = response.json()
                return data
            if attempt + 1 < self._max_attempts:
                time.sleep(min(self._max_backoff, self._backoff * 2**attempt))
        raise PlatformError(503, {"code": "platform_unreachable", "detail": "platform unreachable"})


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {"code": f"http_{response.status_code}"}
    return data if isinstance(data, dict) else {"code": f"http_{response.status_code}"}
