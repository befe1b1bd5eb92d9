"""Use case: authenticate a request signed by a sender's device key (no passwords, no tokens).

The sender's phone proves who it is by signing each request with its non-extractable device key::

    Authorization: SealpostDevice kid=<16 hex>, ts=<unix seconds>, nonce=<base64url, 16 bytes>,
                   sig=<base64url, 64 bytes r||s>

    signed message = "sealpost/device-request/v1" LF METHOD LF path LF ts LF nonce LF hex(SHA-256(body))

The platform accepts it when the device is registered, active and belongs to the sender named in
the path, the signature verifies, ``ts`` is within ±60 s, and the (kid, nonce) pair was never seen
(the same replay cache as identity QR codes). Details: ``docs/protocols/identity-qr.md``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final
from uuid import UUID

from sealpost.errors import UnauthorizedError
from sealpost.i18n import Text
from sealpost.ports.clock import Clock
from sealpost.ports.senders import DeviceRecord, DeviceSignatures, ReplayCache, SenderRepository

SCHEME: Final = "SealpostDevice"
CONTEXT: Final = "sealpost/device-request/v1"
TOLERANCE_S: Final = 60
NONCE_SIZE: Final = 16
_PARAM = re.compile(r'\s*([a-z]+)\s*=\s*"?([A-Za-z0-9_\-=]+)"?\s*')

_REASONS: Final[dict[str, Text]] = {
    "device_auth_required": Text("需要设备签名认证", "a device-signed request is required"),
    "device_auth_malformed": Text("设备签名格式错误", "malformed device authorization"),
    "device_auth_expired": Text(
        "设备签名已过期，请校准手机时间", "device signature expired; check the phone's clock"
    ),
    "device_auth_replayed": Text("设备签名已被使用", "this device signature was already used"),
    "device_auth_unknown": Text("设备未登记或已注销", "the device is not registered or was revoked"),
    "device_auth_bad_signature": Text("设备签名无效", "invalid device signature"),
}


def _unauthorized(code: str) -> UnauthorizedError:
    return UnauthorizedError(code, _REASONS[code])


def request_message(method: str, path: str, ts: int, nonce: str, body: bytes) -> bytes:
    """The bytes a device signs for one request."""
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join((CONTEXT, method.upper(), path, str(ts), nonce, digest)).encode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class DeviceAuthorization:
    kid: str
    ts: int
    nonce: str
    signature: bytes

    def header(self) -> str:
        return f"{SCHEME} kid={self.kid}, ts={self.ts}, nonce={self.nonce}, sig={b64url(self.signature)}"


def parse_authorization(header: str | None) -> DeviceAuthorization:
    if not header:
        raise _unauthorized("device_auth_required")
    scheme, _, rest = header.strip().partition(" ")
    if scheme != SCHEME:
        raise _unauthorized("device_auth_required")
    params: dict[str, str] = {}
    for part in rest.split(","):
        match = _PARAM.fullmatch(part)
        if match is None:
            raise _unauthorized("device_auth_malformed")
        params[match[1]] = match[2]
    try:
        kid, ts, nonce = params["kid"], int(params["ts"]), params["nonce"]
        signature = unb64url(params["sig"])
        nonce_bytes = unb64url(nonce)
    except (KeyError, ValueError, binascii.Error):
        raise _unauthorized("device_auth_malformed") from None
    if not re.fullmatch(r"[0-9a-f]{16}", kid) or len(nonce_bytes) != NONCE_SIZE or len(signature) != 64:
        raise _unauthorized("device_auth_malformed")
    return DeviceAuthorization(kid, ts, nonce, signature)


@dataclass
class DeviceRequestAuthenticator:
    senders: SenderRepository
    signatures: DeviceSignatures
    replay: ReplayCache
    clock: Clock

    def authenticate(
        self, header: str | None, *, method: str, path: str, body: bytes, sender_id: UUID
    ) -> DeviceRecord:
        auth = parse_authorization(header)
        now = self.clock.now()
        if abs(now.timestamp() - auth.ts) > TOLERANCE_S:
            raise _unauthorized("device_auth_expired")
        device = self.senders.get_device(auth.kid)
        if device is None or not device.active or device.sender_id != sender_id:
            raise _unauthorized("device_auth_unknown")
        message = request_message(method, path, auth.ts, auth.nonce, body)
        if not self.signatures.verify(device.algorithm, device.public_key, message, auth.signature):
            raise _unauthorized("device_auth_bad_signature")
        token = hashlib.sha256(b"device-request\x00" + bytes.fromhex(auth.kid) + auth.nonce.encode()).digest()
        expires = datetime.fromtimestamp(auth.ts, UTC) + timedelta(seconds=TOLERANCE_S * 2)
        if not self.replay.claim(token, expires):
            raise _unauthorized("device_auth_replayed")
        return device
