"""POST /v1/pickups/identify: the identity QR end to end, and every failure class (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi.testclient import TestClient
from senders_support import NOW, citizen_number, enroll_typed

from sealpost.adapters.crypto.suites import get_suite
from sealpost.bootstrap import Container
from sealpost.client.identity_qr import SenderDevice
from sealpost.domain import identity_qr as qr
from sealpost.domain.base45 import ALPHABET, b45decode, b45encode

NUMBER = citizen_number(date(1990, 3, 7))


@dataclass
class Scene:
    api: TestClient
    container: Container
    device: SenderDevice
    sender_id: UUID
    courier_token: str

    def identify(self, text: str, token: str | None = None) -> tuple[int, dict[str, object]]:
        response = self.api.post(
            "/v1/pickups/identify",
            json={"qr": text},
            headers={"Authorization": f"Bearer {token or self.courier_token}"},
        )
        return response.status_code, response.json()

    def reason(self, text: str) -> object:
        status, body = self.identify(text)
        assert status >= 400, body
        return body["code"]


def _courier(container: Container, courier_id: str = "courier-7") -> str:
    _terminal, token = container.terminals.register(
        company="SF", outlet="BJ-001", courier_id=courier_id, suite="intl", public_key=os.urandom(32), now=NOW
    )
    return token


def _enrolled(
    api: TestClient, container: Container, number: str = NUMBER, name: str = "张三丰"
) -> SenderDevice:
    device = SenderDevice.generate(platform_sealing_key=container.crypto.sealing_public_key())
    body = enroll_typed(api, device, number=number, name=name).json()
    device.sender_id = UUID(body["sender_id"])
    return device


@pytest.fixture
def scene(sender_api: TestClient, sender_container: Container) -> Scene:
    device = _enrolled(sender_api, sender_container)
    assert device.sender_id is not None
    return Scene(sender_api, sender_container, device, device.sender_id, _courier(sender_container))


def _reseal(container: Container, plaintext: bytes, suite: int = qr.SUITE_ES256_X25519) -> str:
    sealed = get_suite("intl").seal(
        container.crypto.sealing_public_key(),
        plaintext,
        aad=qr.envelope_aad(qr.VERSION, suite),
        info=qr.SEAL_INFO,
    )
    return qr.encode_text(suite, sealed)


def test_identify_answers_the_masked_identity_and_a_one_time_ref_for_this_courier(scene: Scene) -> None:
    status, body = scene.identify(scene.device.identity_qr(NOW))
    assert status == 200, body
    assert body["identity"] == {
        "name": "张**",
        "document_type": "resident_id",
        "document_type_label": "居民身份证",
        "document_number": "1****************" + NUMBER[-1],
    }
    assert body["adult"] is True
    ref = str(body["identity_ref"])
    found = scene.container.identity_refs.lookup([ref])[ref]
    assert (
        found.courier_id == "courier-7" and found.sender_id == str(scene.sender_id) and found.source == "qr"
    )
    assert found.expires_at == NOW + timedelta(minutes=10)
    assert scene.container.identity_refs.open_identity(found).document_number == NUMBER
    assert NUMBER not in str(body) and "张三丰" not in str(body)


def test_a_code_is_accepted_once(scene: Scene) -> None:
    code = scene.device.identity_qr(NOW)
    assert scene.identify(code)[0] == 200
    assert scene.reason(code) == "replayed"
    # A new code from the same phone in the same step is a new token.
    assert scene.identify(scene.device.identity_qr(NOW))[0] == 200


def test_replay_cache_survives_a_restart(scene: Scene, sender_container: Container) -> None:
    code = scene.device.identity_qr(NOW)
    assert scene.identify(code)[0] == 200
    from sealpost.api.app import create_app
    from sealpost.bootstrap import build_container

    fresh = build_container(sender_container.settings, clock=sender_container.clock, configure_logs=False)
    with TestClient(create_app(container=fresh)) as other_worker:
        response = other_worker.post(
            "/v1/pickups/identify",
            json={"qr": code},
            headers={"Authorization": f"Bearer {scene.courier_token}"},
        )
    assert response.json()["code"] == "replayed"


@pytest.mark.parametrize(
    ("offset_s", "accepted"),
    [(-90, True), (-91, False), (-400, False), (89, True), (90, False), (3600, False)],
)
def test_time_step_must_be_within_60_seconds(scene: Scene, offset_s: int, accepted: bool) -> None:
    code = scene.device.identity_qr(NOW + timedelta(seconds=offset_s))
    if accepted:
        assert scene.identify(code)[0] == 200
    else:
        assert scene.reason(code) == "expired"


def test_unknown_revoked_and_foreign_devices(scene: Scene) -> None:
    stranger = SenderDevice(
        SenderDevice.generate()._key,
        sender_id=scene.sender_id,
        platform_sealing_key=scene.device.platform_sealing_key,
    )
    assert scene.reason(stranger.identity_qr(NOW)) == "unknown_device"
    other = _enrolled(scene.api, scene.container, citizen_number(date(1985, 1, 2)), "李四")
    other.sender_id = scene.sender_id  # a real device claiming to be someone else
    assert scene.reason(other.identity_qr(NOW)) == "bad_signature"
    path = f"/v1/senders/{scene.sender_id}/devices/{scene.device.kid}"
    revoked = scene.api.delete(
        path, headers={"Authorization": scene.device.authorization("DELETE", path, at=NOW)}
    )
    assert revoked.status_code == 200
    assert scene.reason(scene.device.identity_qr(NOW)) == "revoked_device"


def test_forged_signature_is_refused(scene: Scene) -> None:
    payload = qr.IdentityQrPayload(
        device_kid=bytes.fromhex(scene.device.kid),
        sender_id=scene.sender_id,
        time_step=qr.time_step(NOW),
        nonce=os.urandom(qr.NONCE_SIZE),
    )
    forger = SenderDevice.generate()
    assert scene.reason(
        _reseal(scene.container, qr.encode_payload(payload, forger.sign(payload.signing_message())))
    ) == ("bad_signature")
    assert (
        scene.reason(_reseal(scene.container, qr.encode_payload(payload, os.urandom(64)))) == "bad_signature"
    )
    # A genuine signature over another time step, moved into this payload.
    other_step = qr.IdentityQrPayload(
        payload.device_kid, payload.sender_id, payload.time_step - 1, payload.nonce
    )
    moved = qr.encode_payload(payload, scene.device.sign(other_step.signing_message()))
    assert scene.reason(_reseal(scene.container, moved)) == "bad_signature"


def test_tampered_bytes_are_refused(scene: Scene) -> None:
    code = scene.device.identity_qr(NOW)
    body = code[len(qr.SCHEME) :]
    raw = b45decode(body)
    for position in (2, 5, 12, 20, 40, 80, len(raw) - 1):  # sealed-box header, key id, epk, ciphertext, tag
        tampered = bytearray(raw)
        tampered[position] ^= 0x01
        assert scene.reason(qr.SCHEME + b45encode(bytes(tampered))) == "malformed", position
    # One character changed in the text (still valid base45, or not).
    for position in (10, 100, 200):
        ch = body[position]
        replacement = ALPHABET[(ALPHABET.index(ch) + 1) % len(ALPHABET)]
        changed = qr.SCHEME + body[:position] + replacement + body[position + 1 :]
        assert scene.reason(changed) == "malformed"
    assert scene.identify(code)[0] == 200  # the untouched code was never consumed by the failures


def test_truncated_and_garbage_codes_are_malformed(scene: Scene) -> None:
    code = scene.device.identity_qr(NOW)
    for cut in (1, 2, 3, 30, len(code) // 2, len(code) - 6):
        assert scene.reason(code[:cut]) == "malformed", cut
    for garbage in ("hello", "SPQ1:", "SPQ1:!!!", "SPC1:" + code[5:], code + "00"):
        assert scene.reason(garbage) == "malformed", garbage


def test_a_code_sealed_to_another_key_is_refused(scene: Scene) -> None:
    other_platform = X25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    wrong = SenderDevice(
        scene.device._key,
        sender_id=scene.sender_id,
        platform_sealing_key=other_platform,
    )
    assert scene.reason(wrong.identity_qr(NOW)) == "malformed"


def test_unknown_suites_are_refused(scene: Scene) -> None:
    code = scene.device.identity_qr(NOW)
    raw = bytearray(b45decode(code[len(qr.SCHEME) :]))
    raw[1] = 2
    assert scene.reason(qr.SCHEME + b45encode(bytes(raw))) == "wrong_suite"
    payload = qr.IdentityQrPayload(
        bytes.fromhex(scene.device.kid), scene.sender_id, qr.time_step(NOW), os.urandom(12), suite=2
    )
    inner = qr.encode_payload(payload, scene.device.sign(payload.signing_message()))
    assert scene.reason(_reseal(scene.container, inner)) == "wrong_suite"


def test_only_authenticated_couriers_may_identify(scene: Scene) -> None:
    code = scene.device.identity_qr(NOW)
    no_auth = scene.api.post("/v1/pickups/identify", json={"qr": code})
    assert no_auth.status_code == 401
    status, _body = scene.identify(code, token="spt_not-a-token")
    assert status == 401
    assert scene.identify(code)[0] == 200  # the refused attempts did not consume the code


def test_two_codes_of_one_person_share_only_what_every_code_shares(scene: Scene) -> None:
    other = _enrolled(scene.api, scene.container, citizen_number(date(1985, 1, 2)), "李四")

    def raw(device: SenderDevice) -> bytes:
        return b45decode(device.identity_qr(NOW)[len(qr.SCHEME) :])

    a1, a2, b1 = raw(scene.device), raw(scene.device), raw(other)

    def common_prefix(x: bytes, y: bytes) -> int:
        n = 0
        while n < min(len(x), len(y)) and x[n] == y[n]:
            n += 1
        return n

    fixed = common_prefix(a1, b1)
    assert common_prefix(a1, a2) == fixed == 2 + 3 + 8  # envelope header, sealed-box header, platform kid
    assert len(a1) == len(a2) == len(b1)

    def windows(data: bytes, size: int = 6) -> set[bytes]:
        return {data[i : i + size] for i in range(fixed, len(data) - size + 1)}

    assert not windows(a1) & windows(a2)
