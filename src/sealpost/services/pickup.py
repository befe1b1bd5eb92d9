"""The courier's pickup, platform side (design.md step 3; 快递暂行条例 Art 22, 31, 33).

The terminal (``sealpost.client.TerminalClient.pickup``) walks a parcel through these steps:

1. **Identify the sender** — an identity QR (``POST /v1/pickups/identify``,
   :mod:`sealpost.services.identify_sender`) or, for a walk-in without the app, the ID card's
   typed fields or a photo of it (:meth:`PickupDesk.walk_in`): sealed to the platform in the
   terminal's session, validated with the identity rules (document type, check digit, region,
   birth date), answered with the masked identity and a one-time ``identity_ref`` (10 min, this
   courier). An invalid document is refused (``id_invalid``) and counted for the regulator.
2. **Check the pickup** (:meth:`PickupDesk.check`): the item was inspected (开封验视, Art 31 —
   otherwise ``inspection_refused``), the item name is not prohibited (Art 33 — a prohibited item
   stops the pickup with ``item_prohibited`` and an interception event: courier, outlet,
   category, time, nothing personal), and the reference is still usable. Restricted items pass
   with ``needs_review``.
3. **Refusals** the courier reports (:meth:`PickupDesk.refuse`): the sender refused to show ID or
   the ID does not match the person (Art 22), or refused inspection — no acceptance, and an event.
4. **Seal and submit** happen on the terminal, then ingest answers the signed receipt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import orjson

from sealpost.domain import events as ev
from sealpost.domain.identity.documents import DocumentType, check_document
from sealpost.domain.masking import mask_id_number, mask_name
from sealpost.domain.records import SenderIdentity, walk_in_aad
from sealpost.errors import SealpostError
from sealpost.i18n import Text
from sealpost.logging import get_logger
from sealpost.ports.clock import Clock
from sealpost.ports.identity_refs import IdentityRefs
from sealpost.ports.terminals import Terminal

log = get_logger(__name__)

_T = Text
REFUSALS: Final[dict[str, tuple[str, Text]]] = {
    "id_refused": (
        ev.ID_REFUSED,
        _T("寄件人拒绝出示身份证件，不予收寄", "the sender refused to show ID: not accepted"),
    ),
    "id_mismatch": (
        ev.ID_REFUSED,
        _T("证件与寄件人本人不符，不予收寄", "the ID does not match the sender: not accepted"),
    ),
    "inspection_refused": (
        ev.INSPECTION_REFUSED,
        _T("寄件人拒绝开封验视，不予收寄", "the sender refused inspection: not accepted"),
    ),
}
MIN_SENDER_AGE: Final = 14


class PickupRefusedError(SealpostError):
    def __init__(self, code: str, message: Text, *, status: int = 422, **extra: Any) -> None:
        super().__init__(code, message, status=status, extra={"accepted": False, **extra})


@dataclass
class PickupDesk:
    refs: IdentityRefs
    check_item: Callable[[str], Any]
    events: Any
    clock: Clock
    open_blob: Callable[[Terminal, dict[str, Any], bytes], bytes]
    read_card: Callable[[bytes, date], Any] | None = None

    # ------------------------------------------------------------------ events
    def _event(self, terminal: Terminal, kind: str, reason: str, **detail: Any) -> None:
        self.events.append(
            ev.RegulatorEvent(
                kind=kind,
                occurred_at=self.clock.now(),
                company=terminal.company,
                outlet=terminal.outlet,
                courier_id=terminal.courier_id,
                reason=reason,
                detail={
                    "terminal_id": terminal.terminal_id,
                    **{k: v for k, v in detail.items() if v is not None},
                },
            )
        )

    # ------------------------------------------------------------------ 1. walk-in
    def walk_in(self, terminal: Terminal, body: dict[str, Any]) -> dict[str, Any]:
        """Open a walk-in's sealed ID card (fields or photo), validate it, issue a reference."""
        kind = body.get("kind")
        if kind not in ("fields", "photo") or not isinstance(body.get("session"), dict):
            raise SealpostError("walk_in_malformed", Text("请求格式错误", "malformed walk-in request"))
        sealed = body.get("sealed")
        if not isinstance(sealed, str):
            raise SealpostError("walk_in_malformed", Text("缺少密封的证件信息", "missing sealed card data"))
        data = self.open_blob(terminal, body, walk_in_aad(kind, terminal.terminal_id))
        today = self.clock.now().date()
        doc_type: str | None
        if kind == "photo":
            name, number, doc_type = self._read_photo(terminal, data, today)
        else:
            try:
                fields = orjson.loads(data)
                name, number = str(fields["name"]).strip(), str(fields["document_number"])
                doc_type = str(fields["document_type"]) if fields.get("document_type") else None
            except (orjson.JSONDecodeError, KeyError, TypeError):
                raise SealpostError(
                    "walk_in_malformed", Text("证件信息格式错误", "malformed card fields")
                ) from None
        return self._issue(terminal, name, number, doc_type, today)

    def _read_photo(self, terminal: Terminal, photo: bytes, today: date) -> tuple[str, str, str]:
        if self.read_card is None:
            raise SealpostError(
                "ocr_unavailable",
                Text("本平台未启用证件照识别", "ID card photo reading is not enabled"),
                status=503,
            )
        reading = self.read_card(photo, today)
        name, number = reading.value("name"), reading.value("number")
        if not reading.valid or not name or not number:
            self._event(terminal, ev.ID_REFUSED, "id_unreadable")
            raise PickupRefusedError(
                "id_invalid",
                Text(
                    "证件照无法识别或证件信息校验不通过，请重拍或手工录入",
                    "the card could not be read or failed its checks",
                ),
            )
        return str(name), str(number), DocumentType.RESIDENT_ID.value

    def _issue(
        self, terminal: Terminal, name: str, number: str, doc_type: str | None, today: date
    ) -> dict[str, Any]:
        try:
            check = check_document(number, doc_type, today=today)
        except ValueError:
            raise SealpostError(
                "document_type_invalid", Text("证件类型无效", "unknown document type")
            ) from None
        if not check.valid or not 1 <= len(name) <= 64 or check.doc_type is None:
            self._event(terminal, ev.ID_REFUSED, "id_invalid")
            raise PickupRefusedError(
                "id_invalid",
                Text(
                    f"证件无效：{check.message.zh}，不予收寄",
                    f"invalid document: {check.message.en}; not accepted",
                ),
                reason=check.reason,
            )
        age = check.resident.age if check.resident is not None else None
        if age is not None and age < MIN_SENDER_AGE:
            raise PickupRefusedError(
                "minor_under_14",
                Text("寄件人未满 14 周岁，请由监护人寄件", "the sender is under 14: a guardian must send"),
            )
        masked = {
            "name": mask_name(name),
            "document_type": check.doc_type.value,
            "document_type_label": check.doc_type.label.zh,
            "document_number": mask_id_number(check.normalized),
        }
        sender = self.refs.issue(
            courier_id=terminal.courier_id,
            source="walk_in",
            identity=SenderIdentity(name, check.doc_type.value, check.converted or check.normalized),
            masked=masked,
            now=self.clock.now(),
            adult=None if age is None else age >= 18,
        )
        return {
            "identity_ref": sender.ref,
            "expires_at": sender.expires_at.isoformat(),
            "identity": masked,
            "adult": True if age is None else age >= 18,
        }

    # ------------------------------------------------------------------ 2. check
    def check(
        self, terminal: Terminal, *, identity_ref: str | None, item_name: str, inspected: bool
    ) -> dict[str, Any]:
        """May this parcel be accepted? Refusals raise :class:`PickupRefusedError` and are counted."""
        if not inspected:
            self._event(terminal, ev.INSPECTION_REFUSED, "inspection_refused")
            raise PickupRefusedError("inspection_refused", REFUSALS["inspection_refused"][1])
        name = item_name.strip()
        if not name or len(name) > 200:
            raise SealpostError(
                "item_name_invalid", Text("物品名称为空或过长", "item name empty or too long")
            )
        verdict = self.check_item(name)
        category_name = getattr(verdict, "category_name", None)
        zh_category = category_name.zh if isinstance(category_name, Text) else category_name
        if verdict.verdict == "prohibited":
            self._event(
                terminal,
                ev.INTERCEPTION,
                "prohibited_item",
                category=getattr(verdict, "category", None),
                category_name=zh_category,
            )
            raise PickupRefusedError(
                "item_prohibited",
                Text(
                    f"禁止寄递物品（{zh_category}），不予收寄",
                    f"prohibited item ({_en(category_name)}): not accepted",
                ),
                category=getattr(verdict, "category", None),
                category_name=zh_category,
            )
        if identity_ref is not None:
            found = self.refs.lookup([identity_ref]).get(identity_ref)
            refusal = "ref_unknown" if found is None else found.refusal(terminal.courier_id, self.clock.now())
            if refusal is not None:
                from sealpost.ports.identity_refs import IdentityRefError

                raise IdentityRefError(refusal)
        return {
            "accepted": True,
            "verdict": verdict.verdict,
            "category": getattr(verdict, "category", None),
            "category_name": zh_category,
            "needs_review": verdict.verdict == "restricted",
            "reason": _zh(getattr(verdict, "reason", None)),
        }

    # ------------------------------------------------------------------ 3. refusals
    def refuse(self, terminal: Terminal, reason: str) -> dict[str, Any]:
        """Record a refusal the courier reports; the parcel is not accepted."""
        if reason not in REFUSALS:
            raise SealpostError(
                "refusal_reason_invalid",
                Text(
                    "拒收原因无效（id_refused / id_mismatch / inspection_refused）", "unknown refusal reason"
                ),
            )
        kind, message = REFUSALS[reason]
        self._event(terminal, kind, reason)
        return {"accepted": False, "code": reason, "message": message.zh, "message_en": message.en}


def _zh(value: object) -> str | None:
    if value is None:
        return None
    return value.zh if isinstance(value, Text) else str(value)


def _en(value: object) -> str | None:
    if value is None:
        return None
    return value.en if isinstance(value, Text) else str(value)
