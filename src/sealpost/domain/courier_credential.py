"""The courier's credential QR: what the platform vouches for, and how a sender checks it (no crypto here).

The full protocol, with test vectors, is ``docs/protocols/courier-qr.md``. In short::

    text        = "SPC1:" + base45(envelope)
    envelope    = version(1) || suite(1) || body_len(2) || body || platform_kid(8) || platform_sig(64)
                  || time_step(4) || nonce(8) || device_sig(64)
    body        = canonical JSON of the credential (sorted keys, no spaces, UTF-8)
    platform_sig= the platform's signing key (Ed25519 in ``intl``, SM2 in ``gm``) over
                  CREDENTIAL_CONTEXT || body
    device_sig  = the courier device's ECDSA P-256 key (r||s) over
                  DEVICE_CONTEXT || SHA-256(body) || time_step || nonce

The credential is issued once (when the company registers the courier and their device); the
device adds a fresh signature over the current 30-second step every time the QR is shown, so a
photo of a courier's QR stops verifying after a minute, and a credential copied to another phone
cannot be shown without that phone's key.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

from sealpost.domain.base45 import Base45Error, b45decode, b45encode
from sealpost.i18n import Text

SCHEME: Final = "SPC1:"
VERSION: Final = 1
#: Suite 1: platform signature Ed25519; device signature ECDSA P-256/SHA-256. Suite 2: platform SM2.
SUITE_INTL: Final = 1
SUITE_GM: Final = 2
SUITES: Final = frozenset({SUITE_INTL, SUITE_GM})
SUITE_BY_NAME: Final = {"intl": SUITE_INTL, "gm": SUITE_GM}

STEP_SECONDS: Final = 30
TOLERANCE_SECONDS: Final = 60
KID_SIZE: Final = 8
SIGNATURE_SIZE: Final = 64
NONCE_SIZE: Final = 8
CREDENTIAL_CONTEXT: Final = b"sealpost/courier-credential/v1\x00"
DEVICE_CONTEXT: Final = b"sealpost/courier-qr/v1\x00"
MAX_BODY: Final = 1024

_TAIL: Final = struct.Struct(">8s64sI8s64s")

RejectReason = Literal[
    "malformed",
    "wrong_suite",
    "unknown_platform_key",
    "bad_platform_signature",
    "not_yet_valid",
    "credential_expired",
    "bad_device_signature",
    "stale_code",
    "revoked",
    "unknown_courier",
]

REASON_TEXT: Final[dict[str, Text]] = {
    "malformed": Text("不是有效的快递员二维码", "not a courier credential QR code"),
    "wrong_suite": Text("不支持的密码套件", "unsupported crypto suite"),
    "unknown_platform_key": Text("签发密钥未知，可能是伪造的", "unknown issuing key: possibly forged"),
    "bad_platform_signature": Text(
        "平台签名无效：证件是伪造或被篡改的", "platform signature invalid: forged or altered"
    ),
    "not_yet_valid": Text("证件尚未生效", "credential not yet valid"),
    "credential_expired": Text("证件已过期", "credential expired"),
    "bad_device_signature": Text(
        "设备签名无效：二维码不是由登记的手机出示的",
        "device signature invalid: not shown by the registered phone",
    ),
    "stale_code": Text("二维码已过时（可能是截图或照片）", "code is stale (possibly a screenshot or photo)"),
    "revoked": Text("该快递员证件已被注销", "this courier's credential has been revoked"),
    "unknown_courier": Text("平台上没有该快递员", "no such courier on the platform"),
}
GENUINE_TEXT: Final = Text("真：快递员身份有效", "GENUINE: the courier's credential is valid")


class CourierQrError(ValueError):
    """A courier QR that does not verify, with its reason code."""

    def __init__(self, reason: RejectReason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason: RejectReason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class CourierCredential:
    """What the platform vouches for. Only masked personal data: the QR is shown to anyone."""

    courier_id: str
    company: str
    company_name: str
    masked_name: str
    employee_no: str
    outlet: str
    photo_sha256: str
    device_key: str  # the courier device's P-256 public key, uncompressed point, hex
    valid_from: int  # unix seconds
    valid_to: int  # unix seconds

    def body(self) -> bytes:
        """Canonical JSON bytes: what the platform signs and the QR carries."""
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_body(cls, body: bytes) -> CourierCredential:
        try:
            obj: Any = json.loads(body.decode("utf-8"))
            cred = cls(**obj)
        except (UnicodeDecodeError, ValueError, TypeError) as exc:
            raise CourierQrError("malformed", f"credential body: {type(exc).__name__}") from None
        if cred.body() != body:
            raise CourierQrError("malformed", "credential body is not canonical")
        return cred

    def signing_message(self) -> bytes:
        return CREDENTIAL_CONTEXT + self.body()

    def is_valid_at(self, now: datetime) -> RejectReason | None:
        t = now.timestamp()
        if t < self.valid_from:
            return "not_yet_valid"
        if t >= self.valid_to:
            return "credential_expired"
        return None


@dataclass(frozen=True, slots=True)
class CourierQr:
    """A parsed courier QR: the signed credential plus the device's fresh proof of possession."""

    version: int
    suite: int
    body: bytes
    platform_kid: str
    platform_sig: bytes
    time_step: int
    nonce: bytes
    device_sig: bytes

    @property
    def credential(self) -> CourierCredential:
        return CourierCredential.from_body(self.body)

    def device_message(self) -> bytes:
        return device_message(self.body, self.time_step, self.nonce)


def device_message(body: bytes, step: int, nonce: bytes) -> bytes:
    """What the courier device signs each time it shows its QR."""
    return DEVICE_CONTEXT + hashlib.sha256(body).digest() + struct.pack(">I", step) + nonce


def encode(qr: CourierQr) -> str:
    if len(qr.body) > MAX_BODY:
        raise ValueError("credential body too long for a QR code")
    tail = _TAIL.pack(bytes.fromhex(qr.platform_kid), qr.platform_sig, qr.time_step, qr.nonce, qr.device_sig)
    envelope = bytes((qr.version, qr.suite)) + struct.pack(">H", len(qr.body)) + qr.body + tail
    return SCHEME + b45encode(envelope)


def decode(text: str) -> CourierQr:
    """Parse QR text; raise :class:`CourierQrError` (``malformed`` or ``wrong_suite``)."""
    text = text.strip()
    if text[: len(SCHEME)].upper() != SCHEME:
        raise CourierQrError("malformed", "scheme prefix missing")
    try:
        raw = b45decode(text[len(SCHEME) :])
    except Base45Error as exc:
        raise CourierQrError("malformed", str(exc)) from None
    if len(raw) < 4:
        raise CourierQrError("malformed", "too short")
    version, suite = raw[0], raw[1]
    if version != VERSION:
        raise CourierQrError("malformed", f"version {version}")
    if suite not in SUITES:
        raise CourierQrError("wrong_suite", f"suite {suite}")
    (body_len,) = struct.unpack_from(">H", raw, 2)
    if body_len > MAX_BODY or len(raw) != 4 + body_len + _TAIL.size:
        raise CourierQrError("malformed", "length fields do not add up (truncated?)")
    body = raw[4 : 4 + body_len]
    kid, psig, step, nonce, dsig = _TAIL.unpack_from(raw, 4 + body_len)
    qr = CourierQr(version, suite, body, kid.hex(), psig, step, nonce, dsig)
    qr.credential  # noqa: B018 - parses (and rejects a malformed body) early
    return qr


def time_step(at: datetime) -> int:
    return int(at.timestamp()) // STEP_SECONDS


def step_fresh(step: int, now: datetime, tolerance_s: int = TOLERANCE_SECONDS) -> bool:
    """Is the 30-second window of ``step`` within ``tolerance_s`` of ``now``?"""
    t = now.timestamp()
    start = step * STEP_SECONDS
    return start - tolerance_s <= t < start + STEP_SECONDS + tolerance_s


@dataclass(frozen=True, slots=True)
class Verdict:
    """真/假 with the reason, and what a sender may see of the courier."""

    genuine: bool
    reason: RejectReason | None
    credential: CourierCredential | None
    checked_online: bool
    checked_at: datetime

    def message(self, lang: Literal["zh-CN", "en"] = "zh-CN") -> str:
        if self.genuine:
            return GENUINE_TEXT.get(lang)
        return REASON_TEXT[self.reason or "malformed"].get(lang)

    def to_public(self, lang: Literal["zh-CN", "en"] = "zh-CN") -> dict[str, Any]:
        cred = self.credential
        return {
            "genuine": self.genuine,
            "verdict": "真" if self.genuine else "假",
            "reason": self.reason,
            "message": self.message(lang),
            "checked_online": self.checked_online,
            "checked_at": self.checked_at.astimezone(UTC).isoformat(),
            "courier": None
            if cred is None
            else {
                "courier_id": cred.courier_id,
                "company": cred.company,
                "company_name": cred.company_name,
                "masked_name": cred.masked_name,
                "employee_no": cred.employee_no,
                "outlet": cred.outlet,
                "photo_sha256": cred.photo_sha256,
                "valid_from": datetime.fromtimestamp(cred.valid_from, UTC).isoformat(),
                "valid_to": datetime.fromtimestamp(cred.valid_to, UTC).isoformat(),
            },
        }
