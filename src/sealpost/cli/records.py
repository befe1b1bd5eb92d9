"""Collection-pipeline commands.

* ``sealpost customers add | list | upload FILE`` — agreement customers (协议客户) and the bulk upload
  of their shipments (CSV or JSON, tens of thousands of rows, a progress bar, row-level errors).
* ``sealpost terminals add | revoke`` — courier terminals of the public version (small regional
  couriers post straight to the platform); enterprises register theirs through the API.
* ``sealpost enterprise add-client`` — an enterprise system's OAuth2 client credentials (relay).
"""

from __future__ import annotations

import base64
import binascii
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from sealpost.cli.output import fail, fail_with, print_json
from sealpost.cli.settings import load_settings
from sealpost.errors import SealpostError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sealpost.bootstrap import Container

customers_app = typer.Typer(
    help="协议客户 · agreement customers and their bulk shipments", no_args_is_help=True
)
terminals_app = typer.Typer(help="收寄终端 · courier terminals (public version)", no_args_is_help=True)
enterprise_app = typer.Typer(help="企业接入 · enterprise relay clients (OAuth2)", no_args_is_help=True)


@contextmanager
def _container() -> Iterator[Container]:
    from sqlalchemy.exc import DBAPIError

    from sealpost.bootstrap import build_container

    settings = load_settings()
    container = build_container(settings, configure_logs=False)
    try:
        yield container
    except SealpostError as exc:
        fail_with(exc, settings.lang)
    except DBAPIError as exc:
        fail(f"数据库不可用或未迁移（sealpost db upgrade） database unavailable or not migrated: {exc.orig}")
    finally:
        container.close()


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} 须为 YYYY-MM-DD 日期 must be a YYYY-MM-DD date", 2)


# ----------------------------------------------------------------------------------- customers


@customers_app.command("add")
def customers_add(
    company: str = typer.Option(..., help="express company code, e.g. EMS"),
    org_name: str = typer.Option(..., "--org-name", help="organisation name (单位名称)"),
    uscc: str = typer.Option(..., help="unified social credit code (统一社会信用代码, GB 32100)"),
    agreement_no: str = typer.Option(..., "--agreement-no", help="safety agreement number (安全协议编号)"),
    start: str = typer.Option(..., help="agreement start date YYYY-MM-DD"),
    end: str = typer.Option(..., help="agreement end date YYYY-MM-DD"),
    responsible_name: str = typer.Option(..., "--responsible-name", help="responsible person's name"),
    responsible_id: str = typer.Option(..., "--responsible-id", help="responsible person's ID number"),
    responsible_id_type: str | None = typer.Option(
        None, "--responsible-id-type", help="document type (auto)"
    ),
    responsible_phone: str | None = typer.Option(None, "--responsible-phone"),
) -> None:
    """Register an agreement customer (the responsible person's identity is stored encrypted)."""
    from sealpost.services.agreement_customers import CustomerRegistration

    with _container() as c:
        customer = CustomerRegistration(c.agreement_customers, c.clock).register(
            company=company,
            org_name=org_name,
            uscc=uscc,
            agreement_no=agreement_no,
            agreement_start=_date(start, "--start"),
            agreement_end=_date(end, "--end"),
            responsible_name=responsible_name,
            responsible_document_number=responsible_id,
            responsible_document_type=responsible_id_type,
            responsible_phone=responsible_phone,
        )
        print_json(_customer_json(customer))


def _customer_json(customer: Any) -> dict[str, Any]:
    return {
        "customer_id": customer.customer_id,
        "company": customer.company,
        "org_name": customer.org_name,
        "uscc": customer.uscc,
        "agreement_no": customer.agreement_no,
        "agreement_start": customer.agreement_start.isoformat(),
        "agreement_end": customer.agreement_end.isoformat(),
        "responsible": dict(customer.responsible_masked),
        "status": customer.status,
    }


@customers_app.command("list")
def customers_list(
    company: str | None = typer.Option(None, help="only this company's customers"),
    limit: int = typer.Option(100, min=1, max=10000),
) -> None:
    """List agreement customers (masked responsible person)."""
    with _container() as c:
        print_json({"customers": [_customer_json(x) for x in c.agreement_customers.list(company, limit)]})


@customers_app.command("upload")
def customers_upload(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="CSV or JSON shipments"
    ),
    customer: str = typer.Option(..., "--customer", help="agreement customer id (ac-…)"),
    fmt: str | None = typer.Option(None, "--format", help="csv or json (default: from the file name)"),
    outlet: str = typer.Option("bulk", help="outlet that collects the customer's parcels"),
    courier: str = typer.Option("bulk-upload", help="courier id responsible for the pickup"),
    receipts: Path | None = typer.Option(
        None, "--receipts", help="write the signed receipts here (JSON lines)"
    ),
    max_errors: int = typer.Option(1000, "--max-errors", min=0, help="row errors printed at most"),
) -> None:
    """Upload an agreement customer's shipments: every good row stored with a signed receipt,
    every bad row reported with its row number and reason. Exit 0 when every row was accepted,
    1 when some rows were refused (the good ones are stored all the same)."""
    import orjson
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from sealpost.services.agreement_customers import ShipmentUpload, read_rows

    kind = (fmt or file.suffix.lstrip(".")).lower()
    if kind not in ("csv", "json"):
        fail("无法判断文件格式，请用 --format csv|json  cannot tell the format: use --format csv|json", 2)
    data = file.read_bytes()
    total = _count_rows(data, kind)
    settings = load_settings()
    with _container() as c:
        upload = ShipmentUpload(c.ingestor, c.agreement_customers, c.records, c.clock)
        console = Console(stderr=True)
        with Progress(
            TextColumn("[bold]上传 upload"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as progress:
            task = progress.add_task("rows", total=total)
            report = upload.upload(
                customer,
                read_rows(data, kind),
                outlet=outlet,
                courier_id=courier,
                progress=lambda n: progress.advance(task, n),
            )
            progress.update(task, completed=total)
        if receipts is not None:
            receipts.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in report.receipts))
        print_json(report.summary(settings.lang, max_errors))
        if report.errors:
            raise typer.Exit(1)


def _count_rows(data: bytes, kind: str) -> int:
    if kind == "csv":
        return max(0, data.count(b"\n") - 1 + (0 if data.endswith(b"\n") else 1))
    import orjson

    try:
        items = orjson.loads(data)
    except orjson.JSONDecodeError:
        fail("JSON 格式错误 malformed JSON", 2)
    if isinstance(items, dict):
        items = items.get("shipments", items.get("rows", []))
    return len(items) if isinstance(items, list) else 0


# ----------------------------------------------------------------------------------- terminals


@terminals_app.command("add")
def terminals_add(
    company: str = typer.Option(..., help="company code"),
    outlet: str = typer.Option(..., help="outlet id"),
    courier: str = typer.Option(..., help="courier id"),
    public_key: str = typer.Option(..., "--public-key", help="the terminal's signing public key (base64)"),
) -> None:
    """Register a public-version terminal; prints its id and bearer token (shown once)."""
    try:
        key = base64.b64decode(public_key, validate=True)
    except binascii.Error:
        fail("公钥须为 base64  the public key must be base64", 2)
    with _container() as c:
        terminal, token = c.terminals.register(
            company=company,
            outlet=outlet,
            courier_id=courier,
            suite=c.settings.crypto_suite,
            public_key=key,
            now=c.clock.now(),
        )
        print_json(
            {"terminal_id": terminal.terminal_id, "token": token, "company": company, "outlet": outlet}
        )


@terminals_app.command("revoke")
def terminals_revoke(terminal_id: str = typer.Argument(...)) -> None:
    """Revoke a terminal (a lost or stolen device): its token and sessions stop working."""
    with _container() as c:
        if not c.terminals.revoke(terminal_id, c.clock.now()):
            fail("终端不存在或已停用 no such active terminal", 1)
        print_json({"terminal_id": terminal_id, "status": "revoked"})


# ----------------------------------------------------------------------------------- enterprises


@enterprise_app.command("add-client")
def enterprise_add_client(
    company: str = typer.Option(..., help="company code"),
    name: str = typer.Option(..., help="client name, e.g. the system that relays"),
) -> None:
    """Create OAuth2 client credentials for an enterprise relay (the secret is shown once)."""
    with _container() as c:
        client, secret = c.enterprise_clients.create(company=company, name=name, now=c.clock.now())
        print_json({"client_id": client.client_id, "client_secret": secret, "company": company})
