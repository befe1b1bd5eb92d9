"""``sealpost courier …``: register a courier, show their QR, verify a QR, revoke."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
import typer

from sealpost.cli.output import fail, fail_with, print_json
from sealpost.cli.settings import load_settings
from sealpost.errors import SealpostError

if TYPE_CHECKING:
    from sealpost.bootstrap import Container

app = typer.Typer(help="快递员身份 · courier credentials and their QR codes", no_args_is_help=True)


def _container() -> Container:
    from sealpost.bootstrap import build_container

    return build_container(load_settings())


@app.command("register")
def register(
    company: str = typer.Option(..., help="company code, e.g. SF, EMS"),
    name: str = typer.Option(..., help="the courier's name"),
    phone: str = typer.Option(..., help="the courier's mobile number"),
    employee_no: str = typer.Option(..., "--employee-no", help="employee number"),
    outlet: str = typer.Option(..., help="outlet (网点) code"),
    company_name: str = typer.Option("", help="company name shown to senders"),
    photo: Path | None = typer.Option(None, exists=True, dir_okay=False, help="photo (JPEG/PNG)"),
    out: Path = typer.Option(..., "-o", "--out", help="where to write the courier device file (JSON, 0600)"),
    days: int = typer.Option(365, min=1, max=1095, help="validity in days"),
) -> None:
    """Register a courier (platform admin on this host) and write the device file: key + credential."""
    from sealpost.adapters.db.couriers_repo import SqlCourierRepository
    from sealpost.adapters.device_keys import P256DeviceSignatures
    from sealpost.client.courier_qr import CourierDevice
    from sealpost.services.courier_credentials import register_courier

    container = _container()
    try:
        kit = container.crypto
        device = CourierDevice.generate()
        issued = register_courier(
            repo=SqlCourierRepository(container.engine),
            signer=kit,
            fields=kit.fields,
            blind=kit.blind,
            devices=P256DeviceSignatures(),
            clock=container.clock,
            suite_name=kit.keyring.suite_name,
            company=company,
            company_name=company_name,
            name=name,
            phone=phone,
            employee_no=employee_no,
            outlet=outlet,
            device_public_key=device.public_key(),
            photo=photo.read_bytes() if photo else None,
            validity=timedelta(days=days),
        )
    except SealpostError as exc:
        fail_with(exc)
    finally:
        container.close()
    out.write_bytes(
        orjson.dumps({"device_key_pem": device.private_pem().decode(), "issued": issued.to_json()})
    )
    out.chmod(0o600)
    print_json(
        {"courier_id": issued.courier_id, "masked_name": issued.credential.masked_name, "file": str(out)}
    )


@app.command("qr")
def show_qr(
    device_file: Path = typer.Argument(..., exists=True, dir_okay=False, help="file written by `register`"),
    png: Path | None = typer.Option(None, "--png", help="also write the QR as a PNG"),
) -> None:
    """Print the QR text this courier's device shows now (valid for about a minute)."""
    from sealpost.client.courier_qr import CourierDevice
    from sealpost.ports.clock import SystemClock
    from sealpost.services.courier_credentials import IssuedCredential

    try:
        data = orjson.loads(device_file.read_bytes())
        device = CourierDevice.from_pem(
            data["device_key_pem"].encode(), IssuedCredential.from_json(data["issued"])
        )
    except (orjson.JSONDecodeError, KeyError, ValueError, TypeError):
        fail(f"不是快递员设备文件 not a courier device file: {device_file}", 2)
    text = device.qr(SystemClock().now())
    if png is not None:
        import segno

        segno.make(text, error="m").save(str(png), scale=6, border=4)
    typer.echo(text)


@app.command("verify")
def verify(
    qr_text: str = typer.Argument(..., metavar="QRTEXT", help="the scanned QR text (SPC1:…)"),
    offline: bool = typer.Option(False, help="skip the revocation check (what a phone does offline)"),
) -> None:
    """Check a courier QR: prints the verdict as JSON; exit 0 genuine (真), 1 not (假)."""
    from sealpost.adapters.db.couriers_repo import SqlCourierRepository
    from sealpost.adapters.device_keys import P256DeviceSignatures
    from sealpost.services.courier_credentials import verify_courier_qr

    settings = load_settings()
    container = _container()
    try:
        verdict = verify_courier_qr(
            qr_text,
            platform=container.crypto,
            devices=P256DeviceSignatures(),
            now=container.clock.now(),
            repo=None if offline else SqlCourierRepository(container.engine),
        )
    finally:
        container.close()
    print_json(verdict.to_public(settings.lang))
    raise typer.Exit(0 if verdict.genuine else 1)


@app.command("revoke")
def revoke(courier_id: str = typer.Argument(..., help="the courier id")) -> None:
    """Revoke a courier's credential (every later online check fails)."""
    from sealpost.adapters.db.couriers_repo import SqlCourierRepository
    from sealpost.services.courier_credentials import revoke_courier

    container = _container()
    try:
        revoke_courier(
            repo=SqlCourierRepository(container.engine), clock=container.clock, courier_id=courier_id
        )
    except SealpostError as exc:
        fail_with(exc)
    finally:
        container.close()
    typer.echo("已注销 revoked")
