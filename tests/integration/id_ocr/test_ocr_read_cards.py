"""End to end: generated phone photos of cards, in every orientation and tilted, read correctly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from sealpost.adapters.ocr.rapid import OcrPool, RapidTextRecognizer
from sealpost.dev.idcards import GeneratedCard, PhotoEffects, encode_jpeg, photograph, render_front
from sealpost.errors import SealpostError
from sealpost.services.read_id_card import read_id_card

TODAY = date(2026, 11, 28)  # the day the generated cards are valid on (conftest)

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("seed", "rotation", "back"), [(11, 0, True), (12, 90, False), (13, 180, True), (14, 270, False)]
)
def test_generated_card_read_end_to_end(
    recognizer: RapidTextRecognizer,
    make_card: Callable[..., GeneratedCard],
    seed: int,
    rotation: int,
    back: bool,
) -> None:
    card = make_card(seed, rotation, back)
    reading = read_id_card(recognizer, card.front, card.back, today=TODAY)
    truth = card.person.truth()
    wanted: tuple[str, ...] = ("name", "sex", "ethnicity", "birth_date", "address", "number")
    if back:
        wanted += ("authority", "valid_from", "valid_to")
    assert {k: reading.value(k) for k in wanted} == {k: truth[k] for k in wanted}
    assert reading.valid, reading.check.errors
    assert reading.front_page.rotation == (360 - rotation) % 360
    assert all(0.5 <= reading.fields[k].confidence <= 1.0 for k in wanted)
    as_json = reading.to_dict()
    assert as_json["cross_check"]["valid"] is True
    assert set(as_json["confidence"]) >= set(wanted)


def test_strong_tilt_and_perspective(
    recognizer: RapidTextRecognizer, make_card: Callable[..., GeneratedCard]
) -> None:
    import random

    card = make_card(21)
    rng = random.Random(5)
    effects = PhotoEffects(
        rotation=90, tilt=-15.0, perspective=0.05, fill=0.7, blur=0.8, glare=0.3, noise=4.0, jpeg_quality=70
    )
    photo = encode_jpeg(photograph(render_front(card.person, rng), effects, rng), effects.jpeg_quality)
    reading = read_id_card(recognizer, photo, today=TODAY)
    assert reading.value("number") == card.person.number
    assert reading.value("name") == card.person.name
    assert abs(abs(reading.front_page.skew) - 15) < 3


def test_png_input(recognizer: RapidTextRecognizer, make_card: Callable[..., GeneratedCard]) -> None:
    from io import BytesIO

    from PIL import Image

    card = make_card(22)
    buf = BytesIO()
    Image.open(BytesIO(card.front)).save(buf, "PNG")
    assert read_id_card(recognizer, buf.getvalue(), today=TODAY).value("number") == card.person.number


def test_not_an_image(recognizer: RapidTextRecognizer) -> None:
    with pytest.raises(SealpostError) as err:
        recognizer.recognize(b"definitely not a JPEG")
    assert err.value.code == "image_unreadable"
    assert err.value.status == 422


def test_thread_pool_reads_concurrently(make_card: Callable[..., GeneratedCard]) -> None:
    cards = [make_card(31), make_card(32, 180)]
    with OcrPool(2, kind="thread") as pool:
        pages = pool.map([c.front for c in cards])
    for card, page in zip(cards, pages, strict=True):
        assert any(card.person.number in b.text for b in page.boxes)


def test_process_pool_loads_one_engine_per_worker(make_card: Callable[..., GeneratedCard]) -> None:
    card = make_card(33, 90)
    with OcrPool(1, kind="process") as pool:
        page = pool.submit(card.front).result(timeout=120)
    assert any(card.person.number in b.text for b in page.boxes)


def test_wrong_direction_vote_is_caught_by_the_confidence_recheck(
    monkeypatch: pytest.MonkeyPatch, make_card: Callable[..., GeneratedCard]
) -> None:
    from sealpost.adapters.ocr import rapid

    engine = rapid.get_engine()
    right = engine.upside_down_votes
    monkeypatch.setattr(engine, "upside_down_votes", lambda crops: -right(crops))  # always wrong
    card = make_card(51, 180)
    page = rapid.RapidTextRecognizer().recognize(card.front)
    assert page.rotation == 180
    assert any(card.person.number in b.text for b in page.boxes)
