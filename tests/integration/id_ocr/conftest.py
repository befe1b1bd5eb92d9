"""Fixtures for the OCR tests: one recognizer per session, generated cards made in memory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from sealpost.adapters.ocr.rapid import RapidTextRecognizer
from sealpost.dev.idcards import GeneratedCard, generate_cards

TODAY = date(2026, 11, 28)


@pytest.fixture(scope="session")
def recognizer() -> RapidTextRecognizer:
    r = RapidTextRecognizer()
    r.warm_up()
    return r


@pytest.fixture(scope="session")
def make_card() -> Callable[..., GeneratedCard]:
    """make_card(seed, rotation=0, back=False): one generated card, valid on TODAY."""

    def make(seed: int, rotation: int = 0, back: bool = False) -> GeneratedCard:
        return next(generate_cards(1, seed=seed, back=back, today=TODAY, rotations=(rotation,)))

    return make
