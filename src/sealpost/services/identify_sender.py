"""Use case: a courier scans a sender's identity QR — who is this, may I take their parcel?

In order, each failure with its own reason code:

1. parse ``SPQ1:`` + base45 and the envelope header (``malformed``, ``wrong_suite``);
2. open the sealed box with the platform's sealing key (``malformed``: truncated, tampered, or
   sealed to another key; ``wrong_suite`` when this deployment's keys are of another suite);
3. split payload and signature; the signed suite must equal the envelope's (``wrong_suite``);
4. find the device key (``unknown_device``), check the signature (``bad_signature``) and that the
   device belongs to the sender named (``bad_signature``), then that it is active (``revoked_device``);
5. the time step must be within ±60 s of now (``expired``);
6. claim the token in the replay cache, shared by every worker and kept in the database
   (``replayed``). Only a token that passed every other check is claimed;
7. decrypt the sender's identity, refuse an expired document (``document_expired``), and issue a
   one-time ``identity_ref`` for this courier (10 minutes) through the identity-refs port.

The courier gets the masked identity (name, document type, masked number) and the adult flag.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Final

from sealpost.domain import identity_qr as qr
from sealpost.domain.identity.card_fields import LONG_TERM
from sealpost.domain.records import SenderIdentity
from sealpost.domain.senders import SenderIdentityData, china_date
from sealpost.errors import SealpostError
from sealpost.i18n import Text
from sealpost.logging import get_logger
from sealpost.ports.clock import Clock
from sealpost.ports.crypto import CryptoError, FieldEncryptor, Unsealer, UnsupportedSuite
from sealpost.ports.identity_refs import IdentityRefs
from sealpost.ports.senders import DeviceSignatures, ReplayCache, SenderRepository
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


@dataclass
class SenderIdentifier:
    senders: SenderRepository
    devices: DeviceSignatures
    replay: ReplayCache
    unsealer: Unsealer
    fields: FieldEncryptor
    refs: IdentityRefs
    clock: Clock

    def identify(self, text: str, courier_id: str) -> IdentifyResult:
        try:
            result = self._identify(text, courier_id)
        except IdentifyRejectedError as exc:
            log.info("identity_qr_rejected", reason=exc.code, courier_id=courier_id, detail=exc.detail)
            raise
        log.debug("identity_qr_accepted", courier_id=courier_id)
        return result

    def _identify(self, text: str, courier_id: str) -> IdentifyResult:
        now = self.clock.now()
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
            payload, signature = qr.decode_payload(plaintext, suite=suite)
        except qr.IdentityQrError as exc:
            raise IdentifyRejectedError(exc.reason, exc.detail) from None
        found = self.senders.get_device_with_sender(payload.device_kid.hex())
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
        token = hashlib.sha256(b"identity-qr\x00" + payload.signed_bytes()).digest()
        window_end = (payload.time_step + 1) * qr.STEP_SECONDS + qr.TOLERANCE_SECONDS + REPLAY_MARGIN_S
        if not self.replay.claim(token, datetime.fromtimestamp(window_end, UTC)):
            raise IdentifyRejectedError("replayed")
        identity = SenderIdentityData.from_json(
            self.fields.decrypt_text(str(sender.sender_id), IDENTITY_FIELD, sender.identity_ct)
        )
        today = china_date(now)
        if _expired(identity.valid_to, today):
            raise IdentifyRejectedError("document_expired")
        full = identity.masked()
        masked = {k: full[k] for k in ("name", "document_type", "document_type_label", "document_number")}
        adult = identity.adult(today)
        ref = self.refs.issue(
            courier_id=courier_id,
            source="qr",
            identity=SenderIdentity(
                name=identity.name,
                document_type=identity.doc_type,
                document_number=identity.number,
                sender_id=str(sender.sender_id),
            ),
            masked={k: masked[k] for k in ("name", "document_type", "document_number")},
            now=now,
            sender_id=str(sender.sender_id),
            adult=adult,
        )
        return IdentifyResult(ref.ref, ref.expires_at, masked, adult)


def _expired(valid_to: str | None, today: date) -> bool:
    if not valid_to or valid_to == LONG_TERM:
        return False
    try:
        return date.fromisoformat(valid_to) < today
    except ValueError:
        return False
