"""Courier credential QR: issue, show, verify offline and online, revoke; every failure class."""

from __future__ import annotations

import sqlalchemy as sa
from couriers_support import COURIER_NAME, COURIER_PHONE, PHOTO
from sqlalchemy import Engine

from sealpost.adapters.crypto import CryptoKit
from sealpost.adapters.db.couriers_repo import SqlCourierRepository
from sealpost.adapters.device_keys import P256DeviceSignatures
from sealpost.client.courier_qr import CourierDevice, PublishedKeys, verify_offline
from sealpost.domain import courier_credential as cc
from sealpost.domain.base45 import b45decode, b45encode
from sealpost.ports.clock import FixedClock
from sealpost.services.courier_credentials import (
    IssuedCredential,
    courier_photo,
    revoke_courier,
    verify_courier_qr,
)


def _online(text: str, kit: CryptoKit, repo: SqlCourierRepository, clock: FixedClock) -> cc.Verdict:
    return verify_courier_qr(text, platform=kit, devices=P256DeviceSignatures(), now=clock.now(), repo=repo)


def _published(kit: CryptoKit) -> PublishedKeys:
    return PublishedKeys(kit.keyring.suite_name, kit.public_signing_keys())


def _tamper(text: str, index: int) -> str:
    raw = bytearray(b45decode(text[len(cc.SCHEME) :]))
    raw[index] ^= 0x01
    return cc.SCHEME + b45encode(bytes(raw))


def test_genuine_courier_verifies_online_and_offline(
    kit: CryptoKit,
    repo: SqlCourierRepository,
    clock: FixedClock,
    device: CourierDevice,
    issued: IssuedCredential,
) -> None:
    text = device.qr(clock.now())
    online = _online(text, kit, repo, clock)
    assert online.genuine
    assert online.checked_online
    public = online.to_public()
    assert public["verdict"] == "真"
    assert public["courier"]["masked_name"] == "欧阳**"
    assert public["courier"]["company_name"] == "顺丰速运"
    assert public["courier"]["employee_no"] == "SF-0421"
    offline = verify_offline(text, _published(kit), clock.now())
    assert offline.genuine
    assert not offline.checked_online


def test_qr_carries_no_clear_personal_data(
    clock: FixedClock, device: CourierDevice, issued: IssuedCredential
) -> None:
    raw = b45decode(device.qr(clock.now())[len(cc.SCHEME) :])
    assert COURIER_NAME.encode() not in raw
    assert COURIER_PHONE.encode() not in raw
    assert "建国".encode() not in raw


def test_two_codes_differ_and_a_photo_of_one_goes_stale(
    kit: CryptoKit,
    repo: SqlCourierRepository,
    clock: FixedClock,
    device: CourierDevice,
    issued: IssuedCredential,
) -> None:
    first, second = device.qr(clock.now()), device.qr(clock.now())
    assert first != second
    clock.advance(30 + 61)
    assert _online(first, kit, repo, clock).reason == "stale_code"
    assert _online(device.qr(clock.now()), kit, repo, clock).genuine


def test_revocation_fails_every_later_online_check(
    kit: CryptoKit,
    repo: SqlCourierRepository,
    clock: FixedClock,
    device: CourierDevice,
    issued: IssuedCredential,
) -> None:
    text = device.qr(clock.now())
    assert _online(text, kit, repo, clock).genuine
    revoke_courier(repo=repo, clock=clock, courier_id=issued.courier_id)
    verdict = _online(text, kit, repo, clock)
    assert not verdict.genuine
    assert verdict.reason == "revoked"
    assert verdict.to_public()["verdict"] == "假"
    assert courier_photo(repo=repo, fields=kit.fields, courier_id=issued.courier_id) is None


def test_forged_and_tampered_codes_are_refused(
    kit: CryptoKit,
    repo: SqlCourierRepository,
    clock: FixedClock,
    device: CourierDevice,
    issued: IssuedCredential,
) -> None:
    text = device.qr(clock.now())
    body_start = 4
    # A changed byte in the credential body breaks the platform signature (or its JSON).
    assert _online(_tamper(text, body_start + 20), kit, repo, clock).reason in {
        "bad_platform_signature",
        "malformed",
    }
    # A changed byte in the device signature.
    assert (
        _online(_tamper(text, len(b45decode(text[5:])) - 3), kit, repo, clock).reason
        == "bad_device_signature"
    )
    # Truncated.
    assert _online(text[:-9], kit, repo, clock).reason == "malformed"
    assert _online("SPC1:", kit, repo, clock).reason == "malformed"
    assert _online("hello", kit, repo, clock).reason == "malformed"


def test_credential_on_another_phone_and_a_self_made_credential_fail(
    kit: CryptoKit,
    repo: SqlCourierRepository,
    clock: FixedClock,
    device: CourierDevice,
    issued: IssuedCredential,
) -> None:
    thief = CourierDevice(CourierDevice.generate()._key, issued)  # same credential, another key
    assert _online(thief.qr(clock.now()), kit, repo, clock).reason == "bad_device_signature"

    # A forger signs a credential with their own Ed25519/SM2 key under the platform's kid.
    forged_sig = kit.suite.sign(kit.suite.new_signing_key().private, issued.credential.signing_message())
    forged = IssuedCredential(
        issued.courier_id, issued.credential, issued.platform_kid, forged_sig, issued.suite
    )
    device.issued = forged
    assert _online(device.qr(clock.now()), kit, repo, clock).reason == "bad_platform_signature"
    # …or under a kid the platform never had.
    device.issued = IssuedCredential(issued.courier_id, issued.credential, "00" * 8, forged_sig, issued.suite)
    assert _online(device.qr(clock.now()), kit, repo, clock).reason == "unknown_platform_key"


def test_expired_credential_and_wrong_suite(
    kit: CryptoKit,
    repo: SqlCourierRepository,
    clock: FixedClock,
    device: CourierDevice,
    issued: IssuedCredential,
) -> None:
    text = device.qr(clock.now())
    raw = bytearray(b45decode(text[5:]))
    raw[1] = 9
    assert _online(cc.SCHEME + b45encode(bytes(raw)), kit, repo, clock).reason == "wrong_suite"
    clock.advance(366 * 86400)
    assert _online(device.qr(clock.now()), kit, repo, clock).reason == "credential_expired"


def test_signing_key_rotation_keeps_issued_credentials_valid(
    kit: CryptoKit,
    repo: SqlCourierRepository,
    clock: FixedClock,
    device: CourierDevice,
    issued: IssuedCredential,
) -> None:
    kit.rotate_signing_key()
    assert _online(device.qr(clock.now()), kit, repo, clock).genuine


def test_personal_data_is_encrypted_at_rest(
    engine: Engine, kit: CryptoKit, repo: SqlCourierRepository, issued: IssuedCredential
) -> None:
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM couriers")).one()
    dump = repr(tuple(row)).encode() + b"".join(v for v in row if isinstance(v, bytes))
    assert COURIER_NAME.encode() not in dump
    assert COURIER_PHONE.encode() not in dump
    assert PHOTO not in dump
    assert "欧阳**" in repr(tuple(row))  # the masked view may be clear
    assert courier_photo(repo=repo, fields=kit.fields, courier_id=issued.courier_id) == PHOTO
