"""Use case: a courier scans a waybill barcode at delivery and sees what delivery needs.

The view is built from the signed receipt's masked view only — masked recipient name and phone
(last 4 digits at most), the masked address, destination county and sort code, the item — and is
validated like a label (:meth:`sealpost.domain.labels.LabelContent.from_receipt` refuses any field
not in masked form). The real phone number is never part of it: "call" asks for a binding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sealpost.domain.labels import LabelContent
from sealpost.errors import NotFoundError
from sealpost.i18n import Text
from sealpost.ports.clock import Clock
from sealpost.ports.receipts import ReceiptStore
from sealpost.services.bind_call import check_waybill_no

#: Where the terminal asks for a virtual number when the courier taps "call".
CALL_PATH = "/v1/calls/bindings"


@dataclass(frozen=True, slots=True)
class DeliveryView:
    waybill_no: str
    company: str
    recipient_name: str
    recipient_phone: str
    recipient_address: str
    destination_county: str
    sort_code: str
    item_name: str
    item_quantity: int
    weight_g: int
    marks: str

    def as_json(self) -> dict[str, Any]:
        return {
            "waybill_no": self.waybill_no,
            "company": self.company,
            "recipient": {
                "name": self.recipient_name,
                "phone": self.recipient_phone,
                "address": self.recipient_address,
                "county_code": self.destination_county,
            },
            "sort_code": self.sort_code,
            "item": {"name": self.item_name, "quantity": self.item_quantity, "weight_g": self.weight_g},
            "marks": self.marks,
            "call": {
                "method": "POST",
                "path": CALL_PATH,
                "body": {"waybill_no": self.waybill_no, "models": ["axb", "axn"]},
                "hint": Text(
                    "点击拨打将分配隐私号，不显示收件人真实号码",
                    "calling assigns a virtual number; the recipient's real number is never shown",
                ).zh,
            },
        }


def delivery_view(
    waybill_no: str, *, receipts: ReceiptStore, clock: Clock, company: str | None = None
) -> DeliveryView:
    """The masked delivery view of ``waybill_no``; ``waybill_not_found`` if no receipt exists.

    With ``company`` (the courier's), another company's waybill is reported as not found.
    """
    no = check_waybill_no(waybill_no)
    receipt = receipts.get_by_waybill(no)
    if receipt is None or (company is not None and receipt.get("company") != company):
        raise NotFoundError("waybill_not_found", Text("找不到该运单", "no such waybill"))
    content = LabelContent.from_receipt(receipt, printed_at=clock.now())
    return DeliveryView(
        waybill_no=content.waybill_no,
        company=content.company,
        recipient_name=content.recipient.name,
        recipient_phone=content.recipient.phone,
        recipient_address=content.recipient.address,
        destination_county=content.destination_county,
        sort_code=content.sort_code,
        item_name=content.item.name,
        item_quantity=content.item.quantity,
        weight_g=content.item.weight_g,
        marks=content.marks,
    )
