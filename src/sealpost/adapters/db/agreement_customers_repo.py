"""Agreement customers on SQL (:class:`sealpost.ports.agreement_customers.AgreementCustomers`).

The responsible person's name, document number and phone are encrypted under the field cipher
(AAD = the customer id + field name); the document number also gets a blind index.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Engine, RowMapping
from sqlalchemy.exc import IntegrityError

from sealpost.adapters.db.tables.records import agreement_customers
from sealpost.errors import Conflict
from sealpost.i18n import Text
from sealpost.ports.agreement_customers import AgreementCustomer, ResponsiblePerson
from sealpost.ports.crypto import BlindIndex, FieldEncryptor


class SqlAgreementCustomers:
    def __init__(self, engine: Engine, fields: FieldEncryptor, blind: BlindIndex) -> None:
        self._engine = engine
        self._fields = fields
        self._blind = blind

    def add(self, customer: AgreementCustomer, person: ResponsiblePerson, now: datetime) -> AgreementCustomer:
        cid = customer.customer_id
        enc = self._fields.encrypt_text
        row = {
            "customer_id": cid,
            "company": customer.company,
            "org_name": customer.org_name,
            "uscc": customer.uscc,
            "agreement_no": customer.agreement_no,
            "agreement_start": customer.agreement_start,
            "agreement_end": customer.agreement_end,
            "responsible_document_type": person.document_type,
            "responsible_name_enc": enc(cid, "responsible_name", person.name),
            "responsible_id_number_enc": enc(cid, "responsible_id_number", person.document_number),
            "responsible_phone_enc": enc(cid, "responsible_phone", person.phone) if person.phone else None,
            "bi_responsible_id_number": self._blind.index("id_number", person.document_number),
            "responsible_masked": dict(customer.responsible_masked),
            "status": customer.status,
            "created_at": now,
        }
        try:
            with self._engine.begin() as conn:
                conn.execute(agreement_customers.insert().values(**row))
        except IntegrityError:
            raise Conflict(
                "agreement_customer_exists",
                Text("该企业已登记此统一社会信用代码的协议客户", "this company already registered that USCC"),
            ) from None
        return customer

    def get(self, customer_id: str) -> AgreementCustomer | None:
        return self.get_many([customer_id]).get(customer_id)

    def get_many(self, customer_ids: Iterable[str]) -> dict[str, AgreementCustomer]:
        ids = sorted(set(customer_ids))
        out: dict[str, AgreementCustomer] = {}
        with self._engine.connect() as conn:
            for start in range(0, len(ids), 900):
                query = sa.select(agreement_customers).where(
                    agreement_customers.c.customer_id.in_(ids[start : start + 900])
                )
                for row in conn.execute(query):
                    customer = _customer(row._mapping)
                    out[customer.customer_id] = customer
        return out

    def find_by_uscc(self, company: str, uscc: str) -> AgreementCustomer | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(agreement_customers).where(
                    agreement_customers.c.company == company, agreement_customers.c.uscc == uscc
                )
            ).first()
        return _customer(row._mapping) if row is not None else None

    def list(self, company: str | None = None, limit: int = 100) -> list[AgreementCustomer]:
        query = sa.select(agreement_customers).order_by(agreement_customers.c.created_at).limit(limit)
        if company is not None:
            query = query.where(agreement_customers.c.company == company)
        with self._engine.connect() as conn:
            return [_customer(row._mapping) for row in conn.execute(query)]

    def open_responsible(self, customer_id: str) -> ResponsiblePerson | None:
        """The responsible person in clear (platform side: an audited regulator lookup only)."""
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(agreement_customers).where(agreement_customers.c.customer_id == customer_id)
            ).first()
        if row is None:
            return None
        m = row._mapping
        dec = self._fields.decrypt_text
        phone = m["responsible_phone_enc"]
        return ResponsiblePerson(
            name=dec(customer_id, "responsible_name", m["responsible_name_enc"]),
            document_type=m["responsible_document_type"],
            document_number=dec(customer_id, "responsible_id_number", m["responsible_id_number_enc"]),
            phone=dec(customer_id, "responsible_phone", phone) if phone is not None else None,
        )


def _customer(row: RowMapping) -> AgreementCustomer:
    return AgreementCustomer(
        customer_id=row["customer_id"],
        company=row["company"],
        org_name=row["org_name"],
        uscc=row["uscc"],
        agreement_no=row["agreement_no"],
        agreement_start=row["agreement_start"],
        agreement_end=row["agreement_end"],
        responsible_document_type=row["responsible_document_type"],
        responsible_masked=row["responsible_masked"] or {},
        status=row["status"],
    )
