"""Courier credentials: a company registers a courier, the platform vouches, a sender checks.

* :func:`register_courier`: the company gives name, phone, employee number, outlet, photo and the
  courier device's public key; the platform stores name/phone/photo encrypted and signs a
  credential that carries only the masked name.
* :func:`verify_courier_qr`: what a sender's phone (offline) and the platform (online) check:
  platform signature, validity, the device's fresh signature, and (online) revocation.
* :func:`revoke_courier`: the courier left the company; every later online check fails at once
  (the status is read from storage on every check, never cached).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sealpost.domain import courier_credential as cc
from sealpost.domain.identity.phone import check_phone
from sealpost.domain.masking import mask_name
from sealpost.errors import NotFoundError, SealpostError
from sealpost.i18n import Text
from sealpost.ports.clock import Clock
from sealpost.ports.couriers import CourierRepository, StoredCourier
from sealpost.ports.crypto import BlindIndex, CryptoError, FieldEncryptor, Signer, UnknownKey, Verifier
from sealpost.ports.senders import DeviceSignatures

DEFAULT_VALIDITY = timedelta(days=365)
MAX_PHOTO_BYTES = 512 * 1024


@dataclass(frozen=True, slots=True)
class IssuedCredential:
    """What the courier's device keeps to show its QR (nothing secret: the QR is public)."""

    courier_id: str
    credential: cc.CourierCredential
    platform_kid: str
    platform_sig: bytes
    suite: int

    def to_json(self) -> dict[str, object]:
        return {
            "courier_id": self.courier_id,
            "credential": self.credential.body().decode(),
            "platform_kid": self.platform_kid,
            "platform_sig": self.platform_sig.hex(),
            "suite": self.suite,
        }

    @classmethod
    def from_json(cls, obj: dict[str, object]) -> IssuedCredential:
        body = str(obj["credential"]).encode()
        return cls(
            courier_id=str(obj["courier_id"]),
            credential=cc.CourierCredential.from_body(body),
            platform_kid=str(obj["platform_kid"]),
            platform_sig=bytes.fromhex(str(obj["platform_sig"])),
            suite=int(str(obj["suite"])),
        )


def _bad(code: str, zh: str, en: str) -> SealpostError:
    return SealpostError(code, Text(zh, en), status=422)


def register_courier(
    *,
    repo: CourierRepository,
    signer: Signer,
    fields: FieldEncryptor,
    blind: BlindIndex,
    devices: DeviceSignatures,
    clock: Clock,
    suite_name: str,
    company: str,
    company_name: str,
    name: str,
    phone: str,
    employee_no: str,
    outlet: str,
    device_public_key: bytes,
    photo: bytes | None = None,
    validity: timedelta = DEFAULT_VALIDITY,
) -> IssuedCredential:
    """Register a courier for ``company`` and issue their signed credential."""
    name = name.strip()
    if not name or len(name) > 40:
        raise _bad("invalid_name", "姓名不能为空且不超过40个字", "name must be 1–40 characters")
    for value, label in ((company, "company"), (employee_no, "employee_no"), (outlet, "outlet")):
        if not value.strip() or len(value) > 40:
            raise _bad(
                f"invalid_{label}", f"{label} 不能为空且不超过40个字符", f"{label} must be 1–40 characters"
            )
    checked = check_phone(phone)
    if not checked.valid or checked.kind != "mobile":
        raise _bad("invalid_phone", "快递员手机号码无效", "the courier's mobile number is invalid")
    if photo is not None and len(photo) > MAX_PHOTO_BYTES:
        raise _bad("photo_too_large", "照片不能超过512KB", "photo must be at most 512 KB")
    device_key = devices.normalize_public_key("ES256", device_public_key)
    if validity < timedelta(minutes=1):
        raise _bad("invalid_validity", "有效期过短", "validity too short")

    now = clock.now()
    courier_id = str(uuid.uuid4())
    photo_sha256 = hashlib.sha256(photo or b"").hexdigest()
    credential = cc.CourierCredential(
        courier_id=courier_id,
        company=company.strip(),
        company_name=company_name.strip() or company.strip(),
        masked_name=mask_name(name),
        employee_no=employee_no.strip(),
        outlet=outlet.strip(),
        photo_sha256=photo_sha256,
        device_key=device_key.hex(),
        valid_from=int(now.timestamp()),
        valid_to=int((now + validity).timestamp()),
    )
    signature = signer.sign(credential.signing_message())
    repo.add(
        StoredCourier(
            courier_id=courier_id,
            company=credential.company,
            company_name=credential.company_name,
            employee_no=credential.employee_no,
            outlet=credential.outlet,
            masked_name=credential.masked_name,
            name_enc=fields.encrypt(courier_id, "courier_name", name.encode()),
            phone_enc=fields.encrypt(courier_id, "courier_phone", checked.normalized.encode()),
            phone_bidx=blind.index("phone", checked.normalized),
            photo_enc=None if photo is None else fields.encrypt(courier_id, "courier_photo", photo),
            photo_sha256=photo_sha256,
            device_key=credential.device_key,
            credential_body=credential.body(),
            platform_kid=signature.kid,
            platform_sig=signature.value,
            valid_from=now,
            valid_to=now + validity,
            status="active",
            created_at=now,
        )
    )
    return IssuedCredential(
        courier_id, credential, signature.kid, signature.value, cc.SUITE_BY_NAME[suite_name]
    )


def published_keys(platform: Verifier, suite_name: str) -> dict[str, object]:
    """The platform's public signing keys as senders' apps ship them (old keys included)."""
    return {
        "suite": suite_name,
        "keys": {kid: key.hex() for kid, key in platform.public_signing_keys().items()},
    }


def revoke_courier(*, repo: CourierRepository, clock: Clock, courier_id: str) -> None:
    if not repo.revoke(courier_id, clock.now()):
        raise NotFoundError("unknown_courier", cc.REASON_TEXT["unknown_courier"])


def courier_photo(*, repo: CourierRepository, fields: FieldEncryptor, courier_id: str) -> bytes | None:
    """The photo of an active courier (what the sender's page shows beside the verdict)."""
    stored = repo.get(courier_id)
    if stored is None or stored.status != "active" or stored.photo_enc is None:
        return None
    return fields.decrypt(courier_id, "courier_photo", stored.photo_enc)


def verify_courier_qr(
    text: str,
    *,
    platform: Verifier,
    devices: DeviceSignatures,
    now: datetime,
    repo: CourierRepository | None = None,
) -> cc.Verdict:
    """Check a courier QR; with ``repo`` the check is online (revocation), without it offline."""
    credential: cc.CourierCredential | None = None

    def verdict(reason: cc.RejectReason | None) -> cc.Verdict:
        return cc.Verdict(reason is None, reason, credential, repo is not None, now)

    try:
        qr = cc.decode(text)
    except cc.CourierQrError as exc:
        return verdict(exc.reason)
    try:
        platform.verify(qr.platform_kid, cc.CREDENTIAL_CONTEXT + qr.body, qr.platform_sig)
    except UnknownKey:
        return verdict("unknown_platform_key")
    except CryptoError:
        return verdict("bad_platform_signature")
    credential = qr.credential
    expired = credential.is_valid_at(now)
    if expired is not None:
        return verdict(expired)
    if not devices.verify("ES256", bytes.fromhex(credential.device_key), qr.device_message(), qr.device_sig):
        return verdict("bad_device_signature")
    if not cc.step_fresh(qr.time_step, now):
        return verdict("stale_code")
    if repo is not None:
        status = repo.status(credential.courier_id)
        if status is None:
            return verdict("unknown_courier")
        if status != "active":
            return verdict("revoked")
    return verdict(None)
