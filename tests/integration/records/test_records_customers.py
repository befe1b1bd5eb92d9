"""Agreement customers and the bulk upload of their shipments, on SQLite and PostgreSQL; the CLI."""

from __future__ import annotations

import csv
import io
import random
from datetime import date
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from records_support import (
    CLEAR_VALUES,
    RECIPIENT_ADDRESS,
    RECIPIENT_NAME,
    RECIPIENT_PHONE,
    SENDER_ADDRESS,
    SENDER_ID,
    SENDER_NAME,
    SENDER_PHONE,
    dump_storage_bytes,
    make_settings,
    prepare_keyring,
)
from sealpost.bootstrap import Container
from sealpost.cli.main import app
from sealpost.domain.organizations import generate_uscc
from sealpost.domain.waybill_numbers import s10_number
from sealpost.ports.agreement_customers import AgreementCustomer
from sealpost.services.agreement_customers import CustomerRegistration, ShipmentUpload, read_rows

COLUMNS = (
    "waybill_no",
    "sender_phone",
    "sender_address",
    "recipient_name",
    "recipient_phone",
    "recipient_address",
    "origin_county",
    "destination_county",
    "item_name",
    "item_category",
    "quantity",
    "weight_g",
    "declared_value_cny",
)


def _uscc() -> str:
    return generate_uscc(random.Random(7))


def _register(container: Container) -> AgreementCustomer:
    return CustomerRegistration(container.agreement_customers, container.clock).register(
        company="EMS",
        org_name="杭州示例电子商务有限公司",
        uscc=_uscc(),
        agreement_no="EMS-AQ-2026-0001",
        agreement_start=date(2026, 1, 1),
        agreement_end=date(2027, 12, 31),
        responsible_name=SENDER_NAME,
        responsible_document_number=SENDER_ID,
        responsible_phone=SENDER_PHONE,
    )


def _rows(n: int, bad: dict[int, dict[str, str]] | None = None) -> list[dict[str, str]]:
    rng = random.Random(42)
    rows = []
    for i in range(n):
        row = {
            "waybill_no": s10_number("EB", 10_000_000 + i, "CN"),
            "sender_phone": SENDER_PHONE,
            "sender_address": SENDER_ADDRESS,
            "recipient_name": RECIPIENT_NAME,
            "recipient_phone": RECIPIENT_PHONE,
            "recipient_address": RECIPIENT_ADDRESS,
            "origin_county": "330106",
            "destination_county": rng.choice(["310115", "110105", "440305"]),
            "item_name": rng.choice(["连衣裙", "手机壳", "茶叶", "火锅底料"]),
            "item_category": "日用品",
            "quantity": str(rng.randint(1, 3)),
            "weight_g": str(rng.randint(100, 5000)),
            "declared_value_cny": "59.90",
        }
        row.update((bad or {}).get(i, {}))
        rows.append(row)
    return rows


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def test_registration_validates_the_uscc_and_the_responsible_persons_id(container: Container) -> None:
    from sealpost.errors import SealpostError

    customer = _register(container)
    assert customer.responsible_masked == {"name": "司马**", "document_number": "1****************X"}
    registration = CustomerRegistration(container.agreement_customers, container.clock)
    bad_uscc = _uscc()[:-1] + ("0" if _uscc()[-1] != "0" else "1")
    with pytest.raises(SealpostError):
        registration.register(
            company="EMS",
            org_name="某公司",
            uscc=bad_uscc,
            agreement_no="X",
            agreement_start=date(2026, 1, 1),
            agreement_end=date(2026, 12, 31),
            responsible_name="张三",
            responsible_document_number=SENDER_ID,
        )
    with pytest.raises(SealpostError) as dup:
        _register(container)
    assert dup.value.code == "agreement_customer_exists"
    person = container.agreement_customers.open_responsible(customer.customer_id)
    assert person is not None and person.document_number == SENDER_ID


def test_bulk_upload_keeps_good_rows_reports_bad_ones_and_is_idempotent(container: Container) -> None:
    customer = _register(container)
    bad = {
        3: {"destination_county": "999999"},
        10: {"recipient_phone": "12345"},
        11: {"item_name": "雷管"},
        500: {"quantity": "three"},
        1499: {"recipient_name": ""},
    }
    data = _csv(_rows(1500, bad))
    upload = ShipmentUpload(
        container.ingestor, container.agreement_customers, container.records, container.clock
    )
    progressed: list[int] = []
    report = upload.upload(customer.customer_id, read_rows(data, "csv"), progress=progressed.append)
    assert report.rows == 1500 and report.stored == 1495 and sum(progressed) == 1500 - 2
    assert {(e.row, e.reason) for e in report.errors} == {
        (5, "county_invalid"),
        (12, "recipient_phone_invalid"),
        (13, "item_prohibited"),
        (502, "row_number_invalid"),
        (1501, "row_malformed"),
    }
    assert container.records.count() == 1495
    # The same file again: nothing stored twice, the same receipts.
    again = upload.upload(customer.customer_id, read_rows(data, "csv"))
    assert again.stored == 0 and again.duplicates == 1495
    assert again.receipts == report.receipts
    # JSON works the same way.
    json_rows = _rows(3)
    for row in json_rows:
        row["waybill_no"] = row["waybill_no"].replace("EB", "EC")
    json_report = upload.upload(customer.customer_id, read_rows(orjson.dumps(json_rows), "json"))
    assert json_report.stored == 3 and json_report.errors == []
    data_at_rest = dump_storage_bytes(container)
    for value in CLEAR_VALUES:
        assert value.encode() not in data_at_rest, value


def test_customers_cli_add_and_upload_with_row_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sealpost.adapters.db.migrate import upgrade

    settings = make_settings(tmp_path / "cli-data")
    prepare_keyring(settings)
    upgrade(settings.effective_database_url)
    monkeypatch.setenv("SEALPOST_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SEALPOST_KEYRING_PASSPHRASE", settings.keyring_passphrase.get_secret_value())
    monkeypatch.setenv("SEALPOST_ENV", "test")
    runner = CliRunner()
    added = runner.invoke(
        app,
        [
            "customers", "add", "--company", "EMS", "--org-name", "示例商贸有限公司", "--uscc", _uscc(),
            "--agreement-no", "AQ-1", "--start", "2026-01-01", "--end", "2027-12-31",
            "--responsible-name", SENDER_NAME, "--responsible-id", SENDER_ID,
        ],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    customer_id = orjson.loads(added.stdout)["customer_id"]
    path = tmp_path / "shipments.csv"
    path.write_bytes(_csv(_rows(120, {7: {"weight_g": "0"}})))
    receipts = tmp_path / "receipts.jsonl"
    result = runner.invoke(
        app, ["customers", "upload", str(path), "--customer", customer_id, "--receipts", str(receipts)]
    )
    assert result.exit_code == 1, result.output
    summary = orjson.loads(result.stdout.strip().splitlines()[-1])
    assert summary["stored"] == 119 and summary["errors"][0] == {
        "row": 9,
        "reason": "weight_invalid",
        "field": "weight_g",
        "message": summary["errors"][0]["message"],
    }
    assert len(receipts.read_bytes().splitlines()) == 119
    listed = runner.invoke(app, ["customers", "list"])
    assert "司马**" in listed.stdout and SENDER_ID not in listed.stdout
    unknown = runner.invoke(app, ["customers", "upload", str(path), "--customer", "ac-nope"])
    assert unknown.exit_code == 1 and "Traceback" not in unknown.output
