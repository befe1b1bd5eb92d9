"""Privacy waybill labels (隐私面单): what a label may show, and where, after GB/T 41833-2022.

A label is built from a signed receipt's **masked view only** (``docs/protocols/receipt.md``).
:meth:`LabelContent.from_receipt` validates the receipt and refuses every field that is not in
masked form — a phone showing more than 4 digits or hiding fewer than 6, a name hiding nothing,
an address hiding nothing, or any displayed text carrying a long digit run (a full phone, ID or
passport number slipped into an item name, say). The QR code carries only the receipt's opaque
``label_ref``; the Code 128 barcode carries only the waybill number.

The zones of the standard (码号区, 目的地信息区, 收件人信息区, 寄件人信息区, 内件信息区, 签收区)
are laid out by :func:`template` for the one-layer 76×130 mm label, the 100×150 mm label, and a
two-part variant of each (carrier part + customer stub, separated by a cut line). Geometry here is
in millimetres, device independent; turning zones into drawing operations is the printing
adapter's job (``adapters/printing/layout.py``).

Pure module: no I/O, no clock (the print time is passed in).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from functools import lru_cache
from typing import Any, Final, Literal, get_args

from sealpost.domain.masking import HIDDEN_CHAR, PHONE_MIN_HIDDEN, MaskStyle, mask_address, restyle
from sealpost.errors import SealpostError
from sealpost.i18n import Text

__all__ = [
    "CHINA_STANDARD_TIME",
    "FORMATS",
    "MARK_INSPECTED",
    "MARK_REAL_NAME",
    "SIZES",
    "STYLES",
    "ItemSummary",
    "LabelContent",
    "LabelFormat",
    "LabelSize",
    "LabelSizeName",
    "LabelSpec",
    "LabelTemplate",
    "Party",
    "ReceiptInvalidError",
    "Zone",
    "ZoneBox",
    "format_print_time",
    "parse_size",
    "template",
]

LabelFormat = Literal["pdf", "png", "zpl", "tspl", "escpos"]
LabelSizeName = Literal["76x130", "100x150"]
FORMATS: Final[tuple[LabelFormat, ...]] = get_args(LabelFormat)
STYLES: Final[tuple[MaskStyle, ...]] = ("standard", "smile")

#: China Standard Time (UTC+8, no daylight saving): the time zone printed on labels.
CHINA_STANDARD_TIME: Final = timezone(timedelta(hours=8), "CST")

MARK_REAL_NAME: Final = "已实名"
MARK_INSPECTED: Final = "已验视"

#: Receipt format version this module reads.
RECEIPT_VERSION: Final = 1


class ReceiptInvalidError(SealpostError):
    """A receipt that cannot be printed: malformed, or holding a field that is not masked."""

    status = 422


# --- sizes and zones -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LabelSize:
    name: LabelSizeName
    width_mm: float
    height_mm: float


SIZES: Final[dict[LabelSizeName, LabelSize]] = {
    "76x130": LabelSize("76x130", 76.0, 130.0),
    "100x150": LabelSize("100x150", 100.0, 150.0),
}


def parse_size(value: str) -> LabelSize:
    """``"76x130"`` / ``"100x150"`` (also ``76×130``, upper-case X, spaces) → :class:`LabelSize`."""
    key = value.strip().lower().replace("×", "x").replace(" ", "").removesuffix("mm")
    for size in SIZES.values():
        if size.name == key:
            return size
    raise ReceiptInvalidError(
        "label_size_unknown",
        Text(
            "不支持的面单尺寸（可选 76x130、100x150）",
            "unsupported label size (choose 76x130 or 100x150)",
        ),
        status=400,
    )


class Zone(StrEnum):
    """Zones of GB/T 41833-2022, plus the customer stub's zones in the two-part variant."""

    NUMBER = "number"  # 码号区: waybill number, Code 128
    DESTINATION = "destination"  # 目的地信息区: sort / route code in large type
    RECIPIENT = "recipient"  # 收件人信息区
    SENDER = "sender"  # 寄件人信息区
    CONTENTS = "contents"  # 内件信息区: item, weight, marks, QR
    SIGNATURE = "signature"  # 签收区
    STUB_NUMBER = "stub_number"  # 客户联: waybill number
    STUB_PARTIES = "stub_parties"  # 客户联: masked recipient and sender
    STUB_CONTENTS = "stub_contents"  # 客户联: item summary, print time


@dataclass(frozen=True, slots=True)
class ZoneBox:
    """A zone's rectangle in millimetres from the label's top-left corner."""

    zone: Zone
    x: float
    y: float
    w: float
    h: float

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def right(self) -> float:
        return self.x + self.w


@dataclass(frozen=True, slots=True)
class LabelTemplate:
    size: LabelSize
    two_part: bool
    margin: float
    zones: tuple[ZoneBox, ...]
    #: y of the dashed cut line between carrier part and stub (two-part only).
    cut_y: float | None
    #: font scale relative to the 76 mm wide label.
    scale: float

    def box(self, zone: Zone) -> ZoneBox:
        for z in self.zones:
            if z.zone is zone:
                return z
        raise KeyError(zone)


def _stack(
    x: float, y: float, w: float, rows: list[tuple[Zone | tuple[tuple[Zone, float], ...], float]]
) -> list[ZoneBox]:
    """Zones stacked top to bottom; a row may be split left-to-right by width fractions."""
    boxes: list[ZoneBox] = []
    for spec, h in rows:
        if isinstance(spec, Zone):
            boxes.append(ZoneBox(spec, x, y, w, h))
        else:
            cx = x
            for zone, frac in spec:
                boxes.append(ZoneBox(zone, cx, y, w * frac, h))
                cx += w * frac
        y += h
    return boxes


# Zone heights in mm: (number, destination, recipient, sender, contents, signature) for one-part;
# the two-part variant puts contents | signature side by side and adds the stub's three zones.
_ONE_PART: Final[dict[LabelSizeName, tuple[float, ...]]] = {
    "76x130": (25.0, 15.0, 27.0, 19.0, 25.0, 15.0),
    "100x150": (29.0, 18.0, 31.0, 22.0, 28.0, 18.0),
}
_TWO_PART: Final[dict[LabelSizeName, tuple[tuple[float, ...], tuple[float, ...]]]] = {
    # carrier: number, destination, recipient, sender, contents|signature ; stub: number, parties, contents
    "76x130": ((22.0, 12.0, 21.0, 14.0, 17.0), (15.0, 11.0, 10.0)),
    "100x150": ((25.0, 14.0, 24.0, 16.0, 19.0), (19.0, 13.0, 10.0)),
}
_MARGIN: Final = 2.0
_CUT_GAP: Final = 2.0


@lru_cache(maxsize=16)
def template(size: LabelSize, two_part: bool = False) -> LabelTemplate:
    """The zones of a label of ``size``; with ``two_part``, a carrier part above a customer stub."""
    m = _MARGIN
    w = size.width_mm - 2 * m
    scale = size.width_mm / 76.0
    if not two_part:
        hn, hd, hr, hs, hc, hsig = _ONE_PART[size.name]
        zones = _stack(
            m,
            m,
            w,
            [
                (Zone.NUMBER, hn),
                (Zone.DESTINATION, hd),
                (Zone.RECIPIENT, hr),
                (Zone.SENDER, hs),
                (Zone.CONTENTS, hc),
                (Zone.SIGNATURE, hsig),
            ],
        )
        cut_y = None
    else:
        (hn, hd, hr, hs, hc), (sn, sp, sc) = _TWO_PART[size.name]
        carrier = _stack(
            m,
            m,
            w,
            [
                (Zone.NUMBER, hn),
                (Zone.DESTINATION, hd),
                (Zone.RECIPIENT, hr),
                (Zone.SENDER, hs),
                (((Zone.CONTENTS, 0.62), (Zone.SIGNATURE, 0.38)), hc),
            ],
        )
        carrier_bottom = max(b.bottom for b in carrier)
        cut_y = carrier_bottom + _CUT_GAP
        stub_top = cut_y + _CUT_GAP
        stub = _stack(
            m, stub_top, w, [(Zone.STUB_NUMBER, sn), (Zone.STUB_PARTIES, sp), (Zone.STUB_CONTENTS, sc)]
        )
        zones = carrier + stub
    bottom = max(z.bottom for z in zones)
    if bottom > size.height_mm - m + 1e-6:  # a programming error in the tables above
        raise AssertionError(f"label template for {size.name} overflows: {bottom} mm")
    return LabelTemplate(size=size, two_part=two_part, margin=m, zones=tuple(zones), cut_y=cut_y, scale=scale)


@dataclass(frozen=True, slots=True)
class LabelSpec:
    """How to print: size, one- or two-part, masking style, dots per inch (bitmap formats)."""

    size: LabelSize = SIZES["76x130"]
    two_part: bool = False
    style: MaskStyle = "standard"
    dpi: int = 203

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ValueError(f"unknown masking style {self.style!r}")
        if self.dpi not in (203, 300):
            raise ValueError("dpi must be 203 or 300")

    @property
    def template(self) -> LabelTemplate:
        return template(self.size, self.two_part)


# --- content ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Party:
    """A sender or recipient as printed: masked name, phone and address."""

    name: str
    phone: str
    address: str


@dataclass(frozen=True, slots=True)
class ItemSummary:
    name: str
    category: str
    quantity: int
    weight_g: int
    declared_value_cny: float | None

    @property
    def weight_text(self) -> str:
        if self.weight_g < 1000:
            return f"{self.weight_g} g"
        return f"{self.weight_g / 1000:.2f} kg"


@dataclass(frozen=True, slots=True)
class LabelContent:
    """Everything a label shows, already masked and styled. Build it with :meth:`from_receipt`."""

    waybill_no: str
    company: str
    label_ref: str
    sort_code: str
    origin_county: str
    destination_county: str
    recipient: Party
    sender: Party
    item: ItemSummary
    real_name: bool
    inspected: bool
    collected_at: datetime
    printed_at: datetime
    style: MaskStyle = "standard"

    @property
    def marks(self) -> str:
        """``"已实名 · 已验视"`` (only the marks the receipt states)."""
        marks = [m for m, on in ((MARK_REAL_NAME, self.real_name), (MARK_INSPECTED, self.inspected)) if on]
        return " · ".join(marks)

    @property
    def printed_at_text(self) -> str:
        return format_print_time(self.printed_at)

    def displayed_texts(self) -> dict[str, str]:
        """Every string a label may print, by receipt field (what the privacy tests scan)."""
        return {
            "waybill_no": self.waybill_no,
            "company": self.company,
            "route.sort_code": self.sort_code,
            "masked.recipient.name": self.recipient.name,
            "masked.recipient.phone": self.recipient.phone,
            "masked.recipient.address": self.recipient.address,
            "masked.sender.name": self.sender.name,
            "masked.sender.phone": self.sender.phone,
            "masked.sender.address": self.sender.address,
            "item.name": self.item.name,
            "item.category": self.item.category,
        }

    @classmethod
    def from_receipt(
        cls, receipt: Mapping[str, Any], *, printed_at: datetime, style: MaskStyle = "standard"
    ) -> LabelContent:
        """Validate ``receipt`` (the JSON object of ``docs/protocols/receipt.md``) and build the label.

        Raises :class:`ReceiptInvalidError` (code ``receipt_invalid`` for shape errors,
        ``receipt_unmasked`` for personal data not in masked form). Messages name the field,
        never its value.
        """
        if printed_at.tzinfo is None:
            raise ValueError("printed_at must be timezone-aware")
        if style not in STYLES:
            raise ValueError(f"unknown masking style {style!r}")
        r = _Reader(receipt)
        version = r.integer("version", minimum=1)
        if version != RECEIPT_VERSION:
            raise _invalid("version", f"不支持的回执版本 {version}", f"unsupported receipt version {version}")
        waybill_no = r.string("waybill_no", pattern=_WAYBILL_RE, max_len=40)
        company = r.string("company", max_len=32)
        label_ref = r.string("label_ref", pattern=_LABEL_REF_RE)
        collected_at = r.timestamp("collected_at")
        r.timestamp("received_at")
        r.string("record_id", pattern=_UUID_RE)

        recipient = _party(r, "masked.recipient")
        r.string("masked.recipient.county_code", pattern=_COUNTY_RE)
        sender = _party(r, "masked.sender")

        item = ItemSummary(
            name=r.string("item.name", max_len=60),
            category=r.string("item.category", max_len=30),
            quantity=r.integer("item.quantity", minimum=1, maximum=100_000),
            weight_g=r.integer("item.weight_g", minimum=0, maximum=1_000_000),
            declared_value_cny=r.number("item.declared_value_cny", optional=True, minimum=0),
        )
        sort_code = r.string("route.sort_code", pattern=_SORT_CODE_RE)
        origin = r.string("route.origin_county", pattern=_COUNTY_RE)
        destination = r.string("route.destination_county", pattern=_COUNTY_RE)
        real_name = r.boolean("marks.real_name")
        inspected = r.boolean("marks.inspected")

        content = cls(
            waybill_no=waybill_no,
            company=company,
            label_ref=label_ref,
            sort_code=sort_code,
            origin_county=origin,
            destination_county=destination,
            recipient=recipient,
            sender=sender,
            item=item,
            real_name=real_name,
            inspected=inspected,
            collected_at=collected_at,
            printed_at=printed_at,
            style="standard",
        )
        for field, text in content.displayed_texts().items():
            if field != "waybill_no":
                _refuse_long_digit_runs(field, text)
        return content.restyled(style)

    def restyled(self, style: MaskStyle) -> LabelContent:
        """The same label with the masked fields in ``style`` (receipts carry ``standard``)."""
        if style == self.style:
            return self
        if self.style != "standard":
            raise ValueError("only a standard-masked label can be restyled")

        def party(p: Party) -> Party:
            return Party(restyle(p.name, style), restyle(p.phone, style), restyle(p.address, style))

        return LabelContent(
            waybill_no=self.waybill_no,
            company=self.company,
            label_ref=self.label_ref,
            sort_code=self.sort_code,
            origin_county=self.origin_county,
            destination_county=self.destination_county,
            recipient=party(self.recipient),
            sender=party(self.sender),
            item=self.item,
            real_name=self.real_name,
            inspected=self.inspected,
            collected_at=self.collected_at,
            printed_at=self.printed_at,
            style=style,
        )


def format_print_time(at: datetime) -> str:
    """``2026-11-28 17:30`` in China Standard Time."""
    if at.tzinfo is None:
        raise ValueError("a print time must be timezone-aware")
    return at.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


# --- validation ------------------------------------------------------------------------------

_WAYBILL_RE: Final = re.compile(r"[A-Z0-9][A-Z0-9-]{4,39}")
_LABEL_REF_RE: Final = re.compile(r"[A-Z2-7]{16,64}")
_UUID_RE: Final = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_COUNTY_RE: Final = re.compile(r"\d{6}")
_SORT_CODE_RE: Final = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,19}")
_PHONE_CHARS_RE: Final = re.compile(r"[0-9*\- ]+")
#: Digit runs this long are a full phone (11), landline (7–8), passport (8–9) or ID (15/18) number.
_MAX_DIGIT_RUN: Final = 6
_DIGIT_RUN_RE: Final = re.compile(rf"\d{{{_MAX_DIGIT_RUN + 1},}}")
#: The most a masked phone may show (design.md: "phone: last 4 digits at most").
_PHONE_MAX_VISIBLE: Final = 4
#: The fewest digits a masked phone must hide (GB/T 41833-2022: 隐藏6位以上).
_PHONE_MIN_HIDDEN: Final = PHONE_MIN_HIDDEN
_HIDDEN: Final = HIDDEN_CHAR


def _invalid(field: str, zh: str, en: str, code: str = "receipt_invalid") -> ReceiptInvalidError:
    return ReceiptInvalidError(
        code, Text(f"回执字段 {field}：{zh}", f"receipt field {field}: {en}"), extra={"field": field}
    )


def _unmasked(field: str, zh: str, en: str) -> ReceiptInvalidError:
    return _invalid(field, zh, en, code="receipt_unmasked")


def _normalise(text: str) -> str:
    """NFKC, so full-width digits and stars count like ASCII ones."""
    return unicodedata.normalize("NFKC", text)


def _refuse_long_digit_runs(field: str, text: str) -> None:
    if _DIGIT_RUN_RE.search(_normalise(text)):
        raise _unmasked(
            field,
            f"含有连续 {_MAX_DIGIT_RUN + 1} 位以上的数字（疑似未掩码的电话或证件号码），拒绝打印",
            f"holds a run of more than {_MAX_DIGIT_RUN} digits (an unmasked phone or ID number?); refused",
        )


def _check_name(field: str, name: str) -> None:
    if _HIDDEN not in _normalise(name):
        raise _unmasked(
            field, "姓名未掩码（至少隐藏 1 个字）", "name is not masked (hide at least 1 character)"
        )


def _check_phone(field: str, phone: str) -> None:
    p = _normalise(phone)
    if not _PHONE_CHARS_RE.fullmatch(p):
        raise _invalid(
            field,
            "电话掩码格式不对（只允许数字、*、-、空格）",
            "masked phone may hold only digits, *, - and spaces",
        )
    visible = sum(c.isdigit() for c in p)
    hidden = p.count(_HIDDEN)
    if visible > _PHONE_MAX_VISIBLE:
        raise _unmasked(
            field,
            f"电话显示了 {visible} 位数字（最多 {_PHONE_MAX_VISIBLE} 位）",
            f"phone shows {visible} digits (at most {_PHONE_MAX_VISIBLE})",
        )
    if hidden < _PHONE_MIN_HIDDEN:
        raise _unmasked(
            field,
            f"电话只隐藏了 {hidden} 位（至少 {_PHONE_MIN_HIDDEN} 位）",
            f"phone hides {hidden} digits (at least {_PHONE_MIN_HIDDEN})",
        )


def _check_address(field: str, address: str) -> None:
    """Masked means a fixed point of the masking rule: every unit/building/room digit already hidden."""
    normalised = _normalise(address)
    if mask_address(normalised) != normalised:
        raise _unmasked(
            field,
            "地址未掩码（须隐藏门牌、楼栋、单元、户室号）",
            "address is not masked (hide house/building/unit/room numbers)",
        )


def _party(r: _Reader, prefix: str) -> Party:
    name = r.string(f"{prefix}.name", max_len=40)
    phone = r.string(f"{prefix}.phone", max_len=24)
    address = r.string(f"{prefix}.address", max_len=160)
    _check_name(f"{prefix}.name", name)
    _check_phone(f"{prefix}.phone", phone)
    _check_address(f"{prefix}.address", address)
    return Party(name=name, phone=phone, address=address)


class _Reader:
    """Typed access to dotted paths of a JSON object, with errors that name the path."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        if not isinstance(root, Mapping):
            raise _invalid("$", "回执必须是 JSON 对象", "a receipt must be a JSON object")
        self._root = root

    def _get(self, path: str, optional: bool = False) -> Any:
        node: Any = self._root
        for part in path.split("."):
            if not isinstance(node, Mapping):
                raise _invalid(path, "上级不是对象", "parent is not an object")
            if part not in node or node[part] is None:
                if optional:
                    return None
                raise _invalid(path, "缺少该字段", "missing")
            node = node[part]
        return node

    def string(self, path: str, *, pattern: re.Pattern[str] | None = None, max_len: int = 200) -> str:
        value = self._get(path)
        if not isinstance(value, str):
            raise _invalid(path, "应为字符串", "must be a string")
        value = value.strip()
        if not value:
            raise _invalid(path, "不能为空", "must not be empty")
        if len(value) > max_len:
            raise _invalid(path, f"过长（最多 {max_len} 个字符）", f"too long (at most {max_len} characters)")
        if any(unicodedata.category(c) in {"Cc", "Cf", "Co", "Cs"} for c in value):
            raise _invalid(path, "含有控制字符", "holds control characters")
        if pattern is not None and not pattern.fullmatch(value):
            raise _invalid(path, "格式不对", "has the wrong format")
        return value

    def integer(self, path: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
        value = self._get(path)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _invalid(path, "应为整数", "must be an integer")
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise _invalid(path, "超出范围", "out of range")
        return value

    def number(self, path: str, *, optional: bool = False, minimum: float | None = None) -> float | None:
        value = self._get(path, optional=optional)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _invalid(path, "应为数字", "must be a number")
        if minimum is not None and value < minimum:
            raise _invalid(path, "超出范围", "out of range")
        return float(value)

    def boolean(self, path: str) -> bool:
        value = self._get(path)
        if not isinstance(value, bool):
            raise _invalid(path, "应为 true 或 false", "must be true or false")
        return value

    def timestamp(self, path: str) -> datetime:
        value = self.string(path, max_len=40)
        try:
            at = datetime.fromisoformat(value)
        except ValueError:
            raise _invalid(path, "应为 ISO 8601 时间", "must be an ISO 8601 time") from None
        if at.tzinfo is None:
            raise _invalid(path, "时间须带时区（如 Z）", "time must carry a zone (e.g. Z)")
        return at.astimezone(UTC)
