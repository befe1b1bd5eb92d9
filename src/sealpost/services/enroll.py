"""Use case: enroll a sender — verify the identity document once, register the phone's device key.

Two ways in, one way out:

- **photo**: the front (and back) of a resident ID card, read by OCR in memory
  (:func:`sealpost.services.read_id_card.read_id_card`). Fields the OCR is unsure of must be
  confirmed by the person (typed values sent with the photo); typed values that contradict a
  confidently read field are refused (``ocr_mismatch``);
- **typed**: document type, number, name and phone (and the birth date when the number does not
  carry it: passports, permits).

Then every identity verifier is asked (built-in first, an external service when configured). A
person under 14 is refused (``minor_under_14``); 14–17 are enrolled with the ``minor`` flag. The
sender is found by the keyed blind index of the document number (one person, one sender) or
created with a random ``sender_id``; the identity is stored as one field-cipher ciphertext; the
device key is added. The answer holds only the masked identity.

Nothing personal is logged; the photos are never written anywhere.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Final
from uuid import UUID

from sealpost.domain.identity import DocumentType, check_document, check_phone
from sealpost.domain.identity.card_fields import LONG_TERM, CardField, cross_check, flag_for_confirmation
from sealpost.domain.identity.documents import normalize_document_number
from sealpost.domain.senders import MIN_AGE, SenderIdentityData, china_date
from sealpost.errors import ConflictError, ForbiddenError, NotFoundError, SealpostError
from sealpost.i18n import Text
from sealpost.logging import get_logger
from sealpost.ports.clock import Clock
from sealpost.ports.crypto import BlindIndex, FieldEncryptor
from sealpost.ports.identity_verifier import IdentityClaim, IdentityVerifier, Verdict
from sealpost.ports.ocr import TextRecognizer
from sealpost.ports.senders import (
    DeviceAlgorithm,
    DeviceRecord,
    DeviceSignatures,
    SenderExistsError,
    SenderIndexes,
    SenderRecord,
    SenderRepository,
)
from sealpost.services.read_id_card import CardReading, read_id_card

log = get_logger(__name__)

#: AAD field name of the encrypted identity (the record id is the sender id).
IDENTITY_FIELD: Final = "sender_identity"
#: Card fields a person must confirm when the OCR is unsure of them (the ones we store and rely on).
CONFIRMABLE: Final = ("name", "number", "valid_to")
MAX_PHOTO_BYTES: Final = 8 * 1024 * 1024


def _error(code: str, zh: str, en: str, status: int = 422, **extra: object) -> SealpostError:
    return SealpostError(code, Text(zh, en), status=status, extra=dict(extra) if extra else None)


@dataclass(frozen=True, slots=True)
class EnrollmentRequest:
    """What the phone sends. Personal data: the repr hides it."""

    device_public_key: bytes
    device_algorithm: DeviceAlgorithm = "ES256"
    photo_front: bytes | None = field(default=None, repr=False)
    photo_back: bytes | None = field(default=None, repr=False)
    doc_type: str | None = None
    number: str | None = field(default=None, repr=False)
    name: str | None = field(default=None, repr=False)
    phone: str | None = field(default=None, repr=False)
    birth_date: date | None = field(default=None, repr=False)
    valid_to: date | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class EnrollmentResult:
    sender_id: UUID
    created: bool
    device_kid: str
    device_added: bool
    masked: dict[str, str]
    minor: bool
    adult: bool
    verified_by: str
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "sender_id": str(self.sender_id),
            "created": self.created,
            "device_kid": self.device_kid,
            "device_added": self.device_added,
            "identity": self.masked,
            "minor": self.minor,
            "adult": self.adult,
            "verified_by": self.verified_by,
            "warnings": list(self.warnings),
        }


@dataclass
class SenderEnrollment:
    """The enrollment use case and the sender's own device management."""

    senders: SenderRepository
    fields: FieldEncryptor
    blind: BlindIndex
    devices: DeviceSignatures
    verifiers: Sequence[IdentityVerifier]
    clock: Clock
    recognizer: TextRecognizer | None = None

    # ------------------------------------------------------------------------------ enrollment
    def enroll(self, request: EnrollmentRequest) -> EnrollmentResult:
        now = self.clock.now()
        today = china_date(now)
        public_key = self.devices.normalize_public_key(request.device_algorithm, request.device_public_key)
        kid = self.devices.key_id(public_key)
        if request.photo_front is not None:
            identity, claim = self._from_photo(request, today)
        else:
            identity, claim = self._from_typed(request, today)
        verdicts = self._verify(claim, today)
        if identity.birth_date == date.min:  # no verifier refused an invalid document: never store it
            raise _error("document_invalid", "证件信息无效", "the document is not valid")
        age = identity.age(today)
        if age < MIN_AGE:
            log.info("sender_refused", reason="minor_under_14", doc_type=identity.doc_type)
            raise ForbiddenError(
                "minor_under_14",
                Text(
                    "未满14周岁的未成年人不能自行登记，须由监护人代为办理",
                    "people under 14 cannot enroll themselves; a guardian must do it for them",
                ),
            )
        identity = replace(
            identity,
            verified_by="+".join(v.verifier for v in verdicts),
            verification_ref=next((v.reference for v in verdicts if v.reference), None),
        )
        warnings = tuple(w for v in verdicts for w in v.warnings)
        indexes = SenderIndexes(
            id_number=self.blind.index("id_number", identity.number),
            phone=self.blind.index("phone", identity.phone) if identity.phone else None,
            key_id=self.blind.kid,
        )
        device = DeviceRecord(
            kid=kid,
            sender_id=uuid.UUID(int=0),  # set below, once the sender is known
            algorithm=request.device_algorithm,
            public_key=public_key,
            status="active",
            created_at=now,
        )
        minor = age < 18
        try:
            sender_id, created, added = self._store(identity, indexes, device, minor, now)
        except SenderExistsError:  # a concurrent enrollment of the same document won: join it
            sender_id, created, added = self._store(identity, indexes, device, minor, now)
        log.info(
            "sender_enrolled",
            sender_id=str(sender_id),
            created=created,
            device_added=added,
            doc_type=identity.doc_type,
            source=identity.source,
            minor=minor,
            verified_by=identity.verified_by,
        )
        return EnrollmentResult(
            sender_id=sender_id,
            created=created,
            device_kid=kid,
            device_added=added,
            masked=identity.masked(),
            minor=minor,
            adult=not minor,
            verified_by=identity.verified_by,
            warnings=warnings,
        )

    def _store(
        self,
        identity: SenderIdentityData,
        indexes: SenderIndexes,
        device: DeviceRecord,
        minor: bool,
        now: datetime,
    ) -> tuple[UUID, bool, bool]:
        existing = self.senders.find_by_document(identity.doc_type, indexes.id_number)
        sender_id = existing.sender_id if existing is not None else uuid.uuid4()
        device = replace(device, sender_id=sender_id)
        known = self.senders.get_device(device.kid)
        if known is not None and (known.sender_id != sender_id or not known.active):
            raise ConflictError(
                "device_key_exists",
                Text(
                    "该设备密钥已被使用，请生成新的设备密钥",
                    "this device key is already in use; make a new one",
                ),
            )
        if existing is not None and identity.source == "typed":
            self._check_typed_reenrollment(existing, indexes)
        record = SenderRecord(
            sender_id=sender_id,
            doc_type=identity.doc_type,
            minor=minor,
            identity_ct=self.fields.encrypt_text(str(sender_id), IDENTITY_FIELD, identity.to_json()),
            verified_by=identity.verified_by,
            created_at=existing.created_at if existing is not None else now,
            updated_at=now,
        )
        if existing is None:
            self.senders.create(record, indexes, device)
            return sender_id, True, True
        self.senders.update_identity(record, indexes, device if known is None else None)
        return sender_id, False, known is None

    @staticmethod
    def _check_typed_reenrollment(existing: SenderRecord, indexes: SenderIndexes) -> None:
        """Typed fields alone may add a phone to an existing sender only with the phone on record.

        Knowing someone's name and number must not be enough to take over their identity QR: a
        new phone is added from typed fields only when the phone number matches the enrolled one
        (otherwise photograph the card, or use the external verification service).
        """
        if existing.phone_index is not None and indexes.phone == existing.phone_index:
            return
        log.info("sender_refused", reason="reenroll_phone_mismatch", doc_type=existing.doc_type)
        raise ForbiddenError(
            "reenroll_phone_mismatch",
            Text(
                "该证件已登记：请使用登记时的手机号码，或拍摄身份证重新登记",
                "this document is enrolled already: use the phone number on record, or photograph the card",
            ),
        )

    def _verify(self, claim: IdentityClaim, today: date) -> list[Verdict]:
        verdicts: list[Verdict] = []
        for verifier in self.verifiers:
            verdict = verifier.verify(claim, today)
            if not verdict.ok:
                log.info(
                    "sender_refused",
                    reason=verdict.reason,
                    verifier=verdict.verifier,
                    doc_type=claim.doc_type,
                )
                raise SealpostError(
                    verdict.reason or "identity_not_verified",
                    verdict.message or Text("身份核验未通过", "identity verification failed"),
                    status=422,
                    extra={"verifier": verdict.verifier, **dict(verdict.details)},
                )
            verdicts.append(verdict)
        return verdicts

    # ------------------------------------------------------------------------------ typed fields
    def _from_typed(
        self, request: EnrollmentRequest, today: date
    ) -> tuple[SenderIdentityData, IdentityClaim]:
        missing = [n for n in ("number", "name", "phone") if not getattr(request, n)]
        if missing:
            raise _error(
                "fields_missing",
                "请填写证件号码、姓名和手机号码，或上传身份证照片",
                "give the document number, name and phone, or upload photos of the ID card",
                fields=missing,
            )
        assert request.number is not None and request.name is not None
        doc_type = self._doc_type(request.doc_type)
        check = check_document(request.number, doc_type, today=today)
        resolved = check.doc_type.value if check.doc_type else (doc_type or "unknown")
        from_number = check.resident.birth_date if check.resident is not None else None
        claim = IdentityClaim(
            doc_type=resolved,
            number=check.normalized,
            name=_clean_name(request.name),
            source="typed",
            birth_date=request.birth_date or from_number,
            valid_to=request.valid_to,
        )
        birth = from_number or request.birth_date
        if not check.valid:
            return self._placeholder(claim), claim  # the built-in verifier refuses it with the reason
        if birth is None:
            raise _error(
                "birth_date_required",
                "该证件号码不含出生日期，请填写出生日期",
                "this document number does not carry the birth date: give the birth date",
            )
        phone = self._phone(request.phone)
        identity = SenderIdentityData(
            doc_type=resolved,
            number=check.normalized,
            name=claim.name,
            birth_date=birth,
            phone=phone,
            sex=check.resident.sex if check.resident is not None else None,
            valid_to=request.valid_to.isoformat() if request.valid_to else None,
            source="typed",
        )
        return identity, claim

    @staticmethod
    def _placeholder(claim: IdentityClaim) -> SenderIdentityData:
        return SenderIdentityData(claim.doc_type, claim.number, claim.name, date.min)

    @staticmethod
    def _doc_type(value: str | None) -> str | None:
        if not value:
            return None
        try:
            return DocumentType(value).value
        except ValueError:
            raise _error(
                "unknown_document_type",
                "不支持的证件类型",
                "unsupported document type",
                accepted=[t.value for t in DocumentType],
            ) from None

    @staticmethod
    def _phone(value: str | None) -> str | None:
        if not value:
            return None
        check = check_phone(value)
        if not check.valid:
            raise SealpostError(
                "invalid_phone", check.message, status=422, extra={"phone_reason": check.reason}
            )
        return check.normalized

    # ------------------------------------------------------------------------------ photos
    def _from_photo(
        self, request: EnrollmentRequest, today: date
    ) -> tuple[SenderIdentityData, IdentityClaim]:
        if self.recognizer is None:
            raise _error(
                "ocr_unavailable", "本服务未启用证件识别", "ID card recognition is not enabled here", 503
            )
        if request.doc_type and request.doc_type != DocumentType.RESIDENT_ID.value:
            raise _error(
                "photo_document_type",
                "照片登记仅支持居民身份证，其他证件请手动填写",
                "photo enrollment reads resident ID cards only; type other documents in",
            )
        assert request.photo_front is not None
        for photo in (request.photo_front, request.photo_back):
            if photo is not None and len(photo) > MAX_PHOTO_BYTES:
                raise _error(
                    "photo_too_large", "照片过大（上限 8 MB）", "photo too large (8 MB at most)", 413
                )
        reading = read_id_card(self.recognizer, request.photo_front, request.photo_back, today=today)
        reading = self._apply_confirmations(reading, request, today)
        f = reading.fields

        def value(name: str) -> str | None:
            got = f.get(name)
            return got.value if got is not None else None

        number, name = value("number"), value("name")
        valid_to = value("valid_to")
        claim = IdentityClaim(
            doc_type=DocumentType.RESIDENT_ID.value,
            number=number or "",
            name=name or "",
            source="photo",
            birth_date=reading.check.number.birth_date if reading.check.number else None,
            valid_to=date.fromisoformat(valid_to) if valid_to and valid_to != LONG_TERM else None,
            card_check=reading.check,
        )
        if reading.check.number is None:
            return self._placeholder(claim), claim  # refused by the built-in verifier
        identity = SenderIdentityData(
            doc_type=DocumentType.RESIDENT_ID.value,
            number=reading.check.number.number,
            name=_clean_name(name or ""),
            birth_date=reading.check.number.birth_date,
            phone=self._phone(request.phone),
            sex=reading.check.number.sex,
            ethnicity=value("ethnicity"),
            address=value("address"),
            authority=value("authority"),
            valid_from=value("valid_from"),
            valid_to=valid_to,
            source="photo",
        )
        return identity, claim

    def _apply_confirmations(
        self, reading: CardReading, request: EnrollmentRequest, today: date
    ) -> CardReading:
        """Typed values confirm or correct the fields the OCR was unsure of; they may not contradict
        the fields it read with confidence."""
        typed: dict[str, str] = {}
        if request.name:
            typed["name"] = _clean_name(request.name)
        if request.number:
            typed["number"] = normalize_document_number(request.number)
        if request.valid_to:
            typed["valid_to"] = request.valid_to.isoformat()
        fields = dict(reading.fields)
        for name, given in typed.items():
            current = fields.get(name)
            if current is not None and current.found and not current.needs_confirmation:
                if current.value != given:
                    raise _error(
                        "ocr_mismatch",
                        "填写的信息与证件照片不一致",
                        "the typed details differ from the card photo",
                        fields=[name],
                    )
                continue
            fields[name] = CardField(given, 1.0, corrected=False, needs_confirmation=False)
        wanted = [n for n in CONFIRMABLE if n != "valid_to" or request.photo_back is not None]
        unsure = [n for n in wanted if n not in fields or fields[n].needs_confirmation]
        if unsure:
            raise _error(
                "confirmation_needed",
                "部分信息识别不清，请核对并填写",
                "some fields could not be read with confidence: please type them in",
                fields=unsure,
            )
        if typed:
            check = cross_check(fields, today=today, back_read=request.photo_back is not None)
            fields = flag_for_confirmation(fields, check)
            for name in typed:  # a person's own confirmation stands
                fields[name] = replace(fields[name], needs_confirmation=False)
            return replace(reading, fields=fields, check=check)
        return reading

    # ------------------------------------------------------------------------------ devices
    def list_devices(self, sender_id: UUID) -> list[DeviceRecord]:
        return self.senders.list_devices(sender_id)

    def revoke_device(self, sender_id: UUID, kid: str) -> DeviceRecord:
        device = self.senders.revoke_device(sender_id, kid, self.clock.now())
        if device is None:
            raise NotFoundError("device_not_found", Text("未找到该设备", "no such device for this sender"))
        log.info("sender_device_revoked", sender_id=str(sender_id), kid=kid)
        return device

    def load_identity(self, sender: SenderRecord) -> SenderIdentityData:
        """Decrypt a sender's identity (platform side only)."""
        text = self.fields.decrypt_text(str(sender.sender_id), IDENTITY_FIELD, sender.identity_ct)
        return SenderIdentityData.from_json(text)


def _clean_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).split())
