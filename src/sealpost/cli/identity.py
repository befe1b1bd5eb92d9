"""``sealpost id check``, ``sealpost phone check`` and ``sealpost mask``.

Stable for scripts:

* ``sealpost id check NUMBER [--type TYPE]`` prints one JSON object (``valid``, ``type``,
  ``normalized``, ``reason`` when invalid, ``message``; for resident-ID layouts ``region``,
  ``birth_date``, ``sex``, ``age``). Exit 0 when valid, 1 when invalid, 2 on a usage error.
* ``sealpost phone check NUMBER`` prints one JSON object (``valid``, ``normalized``, ``kind``,
  ``carrier``…), same exit codes.
* ``sealpost mask --kind name|phone|address|id VALUE [--style standard|smile]`` prints the masked
  value on one line.

``app`` is the ``id`` group; other modules may add commands to it (``id ocr``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from enum import StrEnum

import typer

from sealpost.cli.output import print_json
from sealpost.domain.identity.documents import DocumentType, check_document
from sealpost.domain.identity.phone import check_phone
from sealpost.domain.masking import mask

app = typer.Typer(help="身份证件 · identity documents", no_args_is_help=True)
phone_app = typer.Typer(help="电话号码 · phone numbers", no_args_is_help=True)

#: China Standard Time (no daylight saving): "today" for birth dates and ages.
CHINA_TZ = timezone(timedelta(hours=8), "CST")


class OutputLang(StrEnum):
    ZH = "zh-CN"
    EN = "en"


class MaskKindChoice(StrEnum):
    NAME = "name"
    PHONE = "phone"
    ADDRESS = "address"
    ID = "id"


class MaskStyleChoice(StrEnum):
    STANDARD = "standard"
    SMILE = "smile"


def today_in_china() -> date:
    """Today's date in China (the CLI is an entry point: it may read the clock)."""
    return datetime.now(CHINA_TZ).date()


LANG_OPTION = typer.Option(OutputLang.ZH, "--lang", envvar="SEALPOST_LANG", help="message language 消息语言")


@app.command("check")
def id_check(
    number: str = typer.Argument(..., help="证件号码 document number"),
    doc_type: DocumentType | None = typer.Option(
        None, "--type", "-t", help="证件类型 document type (detected from the number when absent)"
    ),
    lang: OutputLang = LANG_OPTION,
) -> None:
    """Check an identity document number; prints JSON. Exit 0 valid, 1 invalid, 2 usage error."""
    result = check_document(number, doc_type, today=today_in_china())
    print_json(result.as_dict(lang.value))
    raise typer.Exit(0 if result.valid else 1)


@phone_app.command("check")
def phone_check(
    number: str = typer.Argument(..., help="电话号码 phone number (+86/0086, spaces, dashes allowed)"),
    lang: OutputLang = LANG_OPTION,
) -> None:
    """Check a mobile or landline number; prints JSON. Exit 0 valid, 1 invalid, 2 usage error."""
    result = check_phone(number)
    print_json(result.as_dict(lang.value))
    raise typer.Exit(0 if result.valid else 1)


def mask_command(
    value: str = typer.Argument(..., help="要脱敏的值 the value to mask"),
    kind: MaskKindChoice = typer.Option(..., "--kind", "-k", help="name | phone | address | id"),
    style: MaskStyleChoice = typer.Option(
        MaskStyleChoice.STANDARD, "--style", "-s", help="standard (*) | smile (^_^)"
    ),
) -> None:
    """Mask a name, phone, address or ID number as GB/T 41833-2022 requires for waybills."""
    typer.echo(mask(kind.value, value, style.value))
