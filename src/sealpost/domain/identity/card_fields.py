"""Fields of a second-generation resident ID card, read from OCR text boxes, and their cross-check.

Fields are found by *layout and keywords*, never by pixel offsets: each printed label (姓名, 性别,
民族, 出生, 住址, 公民身份号码; on the back 签发机关, 有效期限) is located among the boxes, and
its value is the text after it on the same line (same box or boxes to its right); the address
continues on the lines below, in the value column, down to the next label.

The cross-check holds the card against itself and the rules: the number must validate (check
character, county-level region, birth date); sex and birth date printed must agree with the
number; the ethnicity must be one of the 56 recognised groups (or 穿青人 / 其他 as printed);
the card must be valid on ``today`` (back side). A region of the number that differs from the
address's province is only a warning (people move).

Pure: no imaging or OCR library here; ``today`` is a parameter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Final

from sealpost.domain.identity.regions import DivisionTable, divisions
from sealpost.domain.identity.resident_id import IdNumberError, ResidentNumber, parse_citizen_number
from sealpost.domain.ocr import TextBox
from sealpost.i18n import Text

__all__ = [
    "BACK_FIELDS",
    "ETHNIC_GROUPS",
    "FIELD_NAMES",
    "FRONT_FIELDS",
    "LOW_CONFIDENCE",
    "RECOGNISED_ETHNICITIES",
    "CardField",
    "CrossCheck",
    "Issue",
    "card_validity_years",
    "cross_check",
    "extract_back",
    "extract_front",
    "flag_for_confirmation",
    "normalize_ethnicity",
    "normalize_id_number",
    "parse_validity",
    "reconcile_with_region",
]

#: The 56 ethnic groups recognised by the state, as printed on the card (without 族).
ETHNIC_GROUPS: Final[tuple[str, ...]] = (
    "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白",
    "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西",
    "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌",
    "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔",
    "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
)  # fmt: skip
#: Also printed on real cards: the undetermined 穿青人 (Guizhou) and 其他.
RECOGNISED_ETHNICITIES: Final[frozenset[str]] = frozenset((*ETHNIC_GROUPS, "穿青人", "其他"))

FRONT_FIELDS: Final = ("name", "sex", "ethnicity", "birth_date", "address", "number")
BACK_FIELDS: Final = ("authority", "valid_from", "valid_to")
FIELD_NAMES: Final = FRONT_FIELDS + BACK_FIELDS

#: Below this recognition confidence a field is flagged for the person to confirm.
LOW_CONFIDENCE: Final = 0.90
LONG_TERM: Final = "长期"


@dataclass(frozen=True, slots=True)
class CardField:
    """One field: its normalised value (``None`` when not found) and how sure we are."""

    value: str | None
    confidence: float = 0.0
    corrected: bool = False
    """The OCR text was repaired (confusable characters in the number, stray characters)."""
    needs_confirmation: bool = True

    @property
    def found(self) -> bool:
        return self.value is not None


MISSING: Final = CardField(None)


@dataclass(frozen=True, slots=True)
class Issue:
    """One cross-check finding: a stable code, the field concerned, a bilingual message."""

    code: str
    field: str | None
    message: Text


@dataclass(frozen=True, slots=True)
class CrossCheck:
    """Errors make the card unacceptable; warnings are shown but do not."""

    errors: tuple[Issue, ...] = ()
    warnings: tuple[Issue, ...] = ()
    number: ResidentNumber | None = None

    @property
    def valid(self) -> bool:
        return not self.errors

    def fields_in_error(self) -> frozenset[str]:
        return frozenset(i.field for i in self.errors if i.field)


# --------------------------------------------------------------------------------------------
# Normalisation

_SPACES = re.compile(r"\s+")
#: Characters OCR confuses with the digits (and the check character X) of an ID number.
_NUMBER_CONFUSIONS: Final[Mapping[str, str]] = {
    "O": "0", "o": "0", "D": "0", "Q": "0", "〇": "0", "Ｏ": "0",
    "I": "1", "l": "1", "i": "1", "|": "1", "!": "1", "L": "1", "丨": "1", "J": "1",
    "Z": "2", "z": "2",
    "S": "5", "s": "5",
    "G": "6", "b": "6",
    "T": "7",
    "B": "8",
    "g": "9", "q": "9",
    "x": "X", "×": "X", "乂": "X", "Ｘ": "X", "K": "X", "✕": "X",
}  # fmt: skip
_FULLWIDTH_DIGITS: Final = str.maketrans("０１２３４５６７８９", "0123456789")
_NUMBER_NOISE = re.compile(r"[\s\-_.,:;·'\"`。，：；]")


def normalize_id_number(text: str) -> tuple[str, bool]:
    """Repair common OCR confusions in an ID number; returns (number, whether anything changed).

    ``O``→0, ``l``/``I``→1, ``x``→X and so on; spaces and punctuation are dropped. ``X`` is only
    kept in the last position (elsewhere it cannot be right and is left for validation to refuse).
    """
    raw = text.translate(_FULLWIDTH_DIGITS)
    cleaned = _NUMBER_NOISE.sub("", raw)
    out = "".join(_NUMBER_CONFUSIONS.get(ch, ch) for ch in cleaned)
    if len(out) == 18 and out[17] in "xX":
        out = out[:17] + "X"
    return out, out != text


def _digits(text: str) -> str:
    return "".join(_NUMBER_CONFUSIONS.get(ch, ch) for ch in text.translate(_FULLWIDTH_DIGITS))


def normalize_ethnicity(text: str) -> str:
    """``汉族`` → ``汉``; spaces dropped. Unknown names come back as they are (cleaned)."""
    value = _SPACES.sub("", text).strip("：:")
    if value not in RECOGNISED_ETHNICITIES and value.endswith("族") and value[:-1] in RECOGNISED_ETHNICITIES:
        return value[:-1]
    return value


_DATE_RE = re.compile(r"(\d{4})\D{0,2}?(\d{1,2})\D{0,2}?(\d{1,2})")
_VALIDITY_RE = re.compile(
    r"(\d{4})\.?(\d{2})\.?(\d{2})\s*[-－—–一~～至]+\s*(?:(\d{4})\.?(\d{2})\.?(\d{2})|(长期|長期|长|期))"
)


def parse_validity(text: str) -> tuple[date, date | None] | None:
    """``2016.05.01-2036.05.01`` → (from, to); ``2016.05.01-长期`` → (from, None); else ``None``."""
    compact = _digits(_SPACES.sub("", text)).replace(",", ".").replace("。", ".")
    m = _VALIDITY_RE.search(compact)
    if m is None:
        return None
    try:
        start = date(int(m[1]), int(m[2]), int(m[3]))
        end = None if m[7] else date(int(m[4]), int(m[5]), int(m[6]))
    except ValueError:
        return None
    return start, end


def card_validity_years(birth: date, issued: date) -> int:
    """Validity of a card issued on ``issued`` (居民身份证法 Art 5); 0 means 长期 (long-term).

    Under 16: 5 years; 16–25: 10 years; 26–45: 20 years; 46 and over: long-term.
    """
    age = issued.year - birth.year - ((issued.month, issued.day) < (birth.month, birth.day))
    if age < 16:
        return 5
    if age <= 25:
        return 10
    if age <= 45:
        return 20
    return 0


# --------------------------------------------------------------------------------------------
# Layout


@dataclass(frozen=True, slots=True)
class _Label:
    key: str
    box: TextBox
    rest: str  # text of the same box after the label
    split: bool = False  # only the label's first character was in the box (letter-spaced label)


#: Labels and the OCR misreadings of them seen in practice.
_FRONT_LABELS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("number", ("公民身份号码", "公民身份证号码", "公民身份号玛", "公民身份号", "公民身份", "身份号码")),
    ("name", ("姓名", "娃名", "姓各", "姓")),
    ("sex", ("性别", "姓别", "性")),
    ("ethnicity", ("民族", "民")),
    ("birth_date", ("出生", "出")),
    ("address", ("住址", "往址", "住")),
)
_BACK_LABELS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("authority", ("签发机关", "签发机", "发机关", "签发")),
    ("validity", ("有效期限", "有效期", "效期限", "有效")),
)
#: Single-character fall-backs are accepted only for a box that holds just that character
#: or that character followed by a space (a label printed with letter spacing read in pieces).
_ONE_CHAR_FALLBACK: Final = frozenset({"姓", "性", "民", "出", "住"})
_LABEL_SECOND_CHARS: Final = "名别族生址"


def _compact(text: str) -> str:
    return _SPACES.sub("", text)


def _match_label(text: str, labels: Sequence[tuple[str, tuple[str, ...]]]) -> tuple[str, str, bool] | None:
    """(label key, rest of the text, split) when ``text`` starts with a label."""
    compact = _compact(text)
    for key, variants in labels:
        for variant in variants:
            if not compact.startswith(variant):
                continue
            if variant in _ONE_CHAR_FALLBACK:
                stripped = text.strip()
                if not (stripped == variant or len(compact) == 2):
                    continue
                if len(compact) == 2 and compact[1] not in _LABEL_SECOND_CHARS:
                    continue
                return key, "", len(compact) == 1
            return key, _strip_label_tail(compact[len(variant) :]), False
    return None


def _strip_label_tail(rest: str) -> str:
    return rest.lstrip(":：")


def _overlap(a: TextBox, b: TextBox) -> float:
    """Vertical overlap of two boxes as a fraction of the smaller height."""
    inter = min(a.bottom, b.bottom) - max(a.top, b.top)
    smaller = max(1.0, min(a.bottom - a.top, b.bottom - b.top))
    return inter / smaller


def _same_line(a: TextBox, b: TextBox) -> bool:
    return _overlap(a, b) >= 0.45


def _find_labels(
    boxes: Sequence[TextBox], labels: Sequence[tuple[str, tuple[str, ...]]]
) -> dict[str, _Label]:
    found: dict[str, _Label] = {}
    # Left-most occurrence wins (values never precede their label on a line).
    for b in sorted(boxes, key=lambda x: x.left):
        match = _match_label(b.text, labels)
        if match is None:
            continue
        key, rest, split = match
        if key not in found:
            found[key] = _Label(key, b, rest, split)
    return found


def _right_of(anchor: TextBox, boxes: Iterable[TextBox], stop_at: float | None = None) -> list[TextBox]:
    """Boxes on the anchor's line, to its right (and left of ``stop_at``), left to right."""
    out = [
        b
        for b in boxes
        if b is not anchor
        and _same_line(anchor, b)
        and b.center_x > anchor.right - 0.2 * anchor.height
        and (stop_at is None or b.center_x < stop_at)
    ]
    return sorted(out, key=lambda b: b.left)


@dataclass
class _Value:
    parts: list[str] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)

    def add(self, text: str, confidence: float) -> None:
        if text:
            self.parts.append(text)
            self.confidences.append(confidence)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    @property
    def confidence(self) -> float:
        return min(self.confidences) if self.confidences else 0.0


def _line_value(label: _Label | None, boxes: Sequence[TextBox], stop_at: float | None = None) -> _Value:
    value = _Value()
    if label is None:
        return value
    value.add(label.rest, label.box.confidence)
    for i, b in enumerate(_right_of(label.box, boxes, stop_at)):
        text = _compact(b.text)
        if i == 0 and label.split and len(text) == 1 and text in _LABEL_SECOND_CHARS:
            continue  # the label's second character, read as a box of its own
        if _match_label(b.text, _FRONT_LABELS) is not None and not _is_value_text(b.text):
            break
        value.add(text, b.confidence)
    return value


def _is_value_text(text: str) -> bool:
    """Texts that start like a one-character label but are values (e.g. 民 in a name)."""
    return len(_compact(text)) > 2 and _compact(text)[1] not in _LABEL_SECOND_CHARS


_CJK_NAME = re.compile(r"[\u3400-\u9fff·•]+")


def _clean_name(text: str) -> tuple[str, bool]:
    parts = _CJK_NAME.findall(text)
    cleaned = "".join(parts).replace("•", "·")
    return cleaned, cleaned != text


# --------------------------------------------------------------------------------------------
# Front


def extract_front(boxes: Sequence[TextBox]) -> dict[str, CardField]:
    """Name, sex, ethnicity, birth date, address and number from the front's boxes."""
    labels = _find_labels(boxes, _FRONT_LABELS)
    out: dict[str, CardField] = {}

    ethnicity_label = labels.get("ethnicity")
    # Name
    name = _line_value(labels.get("name"), boxes)
    cleaned, changed = _clean_name(name.text)
    out["name"] = _field(cleaned, name.confidence, changed)

    # Sex and ethnicity share a line; the sex value may swallow "民族 汉" when boxes merge.
    sex_value = _line_value(labels.get("sex"), boxes, ethnicity_label.box.left if ethnicity_label else None)
    sex_text = sex_value.text
    eth_text, eth_conf = "", 0.0
    if "民族" in sex_text:
        sex_text, _, eth_text = sex_text.partition("民族")
        eth_conf = sex_value.confidence
    if ethnicity_label is not None:
        eth = _line_value(ethnicity_label, boxes)
        if eth.text:
            eth_text, eth_conf = eth.text, eth.confidence
    sex = "男" if "男" in sex_text else "女" if "女" in sex_text else None
    out["sex"] = _field(sex, sex_value.confidence, sex is not None and sex != sex_text)
    ethnicity = normalize_ethnicity(eth_text) if eth_text else None
    out["ethnicity"] = _field(ethnicity or None, eth_conf, ethnicity is not None and ethnicity != eth_text)

    # Birth date: 出生 1990 年 5 月 17 日
    birth = _line_value(labels.get("birth_date"), boxes)
    out["birth_date"] = _birth_field(birth)

    # Number: on its labelled line, else any box that looks like one.
    number = _line_value(labels.get("number"), boxes)
    out["number"] = _number_field(number, boxes)

    # Address: the labelled line, then the lines below in the value column, down to the next label.
    out["address"] = _address_field(labels, boxes)
    return out


def _field(value: str | None, confidence: float, corrected: bool = False) -> CardField:
    if not value:
        return MISSING
    return CardField(value, round(confidence, 4), corrected, needs_confirmation=confidence < LOW_CONFIDENCE)


def _birth_field(value: _Value) -> CardField:
    text = _digits(value.text)
    numbers = re.findall(r"\d+", text)
    if len(numbers) >= 3 and len(numbers[0]) == 4:
        y, m, d = numbers[0], numbers[1], numbers[2]
    else:
        m8 = re.search(r"(\d{4})(\d{2})(\d{2})", "".join(numbers))
        if m8 is None:
            return MISSING
        y, m, d = m8[1], m8[2], m8[3]
    try:
        born = date(int(y), int(m), int(d))
    except ValueError:
        return CardField(None, value.confidence)
    return _field(born.isoformat(), value.confidence, corrected=text != value.text)


_NUMBER_SHAPE = re.compile(r"\d{17}[\dX]|\d{15}")


def _number_field(value: _Value, boxes: Sequence[TextBox]) -> CardField:
    candidates: list[tuple[str, float, bool]] = []
    if value.text:
        number, changed = normalize_id_number(value.text)
        candidates.append((number, value.confidence, changed))
    for b in boxes:
        number, changed = normalize_id_number(b.text)
        m = _NUMBER_SHAPE.search(number)
        if m and len(m[0]) == 18:
            candidates.append((m[0], b.confidence, changed or m[0] != number))
    for number, confidence, changed in candidates:
        if _NUMBER_SHAPE.fullmatch(number):
            return _field(number, confidence, changed)
    if candidates:
        number, confidence, changed = candidates[0]
        return CardField(number, round(confidence, 4), changed, needs_confirmation=True)
    return MISSING


def _address_field(labels: Mapping[str, _Label], boxes: Sequence[TextBox]) -> CardField:
    label = labels.get("address")
    if label is None:
        return MISSING
    first = _line_value(label, boxes)
    height = label.box.height
    below_limit = min(
        (lb.box.top for key, lb in labels.items() if key != "address" and lb.box.top > label.box.bottom),
        default=float("inf"),
    )
    label_boxes = {id(lb.box) for lb in labels.values()}
    # Continuation lines sit in the value column: right of the label column, below the label line.
    continuation = [
        b
        for b in boxes
        if id(b) not in label_boxes
        and b.top > label.box.top + 0.6 * height
        and b.center_y < below_limit - 0.3 * height
        and b.left >= label.box.left + 0.8 * height
        and not _same_line(label.box, b)
        and _match_label(b.text, _FRONT_LABELS) is None
    ]
    # Group into lines, top to bottom; at most two more lines (the card prints three at most).
    lines: list[list[TextBox]] = []
    for b in sorted(continuation, key=lambda x: x.center_y):
        if lines and _same_line(lines[-1][0], b):
            lines[-1].append(b)
        else:
            lines.append([b])
    value = first
    for line in lines[:2]:
        for b in sorted(line, key=lambda x: x.left):
            value.add(_compact(b.text), b.confidence)
    text, changed = _strip_before_province(value.text)
    return _field(text, value.confidence, changed)


def _strip_before_province(address: str) -> tuple[str, bool]:
    """Drop a stray character or two read before the province name (glare, pattern)."""
    shorts = _province_shorts()
    if address.startswith(shorts):
        return address, False
    for short in shorts:
        at = address.find(short, 0, len(short) + 2)
        if 0 < at <= 2:
            return address[at:], True
    return address, False


@lru_cache(maxsize=1)
def _province_shorts() -> tuple[str, ...]:
    table = divisions()
    names = {_province_short(n) for code in table if code.endswith("0000") and (n := table.name(code))}
    return tuple(sorted(names, key=len, reverse=True))


# --------------------------------------------------------------------------------------------
# Back


def extract_back(boxes: Sequence[TextBox]) -> dict[str, CardField]:
    """Issuing authority and validity period from the back's boxes."""
    labels = _find_labels(boxes, _BACK_LABELS)
    out: dict[str, CardField] = {}
    authority = _back_value(labels.get("authority"), boxes)
    out["authority"] = _field(authority.text, authority.confidence)
    validity = _back_value(labels.get("validity"), boxes)
    parsed = parse_validity(validity.text) if validity.text else None
    if parsed is None:
        # The period on a line of its own (label unreadable): look at every box.
        for b in boxes:
            parsed = parse_validity(b.text)
            if parsed is not None:
                validity = _Value([b.text], [b.confidence])
                break
    if parsed is None:
        out["valid_from"] = out["valid_to"] = MISSING
        return out
    start, end = parsed
    out["valid_from"] = _field(start.isoformat(), validity.confidence)
    out["valid_to"] = _field(end.isoformat() if end else LONG_TERM, validity.confidence)
    return out


def _back_value(label: _Label | None, boxes: Sequence[TextBox]) -> _Value:
    value = _Value()
    if label is None:
        return value
    value.add(label.rest, label.box.confidence)
    for b in _right_of(label.box, boxes):
        value.add(_compact(b.text), b.confidence)
    return value


# --------------------------------------------------------------------------------------------
# Cross-check

_PROVINCE_SUFFIXES: Final = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市")

MESSAGES: Final[Mapping[str, Text]] = {
    "field_missing": Text("未能读取：{field}", "could not read: {field}"),
    "number_invalid": Text("公民身份号码无效（{reason}）", "the ID number is not valid ({reason})"),
    "birth_date_mismatch": Text(
        "出生日期与公民身份号码不一致", "the birth date does not match the ID number"
    ),
    "sex_mismatch": Text("性别与公民身份号码不一致", "the sex does not match the ID number"),
    "ethnicity_unknown": Text(
        "民族不在 56 个民族之列", "the ethnicity is not one of the 56 recognised groups"
    ),
    "region_address_mismatch": Text(
        "住址所在省份与号码的地区码不一致（可能已迁居）",
        "the address's province differs from the number's region (the holder may have moved)",
    ),
    "card_expired": Text("身份证已过有效期", "the card has expired"),
    "card_not_yet_valid": Text("身份证尚未生效", "the card is not valid yet"),
    "validity_invalid": Text("有效期限不合理", "the validity period is not plausible"),
    "validity_period_unusual": Text(
        "有效期长度与签发时的年龄不符", "the validity period does not match the holder's age at issue"
    ),
    "back_not_read": Text(
        "未提供背面：未核对有效期限", "no back side given: the validity period was not checked"
    ),
}


def _issue(code: str, field_name: str | None, **kwargs: str) -> Issue:
    return Issue(code, field_name, MESSAGES[code].format(**kwargs))


def _province_short(province: str) -> str:
    for suffix in _PROVINCE_SUFFIXES:
        if province.endswith(suffix) and len(province) > len(suffix):
            return province[: -len(suffix)]
    return province


def _address_in_region(address: str, parsed: ResidentNumber) -> bool:
    """The address starts with the number's province (or, when it omits it, its city or county)."""
    region = parsed.region
    if region.province and address.startswith(_province_short(region.province)):
        return True
    return any(part and address.startswith(part) for part in (region.city, region.county))


def cross_check(
    fields: Mapping[str, CardField],
    *,
    today: date,
    back_read: bool,
    table: DivisionTable | None = None,
) -> CrossCheck:
    """Check the card's fields against each other and the rules (see the module docstring)."""
    errors: list[Issue] = []
    warnings: list[Issue] = []
    wanted = FRONT_FIELDS + (BACK_FIELDS if back_read else ())
    for name in wanted:
        if not fields.get(name, MISSING).found:
            errors.append(_issue("field_missing", name, field=name))

    def value(name: str) -> str | None:
        return fields.get(name, MISSING).value

    parsed: ResidentNumber | None = None
    number = value("number")
    if number is not None:
        try:
            parsed = parse_citizen_number(number, today=today, table=table)
        except IdNumberError as exc:
            errors.append(_issue("number_invalid", "number", reason=exc.reason))

    if parsed is not None:
        birth = value("birth_date")
        if birth is not None and birth != parsed.birth_date.isoformat():
            errors.append(_issue("birth_date_mismatch", "birth_date"))
        sex = value("sex")
        if sex is not None and {"男": "M", "女": "F"}.get(sex) != parsed.sex:
            errors.append(_issue("sex_mismatch", "sex"))
        address = value("address")
        if address and not _address_in_region(address, parsed):
            warnings.append(_issue("region_address_mismatch", "address"))

    ethnicity = value("ethnicity")
    if ethnicity is not None and ethnicity not in RECOGNISED_ETHNICITIES:
        errors.append(_issue("ethnicity_unknown", "ethnicity"))

    if back_read:
        _check_validity(value("valid_from"), value("valid_to"), parsed, today, errors, warnings)
    else:
        warnings.append(_issue("back_not_read", None))
    return CrossCheck(tuple(errors), tuple(warnings), parsed)


def _check_validity(
    valid_from: str | None,
    valid_to: str | None,
    parsed: ResidentNumber | None,
    today: date,
    errors: list[Issue],
    warnings: list[Issue],
) -> None:
    if valid_from is None or valid_to is None:
        return
    start = date.fromisoformat(valid_from)
    end = None if valid_to == LONG_TERM else date.fromisoformat(valid_to)
    if end is not None and end <= start:
        errors.append(_issue("validity_invalid", "valid_to"))
        return
    if start > today:
        errors.append(_issue("card_not_yet_valid", "valid_from"))
    if end is not None and end < today:
        errors.append(_issue("card_expired", "valid_to"))
    if parsed is not None:
        if start < parsed.birth_date:
            errors.append(_issue("validity_invalid", "valid_from"))
            return
        years = card_validity_years(parsed.birth_date, start)
        actual = 0 if end is None else end.year - start.year
        if actual != years:
            warnings.append(_issue("validity_period_unusual", "valid_to"))


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def reconcile_with_region(fields: Mapping[str, CardField], number: ResidentNumber) -> dict[str, CardField]:
    """Repair one misread character in region names using the number's region.

    The recogniser cannot read a few rare characters (湾沚区's 沚 is not in its alphabet); when the
    address starts with the number's province/city/county names but for one character, or the
    issuing authority is that region's bureau but for one character, the canonical names are put
    back and the field is marked ``corrected``. A holder who moved keeps what was read.
    """
    out = dict(fields)
    region = number.region
    canonical = "".join(p for p in (region.province, region.city, region.county) if p)
    address = fields.get("address", MISSING)
    if address.value and canonical and not address.value.startswith(canonical):
        n = len(canonical)
        best = min(
            ((_edit_distance(address.value[:size], canonical), size) for size in range(max(1, n - 1), n + 2)),
            default=(99, 0),
        )
        if best[0] == 1:
            out["address"] = replace(address, value=canonical + address.value[best[1] :], corrected=True)
    authority = fields.get("authority", MISSING)
    if authority.value and region.county:
        branch = (
            region.county[:-1] if len(region.county) > 2 and region.county.endswith("区") else region.county
        )
        expected = {f"{region.county}公安局"}
        for parent in (region.city, region.province):
            if parent:
                expected.add(f"{parent}公安局{branch}分局")
        if authority.value not in expected:
            for form in expected:
                if _edit_distance(authority.value, form) == 1 and len(authority.value) == len(form):
                    out["authority"] = replace(authority, value=form, corrected=True)
                    break
    return out


def flag_for_confirmation(fields: Mapping[str, CardField], check: CrossCheck) -> dict[str, CardField]:
    """Mark for confirmation every field that is low-confidence, missing or in a cross-check error."""
    in_error = check.fields_in_error()
    out: dict[str, CardField] = {}
    for name, f in fields.items():
        flag = f.needs_confirmation or not f.found or f.confidence < LOW_CONFIDENCE or name in in_error
        out[name] = replace(f, needs_confirmation=flag)
    return out
