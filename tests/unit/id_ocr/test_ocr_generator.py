"""The synthetic card generator: valid invented people, reproducible, clear error without a font."""

from __future__ import annotations

import random
import shutil
from datetime import date

import pytest
from faker import Faker

from sealpost.dev import idcards
from sealpost.domain.identity.card_fields import RECOGNISED_ETHNICITIES, CardField, cross_check
from sealpost.domain.identity.resident_id import parse_citizen_number
from sealpost.errors import SealpostError

TODAY = date(2026, 11, 28)


def test_random_people_are_valid_and_their_cards_current() -> None:
    rng = random.Random(3)
    faker = Faker("zh_CN")
    faker.seed_instance(3)
    same_province = 0
    for _ in range(100):
        person = idcards.random_person(rng, faker, today=TODAY)
        parsed = parse_citizen_number(person.number, today=TODAY)
        assert parsed.birth_date == person.birth_date
        assert parsed.sex == ("M" if person.sex == "男" else "F")
        assert person.ethnicity in RECOGNISED_ETHNICITIES
        assert parsed.age >= 16
        assert person.valid_from <= TODAY
        assert person.valid_to is None or person.valid_to > TODAY
        fields = {k: CardField(v, 1.0) for k, v in person.truth().items()}
        check = cross_check(fields, today=TODAY, back_read=True)
        assert check.valid, (person, check.errors)
        same_province += "region_address_mismatch" not in [w.code for w in check.warnings]
    assert 75 <= same_province < 100  # most live in the number's province, some moved


def test_same_seed_same_cards() -> None:
    a = next(idcards.generate_cards(1, seed=9, today=TODAY))
    b = next(idcards.generate_cards(1, seed=9, today=TODAY))
    assert a.person == b.person
    assert a.front == b.front


def test_missing_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    idcards.find_cjk_font.cache_clear()
    monkeypatch.setattr(idcards, "KNOWN_FONT_PATHS", ("/nonexistent/font.ttc",))
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    try:
        with pytest.raises(SealpostError) as err:
            idcards.find_cjk_font()
        assert err.value.code == "font_missing"
        assert "fonts-wqy-zenhei" in err.value.message.zh
    finally:
        idcards.find_cjk_font.cache_clear()
