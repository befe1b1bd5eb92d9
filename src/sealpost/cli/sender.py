"""``sealpost sender enroll|qr``: enroll a sender on this host and show their identity QR (a simulated phone).

The device file written by ``enroll`` is what a phone keeps: the device private key (PEM), the
``sender_id`` and the platform's public sealing key. It holds no name, number or phone.
"""

from __future__ import annotations

import base64
import os
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
import typer

from sealpost.cli.output import fail, fail_with, print_json
from sealpost.cli.settings import load_settings
from sealpost.errors import SealpostError

app = typer.Typer(help="寄件人 · senders: enroll, identity QR", no_args_is_help=True)


def _date(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{name} 须为 YYYY-MM-DD · {name} must be YYYY-MM-DD", 2)


@app.command("enroll")
def enroll(
    out: Path = typer.Option(..., "-o", "--out", help="device file to write (JSON, 0600)"),
    front: Path | None = typer.Option(None, exists=True, dir_okay=False, help="photo of the card's front"),
    back: Path | None = typer.Option(None, exists=True, dir_okay=False, help="photo of the card's back"),
    doc_type: str | None = typer.Option(None, "--type", help="document type (default: from the number)"),
    number: str | None = typer.Option(None, help="document number (typed, or to confirm the photo)"),
    name: str | None = typer.Option(None, help="name (typed, or to confirm the photo)"),
    phone: str | None = typer.Option(None, help="mobile number"),
    birth_date: str | None = typer.Option(None, help="YYYY-MM-DD, for documents without it in the number"),
    valid_to: str | None = typer.Option(None, help="YYYY-MM-DD, the document's expiry"),
) -> None:
    """Enroll a sender (photos or typed fields) with a new device key; print the masked identity."""
    from sealpost.bootstrap import build_container
    from sealpost.client.identity_qr import SenderDevice
    from sealpost.services.enroll import EnrollmentRequest

    device = SenderDevice.generate()
    request = EnrollmentRequest(
        device_public_key=device.public_key(),
        photo_front=front.read_bytes() if front else None,
        photo_back=back.read_bytes() if back else None,
        doc_type=doc_type,
        number=number,
        name=name,
        phone=phone,
        birth_date=_date(birth_date, "birth_date"),
        valid_to=_date(valid_to, "valid_to"),
    )
    container = build_container(load_settings())
    try:
        result = container.enrollment.enroll(request)
        platform_key = container.crypto.sealing_public_key()
    except SealpostError as exc:
        if exc.extra.get("fields"):
            typer.echo(f"fields: {', '.join(map(str, exc.extra['fields']))}", err=True)
        fail_with(exc)
    finally:
        container.close()
    record: dict[str, Any] = {
        "sender_id": str(result.sender_id),
        "device_kid": device.kid,
        "device_key_pem": device.private_pem().decode(),
        "platform_sealing_key": base64.urlsafe_b64encode(platform_key).rstrip(b"=").decode(),
    }
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(orjson.dumps(record, option=orjson.OPT_INDENT_2))
    print_json(result.as_dict())


@app.command("qr")
def qr(
    device_file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="device file from `sender enroll`"
    ),
    png: Path | None = typer.Option(None, help="also write the code as a PNG"),
    text_only: bool = typer.Option(False, "--text", help="print only the code's text"),
) -> None:
    """Print the identity QR to show now (new each call; valid about 90 s, once)."""
    from sealpost.adapters.qr import render_png, render_terminal
    from sealpost.client.identity_qr import SenderDevice

    try:
        stored = orjson.loads(device_file.read_bytes())
        key = stored["platform_sealing_key"]
        device = SenderDevice.from_pem(
            stored["device_key_pem"].encode(),
            sender_id=UUID(stored["sender_id"]),
            platform_sealing_key=base64.urlsafe_b64decode(key + "=" * (-len(key) % 4)),
        )
    except (OSError, ValueError, KeyError, TypeError):
        fail("设备文件无效 · not a sender device file", 2)
    text = device.identity_qr()
    if png is not None:
        png.write_bytes(render_png(text))
    if not text_only:
        typer.echo(render_terminal(text), nl=False)
    typer.echo(text)
