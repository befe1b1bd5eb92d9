"""Use case: print privacy waybill labels from signed receipts.

A receipt (its JSON object, as signed) is validated and turned into a :class:`LabelContent` by the
domain — which refuses any field not in masked form — then drawn by the renderer for the chosen
format (``ports/printing.py``; the adapters are wired by ``bootstrap``/``adapters.printing``). The
print time comes from the clock port. A batch is one document or print job; PNG, which holds one
image, is returned as a ZIP archive of one PNG per label.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sealpost.domain.labels import (
    FORMATS,
    STYLES,
    LabelContent,
    LabelFormat,
    LabelSpec,
    ReceiptInvalidError,
    parse_size,
)
from sealpost.domain.masking import MaskStyle
from sealpost.errors import NotFound, SealpostError
from sealpost.i18n import Text
from sealpost.ports.clock import Clock
from sealpost.ports.printing import LabelRenderer
from sealpost.ports.receipts import ReceiptStore, ReceiptVerifier

__all__ = [
    "BatchProblem",
    "RenderedLabels",
    "label_spec",
    "parse_format",
    "render_batch",
    "render_label",
    "render_waybill_label",
]

ZIP_MEDIA_TYPE = "application/zip"


@dataclass(frozen=True, slots=True)
class BatchProblem:
    """A receipt of a batch that could not be printed: its position (0-based) and why."""

    index: int
    error: SealpostError


@dataclass(frozen=True, slots=True)
class RenderedLabels:
    data: bytes
    media_type: str
    extension: str
    count: int
    problems: tuple[BatchProblem, ...] = field(default_factory=tuple)


def parse_format(value: str) -> LabelFormat:
    fmt = value.strip().lower()
    for known in FORMATS:
        if fmt == known:
            return known
    raise SealpostError(
        "label_format_unknown",
        Text(
            f"不支持的面单格式（可选 {'、'.join(FORMATS)}）",
            f"unsupported label format (choose {', '.join(FORMATS)})",
        ),
        status=400,
    )


def label_spec(
    size: str = "76x130", *, two_part: bool = False, style: str = "standard", dpi: int = 203
) -> LabelSpec:
    """A :class:`LabelSpec` from user input, with bilingual errors for bad values."""
    chosen: MaskStyle | None = next((s for s in STYLES if s == style.strip().lower()), None)
    if chosen is None:
        raise SealpostError(
            "label_style_unknown",
            Text(
                "不支持的掩码样式（可选 standard、smile）",
                "unsupported masking style (choose standard or smile)",
            ),
            status=400,
        )
    if dpi not in (203, 300):
        raise SealpostError(
            "label_dpi_unsupported",
            Text("打印分辨率只支持 203 或 300 dpi", "resolution must be 203 or 300 dpi"),
            status=400,
        )
    return LabelSpec(size=parse_size(size), two_part=two_part, style=chosen, dpi=dpi)


def _renderer(renderers: Mapping[LabelFormat, LabelRenderer], fmt: LabelFormat) -> LabelRenderer:
    renderer = renderers.get(fmt)
    if renderer is None:
        raise SealpostError(
            "label_format_unavailable",
            Text(f"本系统未配置 {fmt} 面单输出", f"no renderer is configured for {fmt} labels"),
            status=501,
        )
    return renderer


def render_label(
    receipt: Mapping[str, Any],
    fmt: LabelFormat,
    spec: LabelSpec,
    *,
    renderers: Mapping[LabelFormat, LabelRenderer],
    clock: Clock,
    verify: ReceiptVerifier | None = None,
) -> RenderedLabels:
    """One label for one receipt. Raises :class:`ReceiptInvalidError` for a bad or unmasked receipt.

    With ``verify``, the receipt's signature is checked first (receipts that come from outside the
    platform's own store, e.g. a file handed to the command line).
    """
    renderer = _renderer(renderers, fmt)
    if verify is not None:
        verify(receipt)
    content = LabelContent.from_receipt(receipt, printed_at=clock.now(), style=spec.style)
    return RenderedLabels(renderer.render([content], spec), renderer.media_type, renderer.extension, 1)


def render_waybill_label(
    waybill_no: str,
    fmt: LabelFormat,
    spec: LabelSpec,
    *,
    store: ReceiptStore,
    renderers: Mapping[LabelFormat, LabelRenderer],
    clock: Clock,
    company: str | None = None,
) -> RenderedLabels:
    """The label of a waybill whose signed receipt is in ``store``.

    With ``company`` (the caller's express company), a receipt of another company is answered as
    not found: tenants never learn which waybills other companies hold.
    """
    receipt = store.get_by_waybill(waybill_no)
    if receipt is None or (company is not None and receipt.get("company") != company):
        raise NotFound(
            "receipt_not_found",
            Text(
                "没有该运单的回执（未收寄或尚未回执）",
                "no receipt for this waybill (not accepted, or no receipt yet)",
            ),
        )
    return render_label(receipt, fmt, spec, renderers=renderers, clock=clock)


def render_batch(
    receipts: Iterable[Mapping[str, Any] | SealpostError],
    fmt: LabelFormat,
    spec: LabelSpec,
    *,
    renderers: Mapping[LabelFormat, LabelRenderer],
    clock: Clock,
    skip_invalid: bool = False,
    on_progress: Callable[[str, int], None] | None = None,
    verify: ReceiptVerifier | None = None,
) -> RenderedLabels:
    """Many labels in one document or print job, all with the same print time.

    An item of ``receipts`` may already be an error (a line that was not JSON, say). Without
    ``skip_invalid`` the first bad receipt stops the batch (the error says which, 0-based
    ``index`` in ``extra``); with it, bad receipts are left out and listed in ``problems``.
    ``on_progress(stage, n)`` reports ``("checked", n)`` per receipt and ``("drawn", n)`` per label.
    With ``verify``, every receipt's signature is checked before it is printed.
    """
    renderer = _renderer(renderers, fmt)
    printed_at = clock.now()
    contents: list[LabelContent] = []
    problems: list[BatchProblem] = []
    for index, item in enumerate(receipts):
        try:
            if isinstance(item, SealpostError):
                raise item
            if verify is not None:
                verify(item)
            contents.append(LabelContent.from_receipt(item, printed_at=printed_at, style=spec.style))
        except SealpostError as exc:
            if not skip_invalid:
                exc.extra = {**exc.extra, "index": index}
                raise
            problems.append(BatchProblem(index, exc))
        if on_progress is not None:
            on_progress("checked", index + 1)
    if not contents:
        raise ReceiptInvalidError(
            "batch_empty", Text("没有可打印的回执", "no printable receipt in the batch"), status=400
        )

    def drawn(n: int) -> None:
        if on_progress is not None:
            on_progress("drawn", n)

    if fmt == "png" and len(contents) > 1:
        data = _png_archive(renderer, contents, spec, drawn)
        return RenderedLabels(data, ZIP_MEDIA_TYPE, "zip", len(contents), tuple(problems))
    data = renderer.render(contents, spec, drawn)
    return RenderedLabels(data, renderer.media_type, renderer.extension, len(contents), tuple(problems))


def _png_archive(
    renderer: LabelRenderer, contents: Sequence[LabelContent], spec: LabelSpec, drawn: Callable[[int], None]
) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as archive:  # PNGs are compressed
        for n, content in enumerate(contents, start=1):
            archive.writestr(
                f"{n:05d}-{content.waybill_no}.{renderer.extension}", renderer.render([content], spec)
            )
            drawn(n)
    return buf.getvalue()
