"""The ``sealpost`` command: every group is registered here, one line each."""

from __future__ import annotations

import typer

from sealpost.cli import bench, system
from sealpost.cli import calls as calls_cli
from sealpost.cli import courier as courier_cli
from sealpost.cli import dev as dev_cli
from sealpost.cli import id_ocr as id_ocr_cli
from sealpost.cli import identity as identity_cli
from sealpost.cli import items as items_cli
from sealpost.cli import keys as keys_cli
from sealpost.cli import label as label_cli
from sealpost.cli import numbers as numbers_cli
from sealpost.cli import qr as qr_cli
from sealpost.cli import records as records_cli
from sealpost.cli import sender as sender_cli

app = typer.Typer(
    name="sealpost",
    help="sealpost · 邮件快件实名收寄信息系统 (real-name parcel posting with sealed personal data)",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

app.command()(system.version)
app.command()(system.serve)
app.add_typer(system.db_app, name="db")
app.add_typer(system.demo_app, name="demo")
app.add_typer(bench.app, name="bench")
app.add_typer(identity_cli.app, name="id")
identity_cli.app.command("ocr")(id_ocr_cli.id_ocr)
app.add_typer(dev_cli.app, name="dev")
app.add_typer(identity_cli.phone_app, name="phone")
app.command("mask")(identity_cli.mask_command)
app.add_typer(qr_cli.app, name="qr")
app.add_typer(sender_cli.app, name="sender")
app.add_typer(keys_cli.app, name="keys")
app.add_typer(courier_cli.app, name="courier")
app.add_typer(label_cli.app, name="label")
app.add_typer(items_cli.app, name="items")
app.add_typer(numbers_cli.org_app, name="org")
app.add_typer(numbers_cli.waybill_app, name="waybill-no")
app.add_typer(calls_cli.app, name="calls")
app.add_typer(records_cli.customers_app, name="customers")
app.add_typer(records_cli.terminals_app, name="terminals")
app.add_typer(records_cli.enterprise_app, name="enterprise")


def run() -> None:
    app()
