"""``sealpost dev make-idcards`` and ``sealpost id ocr`` from the command line (in process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sealpost.cli.main import app

pytestmark = pytest.mark.slow


def test_make_idcards_then_read_them(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "cards"
    result = runner.invoke(app, ["dev", "make-idcards", "2", str(out), "--seed", "7", "--back"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "0001.json", "0001_back.jpg", "0001_front.jpg", "0002.json", "0002_back.jpg", "0002_front.jpg",
    ]  # fmt: skip
    truth = json.loads((out / "0001.json").read_text(encoding="utf-8"))
    assert truth["front"] == "0001_front.jpg" and truth["back"] == "0001_back.jpg"
    assert {
        "name",
        "sex",
        "ethnicity",
        "birth_date",
        "address",
        "number",
        "authority",
        "valid_from",
        "valid_to",
    } <= set(truth)
    # Same seed, same cards.
    again = tmp_path / "again"
    assert runner.invoke(app, ["dev", "make-idcards", "1", str(again), "--seed", "7"]).exit_code == 0
    assert json.loads((again / "0001.json").read_text(encoding="utf-8"))["number"] == truth["number"]

    result = runner.invoke(app, ["id", "ocr", str(out / "0001_front.jpg"), str(out / "0001_back.jpg")])
    printed = json.loads(result.stdout)
    for key in (
        "name",
        "sex",
        "ethnicity",
        "birth_date",
        "address",
        "number",
        "authority",
        "valid_from",
        "valid_to",
    ):
        assert printed[key] == truth[key], key
    assert printed["cross_check"]["valid"] is True
    assert set(printed["confidence"]) >= {"name", "number", "valid_to"}
    # Valid on the generator's day; the CLI checks expiry against today's date in China.
    assert result.exit_code == (0 if printed["cross_check"]["valid"] else 1)


def test_id_ocr_usage_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(app, ["id", "ocr", str(tmp_path / "nope.jpg")])
    assert missing.exit_code == 2
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"not an image")
    result = runner.invoke(app, ["id", "ocr", str(garbage)])
    assert result.exit_code == 2
    assert "image_unreadable" in result.output


def test_id_ocr_invalid_card_exits_1(tmp_path: Path) -> None:
    """A photo with no card on it reads nothing: not valid, exit 1."""
    from io import BytesIO

    from PIL import Image

    blank = tmp_path / "blank.png"
    buf = BytesIO()
    Image.new("RGB", (640, 400), (200, 200, 200)).save(buf, "PNG")
    blank.write_bytes(buf.getvalue())
    result = CliRunner().invoke(app, ["id", "ocr", str(blank)])
    assert result.exit_code == 1
    printed = json.loads(result.stdout)
    assert printed["cross_check"]["valid"] is False
    assert printed["number"] is None
