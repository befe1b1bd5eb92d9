"""Privacy and isolation: the photo is processed in memory; no network is needed.

* After reading a card, the data folder, the temporary folder and the captured logs hold no
  image bytes and no ID number.
* The OCR engine loads and reads with every socket connection refused (models ship in the wheel).
"""

from __future__ import annotations

import io
import socket
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from sealpost.adapters.ocr import rapid
from sealpost.config import Settings
from sealpost.dev.idcards import GeneratedCard
from sealpost.logging import configure_logging
from sealpost.services.read_id_card import read_id_card

TODAY = date(2026, 11, 28)

pytestmark = pytest.mark.slow


def _files_under(*roots: Path) -> dict[Path, bytes]:
    out: dict[Path, bytes] = {}
    for root in roots:
        if root.is_file():
            out[root] = root.read_bytes()
        elif root.exists():
            for path in root.rglob("*"):
                if path.is_file():
                    out[path] = path.read_bytes()
    return out


def _holds_secret(blob: bytes, number: str, images: list[bytes]) -> bool:
    if number.encode() in blob or number.encode("utf-16-le") in blob:
        return True
    # Any 64-byte window from inside the photos (past the JPEG header, which is common to all).
    return any(img[i : i + 64] in blob for img in images for i in range(2048, len(img) - 64, 4096))


def test_reading_leaves_no_image_or_number_on_disk_or_in_logs(
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_card: Callable[..., GeneratedCard],
) -> None:
    temp_dir = tmp_path / "tmp"
    temp_dir.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp_dir))
    monkeypatch.setattr(tempfile, "tempdir", str(temp_dir))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    logs = io.StringIO()
    configure_logging(level="debug", json_logs=True, stream=logs)
    system_tmp = Path("/tmp")
    before = {p for p in system_tmp.iterdir()} if system_tmp.exists() else set()

    card = make_card(41, 90, back=True)
    assert card.back is not None
    recognizer = rapid.RapidTextRecognizer()
    reading = read_id_card(recognizer, card.front, card.back, today=TODAY)
    assert reading.value("number") == card.person.number  # it did read the card
    try:
        recognizer.recognize(b"\xff\xd8\xff\xe0 broken jpeg")
    except Exception as exc:
        logs.write(repr(exc))

    images = [card.front, card.back]
    number = card.person.number
    assert not _holds_secret(logs.getvalue().encode(), number, images)
    assert "id_card_read" in logs.getvalue()  # the use case did log (without the data)
    for path, blob in _files_under(settings.data_dir, temp_dir).items():
        assert not _holds_secret(blob, number, images), path
    new_in_tmp = {p for p in system_tmp.iterdir()} - before
    for path, blob in _files_under(*new_in_tmp).items():
        assert not _holds_secret(blob, number, images), path
    configure_logging(level="info")


def test_engine_loads_and_reads_with_network_blocked(
    monkeypatch: pytest.MonkeyPatch, make_card: Callable[..., GeneratedCard]
) -> None:
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network is blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a))  # type: ignore[arg-type]
    # Force a fresh load of the models inside the blocked section.
    monkeypatch.setattr(rapid, "_engine", None)
    monkeypatch.setattr(rapid, "_engine_tuning", None)

    card = make_card(42, 270)
    page = rapid.RapidTextRecognizer().recognize(card.front)
    assert any(card.person.number in b.text for b in page.boxes)
    assert attempts == []
