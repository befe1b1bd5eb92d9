"""QR rendering (segno) and decoding (zxing-cpp), from clean images and from simulated phone photos."""

from __future__ import annotations

import io
from pathlib import Path
from xml.etree import ElementTree

import pytest
from PIL import Image
from qr_screen_photo import phone_photo
from typer.testing import CliRunner

from sealpost.adapters.qr import QrImageUnreadableError, decode, render_png, render_svg, render_terminal
from sealpost.cli.main import app

# About the size of a real identity token (see docs/protocols/identity-qr.md): 278 characters.
TOKEN_LIKE = "SPQ1:" + ("ABCDEFGHIJ0123456789 $%*+-./:" * 10)[:273]


def test_png_round_trip() -> None:
    assert decode(render_png(TOKEN_LIKE)) == [TOKEN_LIKE]


def test_svg_is_an_svg_document_with_the_code() -> None:
    root = ElementTree.fromstring(render_svg("SPQ1:HELLO"))
    assert root.tag.endswith("svg")
    assert root.find(".//{http://www.w3.org/2000/svg}path") is not None


def test_terminal_rendering_uses_block_characters() -> None:
    drawn = render_terminal("SPQ1:HELLO")
    assert len(drawn.splitlines()) > 10
    assert set(drawn) <= {"█", "▀", "▄", " ", "\n"}


@pytest.mark.parametrize("seed", range(4))
def test_decodes_from_a_phone_photo_of_a_screen(seed: int) -> None:
    photo = phone_photo(render_png(TOKEN_LIKE, scale=6), seed=seed, tilt=0.1 + 0.03 * seed)
    assert Image.open(io.BytesIO(photo)).format == "JPEG"
    assert decode(photo) == [TOKEN_LIKE]


def test_several_codes_in_one_image_are_all_found() -> None:
    canvas = Image.new("L", (900, 420), 255)
    for i, text in enumerate(["SPQ1:ONE", "SPQ1:TWO"]):
        canvas.paste(Image.open(io.BytesIO(render_png(text, scale=10))), (20 + i * 450, 20))
    assert sorted(decode(canvas)) == ["SPQ1:ONE", "SPQ1:TWO"]


def test_image_without_a_code_gives_nothing() -> None:
    out = io.BytesIO()
    Image.new("RGB", (200, 200), "white").save(out, "PNG")
    assert decode(out.getvalue()) == []


def test_bytes_that_are_not_an_image_are_refused() -> None:
    with pytest.raises(QrImageUnreadableError):
        decode(b"definitely not an image")


def test_cli_render_then_decode(tmp_path: Path) -> None:
    runner = CliRunner()
    png, svg = tmp_path / "code.png", tmp_path / "code.svg"
    assert runner.invoke(app, ["qr", "render", TOKEN_LIKE, "-o", str(png)]).exit_code == 0
    assert runner.invoke(app, ["qr", "render", "SPQ1:HELLO", "-o", str(svg)]).exit_code == 0
    assert svg.read_bytes().lstrip().startswith(b"<?xml")
    result = runner.invoke(app, ["qr", "decode", str(png)])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [TOKEN_LIKE]
    terminal = runner.invoke(app, ["qr", "render", "SPQ1:HELLO"])
    assert terminal.exit_code == 0
    assert "█" in terminal.stdout


def test_cli_decode_exits_1_when_no_code(tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    Image.new("RGB", (120, 120), "white").save(blank)
    result = CliRunner().invoke(app, ["qr", "decode", str(blank)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    not_image = tmp_path / "x.txt"
    not_image.write_text("hello")
    assert CliRunner().invoke(app, ["qr", "decode", str(not_image)]).exit_code == 1
    assert CliRunner().invoke(app, ["qr", "decode", str(tmp_path / "missing.png")]).exit_code == 2


def test_cli_render_refuses_unknown_output_kind(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["qr", "render", "X", "-o", str(tmp_path / "x.gif")])
    assert result.exit_code == 2
