"""Agreement customers (协议客户) and their bulk shipments.

Long-term and bulk senders sign a safety agreement (安全协议) with the express company
(快递暂行条例 Art 31; 邮件快件寄递协议服务安全管理办法). They are registered once:

* the organisation and its unified social credit code (GB 32100, both check characters verified),
* the agreement's number and validity dates,
* the responsible person's identity document (validated with the identity rules, stored
  encrypted with a blind index; only the masked form is shown).

Their shipments then come in bulk — a CSV or JSON file of tens of thousands of rows — without a
per-parcel ID check (Art 22 exempts safety-agreement users). Each row becomes a collection record
that goes through the same ingest pipeline (validation, encryption at rest, signed receipts) in
batches of 1,000. A bad row is reported with its row number and reason; the good rows are stored.
A row's ``record_id`` is derived from the customer, the waybill number and the collection time
when the file has none, and a row whose waybill number the customer already sent reuses that
record's id, so uploading the same file twice stores nothing twice and answers the same receipts.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import orjson

from sealpost.domain.identity.documents import check_document
from sealpost.domain.masking import mask_id_number, mask_name
from sealpost.domain.organizations import validate_uscc
from sealpost.domain.records import Party, PersonalFields, format_time, parse_time
from sealpost.errors import SealpostError
from sealpost.i18n import Text
from sealpost.ports.agreement_customers import AgreementCustomer, AgreementCustomers, ResponsiblePerson
from sealpost.ports.clock import Clock
from sealpost.ports.records import RecordStore
from sealpost.services.ingest import MAX_BATCH, ClearRecord, Ingestor, Source

#: Columns of a shipment file (CSV header or JSON keys). Optional ones may be left out.
REQUIRED_COLUMNS: Final = (
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
)
OPTIONAL_COLUMNS: Final = (
    "declared_value_cny",
    "collected_at",
    "record_id",
    "sender_name",
    "sort_code",
    "inspected",
)

ROW_REASONS: Final[dict[str, Text]] = {
    "row_malformed": Text("该行缺少必填列或格式错误", "the row misses a required column or is malformed"),
    "row_number_invalid": Text(
        "数量、重量或声明价值不是有效数字", "quantity, weight or declared value is not a number"
    ),
    "row_time_invalid": Text("收寄时间格式错误（RFC 3339）", "collection time is not RFC 3339"),
}


def _error(code: str, zh: str, en: str, status: int = 422) -> SealpostError:
    return SealpostError(code, Text(zh, en), status=status)


@dataclass
class CustomerRegistration:
    repo: AgreementCustomers
    clock: Clock

    def register(
        self,
        *,
        company: str,
        org_name: str,
        uscc: str,
        agreement_no: str,
        agreement_start: date,
        agreement_end: date,
        responsible_name: str,
        responsible_document_number: str,
        responsible_document_type: str | None = None,
        responsible_phone: str | None = None,
    ) -> AgreementCustomer:
        check = validate_uscc(uscc)
        if not check.ok:
            raise SealpostError(check.reason, check.message, status=422)
        if not 1 <= len(org_name.strip()) <= 200:
            raise _error("org_name_invalid", "单位名称为空或过长", "organisation name empty or too long")
        if not 1 <= len(agreement_no.strip()) <= 64:
            raise _error(
                "agreement_no_invalid", "安全协议编号为空或过长", "agreement number empty or too long"
            )
        if agreement_end < agreement_start:
            raise _error(
                "agreement_dates_invalid", "协议终止日期早于起始日期", "the agreement ends before it starts"
            )
        today = self.clock.now().date()
        document = check_document(responsible_document_number, responsible_document_type, today=today)
        if not document.valid or document.doc_type is None:
            raise SealpostError(
                "responsible_id_invalid",
                Text(
                    f"负责人证件无效：{document.message.zh}",
                    f"invalid responsible person ID: {document.message.en}",
                ),
                status=422,
            )
        name = responsible_name.strip()
        if not 1 <= len(name) <= 64:
            raise _error(
                "responsible_name_invalid",
                "负责人姓名为空或过长",
                "responsible person's name empty or too long",
            )
        number = document.converted or document.normalized
        customer = AgreementCustomer(
            customer_id="ac-" + secrets.token_hex(8),
            company=company,
            org_name=org_name.strip(),
            uscc=check.parts.code if check.parts else uscc,
            agreement_no=agreement_no.strip(),
            agreement_start=agreement_start,
            agreement_end=agreement_end,
            responsible_document_type=document.doc_type.value,
            responsible_masked={"name": mask_name(name), "document_number": mask_id_number(number)},
        )
        person = ResponsiblePerson(name, document.doc_type.value, number, responsible_phone)
        return self.repo.add(customer, person, self.clock.now())


# ----------------------------------------------------------------------------------- bulk upload


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    reason: str
    message: Text
    field: str | None = None

    def to_json(self, lang: str = "zh-CN") -> dict[str, Any]:
        return {
            "row": self.row,
            "reason": self.reason,
            "field": self.field,
            "message": self.message.en if lang == "en" else self.message.zh,
        }


@dataclass
class UploadReport:
    rows: int = 0
    stored: int = 0
    duplicates: int = 0
    late: int = 0
    errors: list[RowError] = field(default_factory=list)
    receipts: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def summary(self, lang: str = "zh-CN", max_errors: int = 1000) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "rejected": len(self.errors),
            "late": self.late,
            "errors": [e.to_json(lang) for e in self.errors[:max_errors]],
            "errors_truncated": len(self.errors) > max_errors,
        }


def read_rows(data: bytes, fmt: str) -> Iterator[tuple[int, Mapping[str, Any] | None]]:
    """(row number, row) pairs from a CSV (UTF-8, header line; row 2 is the first data row) or a
    JSON array of objects (row 1 is the first element). A row that is not an object is ``None``."""
    if fmt == "csv":
        text = data.decode("utf-8-sig")
        reader = csv.DictReader(io.StringIO(text))
        for number, row in enumerate(reader, start=2):
            yield number, {k.strip(): (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k}
    elif fmt == "json":
        items = orjson.loads(data)
        if isinstance(items, Mapping):
            items = items.get("shipments", items.get("rows"))
        if not isinstance(items, list):
            raise _error("upload_malformed", "JSON 须为对象数组", "JSON must be an array of objects", 400)
        for number, row in enumerate(items, start=1):
            yield number, row if isinstance(row, Mapping) else None
    else:
        raise _error("upload_format_invalid", "文件格式须为 csv 或 json", "format must be csv or json", 400)


def derived_record_id(customer_id: str, waybill_no: str, collected_at: datetime) -> str:
    """A UUIDv7 fixed by (customer, waybill number): re-uploads of a row keep their record id."""
    ms = int(collected_at.timestamp() * 1000) & (2**48 - 1)
    digest = int.from_bytes(hashlib.sha256(f"{customer_id}\x00{waybill_no}".encode()).digest()[:10], "big")
    value = ms << 80 | 0x7 << 76 | (digest >> 62 & 0xFFF) << 64 | 0b10 << 62 | digest & (2**62 - 1)
    return str(uuid.UUID(int=value))


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("boolean")
    if isinstance(value, int):
        return value
    return int(str(value).strip())


def _fen(value: Any) -> int:
    if value in (None, ""):
        return 0
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("declared value") from None
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("declared value has more than 2 decimals")
    return int(amount * 100)


def _bool(value: Any) -> bool:
    if value in (None, ""):
        return True
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "y", "是")


@dataclass
class ShipmentUpload:
    """Turns rows into records of one agreement customer and ingests them in batches."""

    ingestor: Ingestor
    customers: AgreementCustomers
    records: RecordStore
    clock: Clock
    batch_size: int = MAX_BATCH

    def upload(
        self,
        customer_id: str,
        rows: Iterable[tuple[int, Mapping[str, Any] | None]],
        *,
        outlet: str = "bulk",
        courier_id: str = "bulk-upload",
        progress: Callable[[int], None] | None = None,
    ) -> UploadReport:
        customer = self.customers.get(customer_id)
        if customer is None:
            raise SealpostError(
                "agreement_customer_not_found",
                Text("协议客户不存在", "no such agreement customer"),
                status=404,
            )
        if not customer.in_force(self.clock.now().date()):
            raise SealpostError(
                "agreement_not_in_force",
                Text("安全协议未生效或已过期", "the safety agreement is not in force"),
                status=422,
            )
        report = UploadReport()
        source = Source("platform", f"upload:{customer_id}"[:64])
        pending: list[tuple[int, ClearRecord]] = []
        for number, row in rows:
            report.rows += 1
            try:
                pending.append((number, self._record(customer, row, outlet, courier_id)))
            except _RowError as exc:
                report.errors.append(RowError(number, exc.reason, ROW_REASONS[exc.reason], exc.field))
            if len(pending) >= self.batch_size:
                self._flush(pending, source, report, progress)
                pending = []
        if pending:
            self._flush(pending, source, report, progress)
        report.errors.sort(key=lambda e: e.row)
        return report

    def _flush(
        self,
        pending: list[tuple[int, ClearRecord]],
        source: Source,
        report: UploadReport,
        progress: Callable[[int], None] | None,
    ) -> None:
        # A row whose waybill this customer already sent is the same shipment: same record id,
        # so ingest answers its stored receipt instead of refusing a duplicate waybill.
        company = pending[0][1].meta["company"]
        known = self.records.record_ids_by_waybill(company, (r.meta["waybill_no"] for _, r in pending))
        items: list[ClearRecord] = []
        for _, record in pending:
            found = known.get(record.meta["waybill_no"])
            if found is not None and found[1] == record.meta["agreement_customer_id"]:
                record = ClearRecord({**record.meta, "record_id": found[0]}, record.personal)
            items.append(record)
        outcome = self.ingestor.ingest_clear(items, source)
        report.stored += outcome.stored
        report.duplicates += outcome.duplicates
        report.late += outcome.late
        report.receipts.extend(outcome.receipt_list())
        for rejection in outcome.rejected:
            report.errors.append(
                RowError(pending[rejection.index][0], rejection.reason, rejection.message, rejection.field)
            )
        if progress is not None:
            progress(len(pending))

    def _record(
        self, customer: AgreementCustomer, row: Mapping[str, Any] | None, outlet: str, courier_id: str
    ) -> ClearRecord:
        if row is None:
            raise _RowError("row_malformed")
        for column in REQUIRED_COLUMNS:
            value = row.get(column)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise _RowError("row_malformed", column)
        try:
            quantity, weight, fen = (
                _int(row["quantity"]),
                _int(row["weight_g"]),
                _fen(row.get("declared_value_cny")),
            )
        except ValueError:
            raise _RowError("row_number_invalid", "quantity") from None
        raw_time = row.get("collected_at")
        try:
            collected = parse_time(raw_time) if raw_time not in (None, "") else self.clock.now()
        except ValueError:
            raise _RowError("row_time_invalid", "collected_at") from None
        waybill = str(row["waybill_no"]).strip()
        record_id = str(row.get("record_id") or "") or derived_record_id(
            customer.customer_id, waybill, collected
        )
        meta: dict[str, Any] = {
            "record_id": record_id,
            "terminal_id": f"bulk:{customer.customer_id}"[:64],
            "company": customer.company,
            "outlet": outlet,
            "courier_id": courier_id,
            "waybill_no": waybill,
            "origin_county": str(row["origin_county"]).strip(),
            "destination_county": str(row["destination_county"]).strip(),
            "item_name": str(row["item_name"]).strip(),
            "item_category": str(row["item_category"]).strip(),
            "quantity": quantity,
            "weight_g": weight,
            "declared_value_fen": fen,
            "inspected": _bool(row.get("inspected")),
            "sender_kind": "agreement",
            "agreement_customer_id": customer.customer_id,
            "collected_at": format_time(collected.astimezone(UTC)),
        }
        if row.get("sort_code"):
            meta["sort_code"] = str(row["sort_code"]).strip()
        personal = PersonalFields(
            sender=Party(
                str(row.get("sender_name") or "").strip(),
                str(row["sender_phone"]),
                str(row["sender_address"]),
            ),
            recipient=Party(
                str(row["recipient_name"]), str(row["recipient_phone"]), str(row["recipient_address"])
            ),
        )
        return ClearRecord(meta, personal)


class _RowError(Exception):
    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field
