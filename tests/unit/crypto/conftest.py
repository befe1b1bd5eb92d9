"""Crypto unit test fixtures: suites, a fast keyring (low scrypt cost), a kit on in-memory data keys."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sealpost.adapters.crypto import CryptoKit, InMemoryDataKeyRepository, Keyring, get_suite
from sealpost.adapters.crypto.suites import GmSuite, IntlSuite
from sealpost.ports.clock import FixedClock

FAST_SCRYPT_N = 2**10
PASSPHRASE = "correct horse battery staple 正确"


@pytest.fixture(params=["intl", "gm"])
def suite(request: pytest.FixtureRequest) -> IntlSuite | GmSuite:
    return get_suite(request.param)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 28, 10, 0, tzinfo=UTC))


@pytest.fixture
def keyring(tmp_path: Path, suite: IntlSuite | GmSuite, clock: FixedClock) -> Keyring:
    return Keyring.open_or_create(
        tmp_path / "keyring", PASSPHRASE, suite=suite.name, clock=clock, scrypt_n=FAST_SCRYPT_N
    )


@pytest.fixture
def kit(keyring: Keyring, clock: FixedClock) -> CryptoKit:
    return CryptoKit.build(keyring, InMemoryDataKeyRepository(), clock)
