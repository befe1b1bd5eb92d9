"""Enrollment through the API with typed fields, re-enrollment, devices, minors (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from fastapi.testclient import TestClient
from senders_support import NOW, b64, citizen_number, enroll_typed

from sealpost.bootstrap import Container
from sealpost.client.identity_qr import SenderDevice
from sealpost.ports.clock import FixedClock

ADULT = citizen_number(date(1990, 3, 7))


def test_enroll_typed_gives_a_random_sender_id_and_a_masked_identity(
    sender_api: TestClient, sender_container: Container
) -> None:
    device = SenderDevice.generate()
    response = enroll_typed(sender_api, device, number=ADULT)
    assert response.status_code == 201, response.text
    body = response.json()
    sender_id = uuid.UUID(body["sender_id"])
    assert sender_id.version == 4
    assert body["created"] is True
    assert body["device_kid"] == device.kid
    assert body["identity"] == {
        "name": "张**",
        "document_type": "resident_id",
        "document_type_label": "居民身份证",
        "document_number": "1****************" + ADULT[-1],
        "phone": "*******5678",
    }
    assert body["adult"] is True and body["minor"] is False
    assert ADULT not in response.text and "张三丰" not in response.text and "13812345678" not in response.text
    stored = sender_container.senders.get(sender_id)
    assert stored is not None
    identity = sender_container.enrollment.load_identity(stored)
    assert (identity.number, identity.name, identity.phone) == (ADULT, "张三丰", "13812345678")
    assert identity.birth_date == date(1990, 3, 7)


def test_reenrolling_the_same_document_finds_the_same_sender_and_adds_the_device(
    sender_api: TestClient,
) -> None:
    first, second = SenderDevice.generate(), SenderDevice.generate()
    a = enroll_typed(sender_api, first, number=ADULT).json()
    again = enroll_typed(
        sender_api, second, number=ADULT.lower().replace("x", "x"), phone="+86 138-1234-5678"
    )
    assert again.status_code == 200, again.text
    b = again.json()
    assert b["sender_id"] == a["sender_id"] and b["created"] is False and b["device_added"] is True
    # The same key again is idempotent: nothing added.
    same = enroll_typed(sender_api, second, number=ADULT).json()
    assert same["device_added"] is False
    path = f"/v1/senders/{a['sender_id']}/devices"
    listed = sender_api.get(path, headers={"Authorization": second.authorization("GET", path, at=NOW)})
    assert listed.status_code == 200, listed.text
    devices = {d["kid"]: d for d in listed.json()["devices"]}
    assert set(devices) == {first.kid, second.kid}
    assert devices[second.kid]["current"] is True


def test_typed_reenrollment_needs_the_phone_on_record(sender_api: TestClient) -> None:
    owner, intruder = SenderDevice.generate(), SenderDevice.generate()
    enroll_typed(sender_api, owner, number=ADULT)
    taken = enroll_typed(sender_api, intruder, number=ADULT, phone="13900000000")
    assert taken.status_code == 403
    assert taken.json()["code"] == "reenroll_phone_mismatch"
    assert ADULT not in taken.text
    # A public key proves nothing (no signature at enrollment): the owner's key with another phone is
    # refused too; changing the phone on record needs the card's photo.
    assert enroll_typed(sender_api, owner, number=ADULT, phone="13900000000").json()["code"] == (
        "reenroll_phone_mismatch"
    )
    assert enroll_typed(sender_api, owner, number=ADULT).json()["device_added"] is False


def test_a_device_revokes_another_and_the_revoked_one_cannot_authenticate(sender_api: TestClient) -> None:
    old, new = SenderDevice.generate(), SenderDevice.generate()
    sender_id = enroll_typed(sender_api, old, number=ADULT).json()["sender_id"]
    enroll_typed(sender_api, new, number=ADULT)
    path = f"/v1/senders/{sender_id}/devices/{old.kid}"
    revoked = sender_api.delete(path, headers={"Authorization": new.authorization("DELETE", path, at=NOW)})
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"
    listing = f"/v1/senders/{sender_id}/devices"
    refused = sender_api.get(listing, headers={"Authorization": old.authorization("GET", listing, at=NOW)})
    assert refused.status_code == 401
    assert refused.json()["code"] == "device_auth_unknown"
    # A revoked key cannot be enrolled again.
    assert enroll_typed(sender_api, old, number=ADULT).json()["code"] == "device_key_exists"


def test_device_requests_need_a_fresh_unused_signature_for_the_right_sender(
    sender_api: TestClient, sender_clock: FixedClock
) -> None:
    device, stranger = SenderDevice.generate(), SenderDevice.generate()
    sender_id = enroll_typed(sender_api, device, number=ADULT).json()["sender_id"]
    enroll_typed(sender_api, stranger, number=citizen_number(date(1985, 1, 2)), name="李四")
    path = f"/v1/senders/{sender_id}/devices"
    assert sender_api.get(path).json()["code"] == "device_auth_required"
    assert sender_api.get(path, headers={"Authorization": "SealpostDevice kid=zz"}).json()["code"] == (
        "device_auth_malformed"
    )
    header = device.authorization("GET", path, at=NOW)
    assert sender_api.get(path, headers={"Authorization": header}).status_code == 200
    assert sender_api.get(path, headers={"Authorization": header}).json()["code"] == "device_auth_replayed"
    other = stranger.authorization("GET", path, at=NOW)
    assert sender_api.get(path, headers={"Authorization": other}).json()["code"] == "device_auth_unknown"
    stale = device.authorization("GET", path, at=NOW - timedelta(minutes=5))
    assert sender_api.get(path, headers={"Authorization": stale}).json()["code"] == "device_auth_expired"
    signed_for_other_path = device.authorization("GET", path + "x", at=NOW)
    assert sender_api.get(path, headers={"Authorization": signed_for_other_path}).json()["code"] == (
        "device_auth_bad_signature"
    )


def test_minors_under_14_are_refused_and_14_to_17_flagged(sender_api: TestClient) -> None:
    child = citizen_number(date(2014, 1, 1))  # 12
    response = enroll_typed(sender_api, SenderDevice.generate(), number=child)
    assert response.status_code == 403
    assert response.json()["code"] == "minor_under_14"
    assert response.headers["content-type"].startswith("application/problem+json")
    teen = citizen_number(date(2010, 6, 1))  # 16
    body = enroll_typed(sender_api, SenderDevice.generate(), number=teen).json()
    assert body["minor"] is True and body["adult"] is False
    fourteen_today = citizen_number(NOW.date().replace(year=NOW.year - 14))
    assert enroll_typed(sender_api, SenderDevice.generate(), number=fourteen_today).status_code == 201


def test_bad_input_gets_a_precise_reason(sender_api: TestClient) -> None:
    device = SenderDevice.generate()
    bad_check = ADULT[:-1] + ("0" if ADULT[-1] != "0" else "1")
    assert enroll_typed(sender_api, device, number=bad_check).json()["code"] == "invalid_check_digit"
    assert enroll_typed(sender_api, device, number=ADULT, name="张3").json()["code"] == "invalid_name"
    assert enroll_typed(sender_api, device, number=ADULT, phone="12345").json()["code"] == "invalid_phone"
    assert enroll_typed(sender_api, device, number=ADULT, valid_to="2020-01-01").json()["code"] == (
        "document_expired"
    )
    assert enroll_typed(sender_api, device, number=ADULT, document_type="nonsense").json()["code"] == (
        "unknown_document_type"
    )
    passport = enroll_typed(
        sender_api, device, number="E12345678", document_type="foreign_passport", name="John Smith"
    )
    assert passport.json()["code"] == "birth_date_required"
    ok = enroll_typed(
        sender_api,
        device,
        number="E12345678",
        document_type="foreign_passport",
        name="John Smith",
        birth_date="1980-05-05",
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["identity"]["name"] == "J*********"
    no_key = sender_api.post(
        "/v1/senders/enroll", data={"number": ADULT, "name": "张三", "phone": "13812345678"}
    )
    assert no_key.json()["code"] == "device_key_required"
    bad_key = sender_api.post(
        "/v1/senders/enroll",
        data={
            "device_public_key": b64(b"\x04" + b"\x01" * 64),
            "number": ADULT,
            "name": "张三",
            "phone": "13812345678",
        },
    )
    assert bad_key.json()["code"] == "invalid_device_key"
    missing = sender_api.post("/v1/senders/enroll", data={"device_public_key": b64(device.public_key())})
    assert missing.json()["code"] == "fields_missing"
    assert sender_api.post("/v1/senders/enroll", json={"x": 1}).status_code == 415
