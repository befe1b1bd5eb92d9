"""``sealpost id ocr IMAGE [IMAGE_BACK]``: read an ID card photo and print what it says.

Prints one JSON object: ``name``, ``sex``, ``ethnicity``, ``birth_date`` (YYYY-MM-DD), ``address``,
``number`` and, with the back, ``authority``, ``valid_from``, ``valid_to`` (a date or 长期);
``confidence`` per field, ``needs_confirmation`` (fields to confirm), ``cross_check`` (``valid``,
``errors``, ``warnings``, the number's ``region``). Exit 0 when the card is valid, 1 when not,
2 on a usage error (missing or unreadable file).

The JSON is for the person at the terminal and shows the number in clear; nothing is written to
disk or to the logs.
"""

from __future__ import annotations

from pathlib import Path

import typer

from sealpost.cli.identity import OutputLang, today_in_china
from sealpost.cli.output import fail, fail_with, print_json
from sealpost.errors import SealpostError


def id_ocr(
    image: Path = typer.Argument(..., help="正面照片 photo of the front (JPEG/PNG/WebP)"),
    image_back: Path | None = typer.Argument(None, help="背面照片 photo of the back (optional)"),
    lang: OutputLang = typer.Option(OutputLang.ZH, "--lang", help="message language"),
) -> None:
    """识别身份证照片 · read a resident ID card from photos; prints JSON. Exit 0 valid, 1 not, 2 usage."""
    from sealpost.adapters.ocr.rapid import RapidTextRecognizer
    from sealpost.config import get_settings
    from sealpost.logging import configure_logging
    from sealpost.services.read_id_card import read_id_card

    settings = get_settings()
    configure_logging(level=settings.log_level, json_logs=settings.json_logs)  # to stderr: stdout is JSON

    front = _read(image)
    back = _read(image_back) if image_back is not None else None
    try:
        reading = read_id_card(RapidTextRecognizer(), front, back, today=today_in_china())
    except SealpostError as exc:
        fail_with(exc, lang.value, code=2 if exc.code.startswith("image_") else 1)
    print_json(reading.to_dict(lang.value), pretty=True)
    raise typer.Exit(0 if reading.valid else 1)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        fail(f"无法读取文件 cannot read {path}: {exc.strerror}", code=2)
