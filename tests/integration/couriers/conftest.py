"""Fixtures for courier credentials: a fast keyring, a kit on the test database, a courier device."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from couriers_support import COURIER_NAME, COURIER_PHONE, PHOTO
from sqlalchemy import Engine

from sealpost.adapters.crypto import CryptoKit
from sealpost.adapters.db.couriers_repo import SqlCourierRepository
from sealpost.adapters.db.keys_repo import SqlDataKeyRepository
from sealpost.adapters.device_keys import P256DeviceSignatures
from sealpost.client.courier_qr import CourierDevice
from sealpost.ports.clock import FixedClock
from sealpost.services.courier_credentials import IssuedCredential, register_courier


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 28, 10, 0, tzinfo=UTC))


@pytest.fixture
def kit(tmp_path: Path, engine: Engine, clock: FixedClock) -> CryptoKit:
    return CryptoKit.open(
        tmp_path / "keyring",
        "test passphrase 测试",
        SqlDataKeyRepository(engine),
        clock=clock,
        scrypt_n=2**10,
    )


@pytest.fixture
def repo(engine: Engine) -> SqlCourierRepository:
    return SqlCourierRepository(engine)


@pytest.fixture
def device() -> CourierDevice:
    return CourierDevice.generate()


@pytest.fixture
def issued(
    kit: CryptoKit, repo: SqlCourierRepository, clock: FixedClock, device: CourierDevice
) -> IssuedCredential:
    cred = register_courier(
        repo=repo,
        signer=kit,
        fields=kit.fields,
        blind=kit.blind,
        devices=P256DeviceSignatures(),
        clock=clock,
        suite_name=kit.keyring.suite_name,
        company="SF",
        company_name="顺丰速运",
        name=COURIER_NAME,
        phone=COURIER_PHONE,
        employee_no="SF-0421",
        outlet="110105-007",
        device_public_key=device.public_key(),
        photo=PHOTO,
    )
    device.issued = cred
    return cred
