"""Fixtures for the label tests: sample receipts (masked from known clear values), a fixed clock."""

from __future__ import annotations

import pytest
from labels_decoders import PRINTED_AT

from sealpost.domain.labels import LabelContent
from sealpost.ports.clock import FixedClock
from sealpost.services.sample_receipts import SampleReceipt, sample_receipt

__all__ = ["PRINTED_AT"]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(PRINTED_AT)


@pytest.fixture(scope="session")
def samples() -> list[SampleReceipt]:
    return [sample_receipt(seed) for seed in range(6)]


@pytest.fixture(scope="session")
def contents(samples: list[SampleReceipt]) -> list[LabelContent]:
    return [LabelContent.from_receipt(s.receipt, printed_at=PRINTED_AT) for s in samples]
