"""Use case: a courier scans a sender's identity QR — who is this, may I take their parcel?

In order, each failure with its own reason code:

1. parse ``SPQ1:`` + base45 and the envelope header (``malformed``, ``wrong_suite``);
2. open the sealed box with the platform's sealing key (``malformed``: truncated, tampered, or
   sealed to another key; ``wrong_suite`` when this deployment's keys are of another suite);
3. split payload and signature; the signed suite must equal the envelope's (``wrong_suite``);
4. find the device key (``unknown_device``), check the signature (``bad_signature``) and that the
   device belongs to the sender named (``bad_signature``), then that it is active (``revoked_device``);
5. the time step must be within ±60 s of now (``expired``);
6. decrypt the sender's identity and refuse an expired document (``document_expired``; the code is
   used up all the same);
7. in ONE transaction (:class:`~sealpost.ports.senders.IdentifyLedger`): claim the token in the
   replay table shared by every worker (``replayed``), only while the device is still active
   (``revoked_device``), and store the one-time ``identity_ref`` for this courier (10 minutes).
   Only a token that passed every other check is claimed. With the Redis replay cache the claim
   and the reference are two steps (claim first).

The courier gets the masked identity (name, document type, masked number) and the adult flag.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Final, Protocol

from sealpost.domain import identity_qr as qr
from sealpost.domain.identity.card_fields import LONG_TERM
from sealpost.domain.records import SenderIdentity
from sealpost.domain.senders import SenderIdentityData, china_date
from sealpost.errors import SealpostError
from sealpost.i18n import Text
from sealpost.logging import get_logger
from sealpost.ports.clock import Clock
from sealpost.ports.crypto import CryptoError, FieldEncryptor, Unsealer, UnsupportedSuite
from sealpost.ports.identity_refs import IdentityRefs, RefSource, VerifiedSender
from sealpost.ports.senders import (
    ClaimOutcome,
    DeviceRecord,
    DeviceSignatures,
    IdentifyLedger,
    ReplayCache,
    SenderRecord,
    SenderRepository,
)
from sealpost.services.enroll import IDENTITY_FIELD

log = get_logger(__name__)

#: The replay cache keeps a token this long after its step window closed (beyond any acceptance).
REPLAY_MARGIN_S: Final = 30

_T = Text
REASONS: Final[dict[str, tuple[int, Text]]] = {
    "malformed": (400, _T("二维码无法识别或已损坏", "the code is not a valid identity QR or is damaged")),
    "wrong_suite": (400, _T("二维码的密码套件不受支持", "the code's crypto suite is not accepted here")),
    "unknown_device": (422, _T("未登记的设备，请寄件人重新登记", "unknown device: the sender must enroll")),
    "revoked_device": (403, _T("该设备已注销", "this device was revoked by the sender")),
    "bad_signature": (422, _T("二维码签名无效（可能是伪造）", "invalid signature: the code may be forged")),
    "expired": (422, _T("二维码已过期，请寄件人刷新", "the code has expired: ask for a fresh one")),
    "replayed": (409, _T("该二维码已被使用，请寄件人刷新", "this code was already used: ask for a new one")),
    "document_expired": (422, _T("寄件人的证件已过期，请重新登记", "the sender's document has expired")),
}


class IdentifyRejectedError(SealpostError):
    """The code was refused; ``code`` is the reason (see :data:`REASONS`)."""

    def __init__(self, reason: str, detail: str | None = None) -> None:
        status, message = REASONS[reason]
        super().__init__(reason, message, status=status, extra={"reason": reason})
        self.detail = detail


class PrepareRef(Protocol):
    """Make a reference without storing it (``SqlIdentityRefs.prepare``: the ledger stores it)."""

    def __call__(
        self,
        *,
        courier_id: str,
        source: RefSource,
        identity: SenderIdentity,
        masked: dict[str, str],
        now: datetime,
        sender_id: str | None = None,
        adult: bool | None = None,
    ) -> VerifiedSender: ...


@dataclass(frozen=True, slots=True)
class IdentifyResult:
    identity_ref: str
    expires_at: datetime
    masked: dict[str, str]
    adult: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "identity_ref": self.identity_ref,
            "expires_at": self.expires_at.isoformat(),
            "identity": self.masked,
            "adult": self.adult,
        }


@dataclass(frozen=True, slots=True)
class _Accepted:
    """A code that passed every check but one-time use: what remains is one database transaction."""

    token: bytes
    window_end: datetime
    kid: str
    ref: VerifiedSender
    masked: dict[str, str]
    adult: bool


@dataclass
class SenderIdentifier:
    """With a ``ledger`` (the SQL replay cache), the token claim and the ``identity_ref`` are
    stored in one transaction (group-committed with concurrent requests); without one (the Redis
    replay cache), the token is claimed in ``replay`` and the reference issued through ``refs``."""

    senders: SenderRepository
    devices: DeviceSignatures
    replay: ReplayCache
    unsealer: Unsealer
    fields: FieldEncryptor
    refs: IdentityRefs
    clock: Clock
    ledger: IdentifyLedger | None = None
    prepare_ref: PrepareRef | None = None

    def identify(self, text: str, courier_id: str) -> IdentifyResult:
        try:
            accepted = self._check(text, courier_id)
            if self.ledger is not None and accepted is not None:
                outcome = self.ledger.claim_and_store(
                    accepted.token, accepted.window_end, accepted.kid, accepted.ref
                )
                return self._finish(accepted, outcome)
            return self._identify_unbatched(text, courier_id)
        except IdentifyRejectedError as exc:
            log.info("identity_qr_rejected", reason=exc.code, courier_id=courier_id, detail=exc.detail)
            raise

    async def identify_async(self, text: str, courier_id: str) -> IdentifyResult:
        """The same from an event loop: the checks run inline (CPU, plus the device lookup, which
        the ledger may batch with concurrent requests), the transaction is group-committed by the
        ledger; without a ledger, everything runs in a worker thread."""
        try:
            if self.ledger is not None and self.prepare_ref is not None:
                now = self.clock.now()
                payload, signature = self._open(text)
                found = await self.ledger.device_with_sender_async(payload.device_kid.hex())
                accepted = self._accept(payload, signature, found, now, courier_id)
                outcome = await self.ledger.claim_and_store_async(
                    accepted.token, accepted.window_end, accepted.kid, accepted.ref
                )
                return self._finish(accepted, outcome)
        except IdentifyRejectedError as exc:
            log.info("identity_qr_rejected", reason=exc.code, courier_id=courier_id, detail=exc.detail)
            raise
        return await asyncio.to_thread(self.identify, text, courier_id)

    def _finish(self, accepted: _Accepted, outcome: ClaimOutcome) -> IdentifyResult:
        if outcome == "replayed":
            raise IdentifyRejectedError("replayed")
        if outcome == "revoked":
            raise IdentifyRejectedError("revoked_device", "revoked during the check")
        ref = accepted.ref
        return IdentifyResult(ref.ref, ref.expires_at, accepted.masked, accepted.adult)

    def _check(self, text: str, courier_id: str) -> _Accepted | None:
        """Every check before one-time use; None when this identifier has no ledger."""
        if self.ledger is None or self.prepare_ref is None:
            return None
        now = self.clock.now()
        payload, signature = self._open(text)
        found = self.ledger.device_with_sender(payload.device_kid.hex())
        return self._accept(payload, signature, found, now, courier_id)

    def _accept(
        self,
        payload: qr.IdentityQrPayload,
        signature: bytes,
        found: tuple[DeviceRecord, SenderRecord] | None,
        now: datetime,
        courier_id: str,
    ) -> _Accepted:
        """Steps 4–6 for a code whose device lookup gave ``found``; the reference, not stored."""
        assert self.ledger is not None and self.prepare_ref is not None
        device, sender = self._authorize(payload, signature, found, now)
        token, window_end = _token(payload)
        identity = self._identity(sender)
        today = china_date(now)
        if _expired(identity.valid_to, today):
            # Refused, but the code is used up all the same (a second try says "replayed").
            if not self.ledger.claim(token, window_end):
                raise IdentifyRejectedError("replayed")
            raise IdentifyRejectedError("document_expired")
        masked, adult, sender_identity = _views(identity, sender, today)
        ref = self.prepare_ref(
            courier_id=courier_id,
            source="qr",
            identity=sender_identity,
            masked={k: masked[k] for k in ("name", "document_type", "document_number")},
            now=now,
            sender_id=str(sender.sender_id),
            adult=adult,
        )
        return _Accepted(token, window_end, device.kid, ref, masked, adult)

    def _open(self, text: str) -> tuple[qr.IdentityQrPayload, bytes]:
        """Steps 1–3: parse, unseal, split payload and signature."""
        try:
            version, suite, sealed = qr.decode_text(text)
        except qr.IdentityQrError as exc:
            raise IdentifyRejectedError(exc.reason, exc.detail) from None
        try:
            plaintext = self.unsealer.open_sealed(sealed, qr.envelope_aad(version, suite), qr.SEAL_INFO)
        except UnsupportedSuite:
            raise IdentifyRejectedError("wrong_suite", "sealed with another suite") from None
        except CryptoError as exc:
            raise IdentifyRejectedError("malformed", exc.code) from None
        try:
            return qr.decode_payload(plaintext, suite=suite)
        except qr.IdentityQrError as exc:
            raise IdentifyRejectedError(exc.reason, exc.detail) from None

    def _authorize(
        self,
        payload: qr.IdentityQrPayload,
        signature: bytes,
        found: tuple[DeviceRecord, SenderRecord] | None,
        now: datetime,
    ) -> tuple[DeviceRecord, SenderRecord]:
        """Steps 4–5: the device (``found`` by its key id), signature, status, freshness."""
        if found is None:
            raise IdentifyRejectedError("unknown_device")
        device, sender = found
        if not self.devices.verify(device.algorithm, device.public_key, payload.signing_message(), signature):
            raise IdentifyRejectedError("bad_signature")
        if device.sender_id != payload.sender_id:
            raise IdentifyRejectedError("bad_signature", "device registered to another sender")
        if not device.active:
            raise IdentifyRejectedError("revoked_device")
        if not qr.step_window_ok(payload.time_step, now):
            raise IdentifyRejectedError("expired", f"step {payload.time_step}")
        return device, sender

    def _identity(self, sender: SenderRecord) -> SenderIdentityData:
        return SenderIdentityData.from_json(
            self.fields.decrypt_text(str(sender.sender_id), IDENTITY_FIELD, sender.identity_ct)
        )

    def _identify_unbatched(self, text: str, courier_id: str) -> IdentifyResult:
        """Claim in the replay cache, then issue the reference (the Redis replay cache's path)."""
        now = self.clock.now()
        payload, signature = self._open(text)
        found = self.senders.get_device_with_sender(payload.device_kid.hex())
        _device, sender = self._authorize(payload, signature, found, now)
        token, window_end = _token(payload)
        if not self.replay.claim(token, window_end):
            raise IdentifyRejectedError("replayed")
        identity = self._identity(sender)
        today = china_date(now)
        if _expired(identity.valid_to, today):
            raise IdentifyRejectedError("document_expired")
        masked, adult, sender_identity = _views(identity, sender, today)
        ref = self.refs.issue(
            courier_id=courier_id,
            source="qr",
            identity=sender_identity,
            masked={k: masked[k] for k in ("name", "document_type", "document_number")},
            now=now,
            sender_id=str(sender.sender_id),
            adult=adult,
        )
        return IdentifyResult(ref.ref, ref.expires_at, masked, adult)


def _token(payload: qr.IdentityQrPayload) -> tuple[bytes, datetime]:
    """The code's one-time token and when the replay cache may forget it."""
    token = hashlib.sha256(b"identity-qr\x00" + payload.signed_bytes()).digest()
    window_end = (payload.time_step + 1) * qr.STEP_SECONDS + qr.TOLERANCE_SECONDS + REPLAY_MARGIN_S
    return token, datetime.fromtimestamp(window_end, UTC)


def _views(
    identity: SenderIdentityData, sender: SenderRecord, today: date
) -> tuple[dict[str, str], bool, SenderIdentity]:
    masked = identity.masked(phone=False)  # name, document_type(_label), document_number
    clear = SenderIdentity(
        name=identity.name,
        document_type=identity.doc_type,
        document_number=identity.number,
        sender_id=str(sender.sender_id),
    )
    return masked, identity.adult(today), clear


def _expired(valid_to: str | None, today: date) -> bool:
    if not valid_to or valid_to == LONG_TERM:
        return False
    try:
        return date.fromisoformat(valid_to) < today
    except ValueError:
        return False
