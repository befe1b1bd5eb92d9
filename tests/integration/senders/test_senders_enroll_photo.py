"""Enrollment from photos of a (generated) ID card through the API, and what is left behind: nothing."""

from __future__ import annotations

import tempfile
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from senders_support import NOW, b64

from sealpost.adapters.db.metadata import metadata
from sealpost.adapters.db.tables import load_all
from sealpost.bootstrap import Container
from sealpost.client.identity_qr import SenderDevice
from sealpost.dev.idcards import generate_cards

pytestmark = pytest.mark.slow


def _enroll_photo(
    api: TestClient, device: SenderDevice, front: bytes, back: bytes | None, **typed: str
) -> object:
    files = {"photo_front": ("front.jpg", front, "image/jpeg")}
    if back is not None:
        files["photo_back"] = ("back.jpg", back, "image/jpeg")
    data = {"device_public_key": b64(device.public_key()), "phone": "13712345678", **typed}
    return api.post("/v1/senders/enroll", data=data, files=files)


def _all_database_text(engine: sa.Engine) -> bytes:
    load_all()
    out = bytearray()
    with engine.connect() as conn:
        existing = set(sa.inspect(conn).get_table_names())
        for table in metadata.sorted_tables:
            if table.name in existing:
                for row in conn.execute(sa.select(table)):
                    for value in row:
                        out += value if isinstance(value, bytes) else str(value).encode()
    return bytes(out)


def test_enroll_from_card_photos_end_to_end_and_nothing_personal_is_left(
    sender_api: TestClient, sender_container: Container, capfd: pytest.CaptureFixture[str]
) -> None:
    started = time.time()
    card = next(generate_cards(1, seed=7, back=True, today=NOW.date(), rotations=(0, 90)))
    person = card.person
    assert card.back is not None
    device = SenderDevice.generate()
    response = _enroll_photo(sender_api, device, card.front, card.back)
    body = response.json()  # type: ignore[attr-defined]
    if body.get("code") == "confirmation_needed":  # the OCR was unsure: the person types those fields
        typed = {"name": person.name, "number": person.number}
        if person.valid_to is not None:
            typed["valid_to"] = person.valid_to.isoformat()
        confirmed = {k: v for k, v in typed.items() if k in body["fields"]}
        response = _enroll_photo(sender_api, device, card.front, card.back, **confirmed)
        body = response.json()  # type: ignore[attr-defined]
    assert response.status_code == 201, body  # type: ignore[attr-defined]
    assert body["identity"]["document_number"] == person.number[0] + "*" * 16 + person.number[-1]
    stored = sender_container.senders.get(uuid.UUID(body["sender_id"]))
    assert stored is not None
    identity = sender_container.enrollment.load_identity(stored)
    assert identity.source == "photo"
    assert (identity.number, identity.name, identity.birth_date) == (
        person.number,
        person.name,
        person.birth_date,
    )
    assert identity.valid_to == (person.valid_to.isoformat() if person.valid_to else "长期")

    # The same card again, from another phone: the same sender.
    again = _enroll_photo(
        sender_api, SenderDevice.generate(), card.front, card.back, name=person.name, number=person.number
    )
    assert again.json()["sender_id"] == body["sender_id"]  # type: ignore[attr-defined]

    # Privacy: no image bytes and no personal value in the data folder, the temp folder, the
    # database (SQLite file or PostgreSQL rows) or the logs.
    secrets = [
        person.number.encode(),
        person.name.encode(),
        b"13712345678",
        card.front[1000:1064],
        card.back[1000:1064],
    ]
    data_dir = sender_container.settings.data_dir
    for path in data_dir.rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            assert not any(s in raw for s in secrets), path
    for path in Path(tempfile.gettempdir()).rglob("*"):
        try:
            if path.is_file() and path.stat().st_mtime >= started and path.stat().st_size < 50_000_000:
                raw = path.read_bytes()
                assert not any(s in raw for s in secrets), path
        except OSError:
            continue
    database = _all_database_text(sender_container.engine)
    assert not any(s in database for s in secrets[:3])
    out, err = capfd.readouterr()
    logs = (out + err).encode()
    assert not any(s in logs for s in secrets[:3])


def test_photo_enrollment_refuses_contradicting_typed_fields(sender_api: TestClient) -> None:
    card = next(generate_cards(1, seed=11, back=False, today=NOW.date(), rotations=(0,)))
    other_number = card.person.number[:-1] + ("0" if card.person.number[-1] != "0" else "1")
    response = _enroll_photo(sender_api, SenderDevice.generate(), card.front, None, number=other_number)
    assert response.json()["code"] in {"ocr_mismatch", "invalid_check_digit", "card_check_failed"}  # type: ignore[attr-defined]
    not_a_photo = _enroll_photo(sender_api, SenderDevice.generate(), b"not an image", None)
    assert not_a_photo.status_code in {400, 422}  # type: ignore[attr-defined]
