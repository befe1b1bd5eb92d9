"""``GET /v1/waybills/{no}/label``: the privacy waybill label of an accepted parcel.

The label is drawn from the waybill's signed receipt (masked views only) in the requested format.
The caller is a courier terminal or an enterprise system (``Authorization: Bearer …``, as for
``GET /v1/receipts/{id}``) and sees only its own company's waybills. No token → 401; unknown
waybill, or another company's → 404 ``receipt_not_found``; a stored receipt that fails the label
checks → 422 (``receipt_invalid`` / ``receipt_unmasked``); bad parameters → 422 (400 for an
unsupported resolution). Every error is problem+json.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from sealpost.api.auth import PrincipalDep
from sealpost.api.deps import ContainerDep
from sealpost.domain.labels import LabelFormat
from sealpost.errors import SealpostError
from sealpost.i18n import Text
from sealpost.ports.clock import Clock
from sealpost.ports.printing import LabelRenderer
from sealpost.ports.receipts import ReceiptStore
from sealpost.services.render_label import label_spec, render_waybill_label

router = APIRouter(prefix="/v1/waybills", tags=["labels"])

_MEDIA_TYPES: dict[str, dict[str, Any]] = {
    "application/pdf": {},
    "image/png": {},
    "application/vnd.zebra.zpl": {},
    "application/vnd.tsc.tspl": {},
    "application/vnd.escpos": {},
}


def get_receipt_store(container: ContainerDep) -> ReceiptStore:
    """The signed-receipt store (the ingest pipeline's record store)."""
    store: Any = getattr(container, "records", None) or container.extras.get("receipt_store")
    if store is None or not callable(getattr(store, "get_by_waybill", None)):
        raise SealpostError(
            "receipt_store_unavailable",
            Text("回执存储未配置", "the receipt store is not configured"),
            status=503,
        )
    result: ReceiptStore = store
    return result


@lru_cache(maxsize=1)
def _default_renderers() -> Mapping[LabelFormat, LabelRenderer]:
    from sealpost.adapters.printing import label_renderers

    return label_renderers()


def get_label_renderers(container: ContainerDep) -> Mapping[LabelFormat, LabelRenderer]:
    custom: Mapping[LabelFormat, LabelRenderer] | None = container.extras.get("label_renderers")
    return custom if custom is not None else _default_renderers()


def get_clock(container: ContainerDep) -> Clock:
    return container.clock


@router.get(
    "/{no}/label",
    summary="Privacy waybill label (PDF, PNG, ZPL II, TSPL or ESC/POS) · 隐私面单",
    response_class=Response,
    responses={200: {"content": _MEDIA_TYPES, "description": "the label in the requested format"}},
)
def get_label(
    no: Annotated[str, Path(pattern=r"^[A-Z0-9][A-Z0-9-]{4,39}$", description="waybill number")],
    principal: PrincipalDep,
    store: Annotated[ReceiptStore, Depends(get_receipt_store)],
    renderers: Annotated[Mapping[LabelFormat, LabelRenderer], Depends(get_label_renderers)],
    clock: Annotated[Clock, Depends(get_clock)],
    format: Annotated[LabelFormat, Query(description="pdf | png | zpl | tspl | escpos")] = "pdf",
    size: Annotated[Literal["76x130", "100x150"], Query(description="label size in mm")] = "76x130",
    style: Annotated[Literal["standard", "smile"], Query(description="masking style")] = "standard",
    dpi: Annotated[int, Query(description="printer resolution: 203 or 300 (bitmap formats)")] = 203,
    two_part: Annotated[bool, Query(description="carrier part + customer stub")] = False,
) -> Response:
    spec = label_spec(size, two_part=two_part, style=style, dpi=dpi)
    result = render_waybill_label(
        no, format, spec, store=store, renderers=renderers, clock=clock, company=principal.company
    )
    return Response(
        content=result.data,
        media_type=result.media_type,
        headers={
            "Content-Disposition": f'inline; filename="{no}.{result.extension}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
