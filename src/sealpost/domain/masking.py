"""Masking of personal data on waybills and in logs, after GB/T 41833-2022 《快递电子运单》.

The standard's personal-information chapter says what a printed waybill may show:

* **name**: hide at least one character. We keep the surname (a compound surname such as 欧阳,
  司马, 上官, 诸葛 is kept whole unless that would leave nothing hidden) and hide the rest; a
  one-character name is hidden completely; a non-Chinese name keeps its first letter only.
* **phone**: hide at least 6 digits. By default only the last 4 digits stay (``*******5678``);
  more than ``len - 6`` digits are never kept, whatever the caller asks for.
* **address**: hide the unit, building and room numbers. We keep the leading administrative part
  (province, city, county, township/street office) and the road/street/lane/village name, and hide
  **every digit, Latin letter and Chinese numeral after it** — the house number on the road
  included (it is hidden rather than kept: a house number plus the masked room still narrows the
  address to one building, and couriers route by the road and the sort code anyway).
* **ID number**: keep the first and the last character only by default (``1****************X``);
  whatever the caller asks for, at least half of the characters stay hidden.

Two output styles: ``standard`` writes one ``*`` per hidden character; ``smile`` (the "微笑面单"
style) writes ``^_^`` in place of each run of hidden characters, so it does not even show how
many characters were hidden. :func:`restyle` turns a standard-masked string into the smile style,
because labels are printed from receipts that carry the standard form.

Every ``mask_*`` function is pure, deterministic and total: it never raises, and when it cannot
make sense of its input it hides all of it. The log redaction processor relies on that.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Final, Literal, get_args

__all__ = [
    "COMPOUND_SURNAMES",
    "HIDDEN_CHAR",
    "SMILE",
    "MaskKind",
    "MaskStyle",
    "mask",
    "mask_address",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "restyle",
]

MaskStyle = Literal["standard", "smile"]
MaskKind = Literal["name", "phone", "address", "id"]
MASK_STYLES: Final[tuple[str, ...]] = get_args(MaskStyle)
MASK_KINDS: Final[tuple[str, ...]] = get_args(MaskKind)

HIDDEN_CHAR: Final = "*"
SMILE: Final = "^_^"

#: Minimum number of phone digits hidden (GB/T 41833-2022: 隐藏6位以上).
PHONE_MIN_HIDDEN: Final = 6

_COMPOUND_SURNAMES_TEXT: Final = """
    欧阳 太史 端木 上官 司马 东方 独孤 南宫 万俟 闻人 夏侯 诸葛 尉迟 公羊 赫连 澹台 皇甫 宗政
    濮阳 公冶 太叔 申屠 公孙 慕容 仲孙 钟离 长孙 宇文 司徒 鲜于 司空 闾丘 子车 亓官 司寇 巫马
    公西 颛孙 壤驷 公良 漆雕 乐正 宰父 谷梁 拓跋 夹谷 轩辕 令狐 段干 百里 呼延 东郭 南门 羊舌
    微生 公户 公玉 公仪 梁丘 公仲 公上 公门 公山 公坚 左丘 公伯 西门 公祖 第五 公乘 贯丘 公皙
    南荣 东里 东宫 仲长 子书 子桑 即墨 达奚 褚师 单于 纳兰 呼衍 完颜 耶律 叱干 张简 范姜
"""
#: Common Chinese compound surnames (复姓), from the 百家姓 list and modern usage.
COMPOUND_SURNAMES: Final[frozenset[str]] = frozenset(_COMPOUND_SURNAMES_TEXT.split())

# Chinese numerals count as "digits" in the hidden part of an address (三号楼二单元).
_CHINESE_NUMERALS: Final = frozenset("零〇一二三四五六七八九十百千两壹贰叁肆伍陆柒捌玖拾")
_DASHES: Final = "-‐‑‒–—―−﹣－_"


def _is_han(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x3400 <= cp <= 0x4DBF or 0x4E00 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x323AF
    )


def _render(chars: Sequence[str], hidden: Sequence[bool], style: MaskStyle) -> str:
    """Write ``chars`` with the hidden positions replaced per ``style``."""
    out: list[str] = []
    in_run = False
    for ch, hide in zip(chars, hidden, strict=True):
        if not hide:
            out.append(ch)
            in_run = False
        elif style == "smile":
            if not in_run:
                out.append(SMILE)
            in_run = True
        else:
            out.append(HIDDEN_CHAR)
    return "".join(out)


def _hide_all(value: object, style: MaskStyle) -> str:
    """The fallback: hide every non-space character."""
    try:
        text = str(value).strip()
    except Exception:  # str() of a hostile object
        return SMILE if style == "smile" else HIDDEN_CHAR
    if not text:
        return ""
    return _render(text, [not ch.isspace() for ch in text], style)


def _style(style: object) -> MaskStyle:
    return "smile" if style == "smile" else "standard"


# ---------------------------------------------------------------------------------------- names


def name_visible_length(name: str) -> int:
    """How many leading characters of a (stripped) name stay visible."""
    if len(name) <= 1:
        return 0
    if _is_han(name[0]):
        if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
            return 2
        return 1
    return 1


def mask_name(value: object, style: MaskStyle = "standard") -> str:
    """``张三丰`` → ``张**``, ``欧阳娜娜`` → ``欧阳**``, ``李`` → ``*``, ``John Smith`` → ``J*********``."""
    style = _style(style)
    try:
        name = unicodedata.normalize("NFC", str(value)).strip()
        if not name:
            return ""
        keep = name_visible_length(name)
        return _render(name, [i >= keep for i in range(len(name))], style)
    except Exception:
        return _hide_all(value, style)


# --------------------------------------------------------------------------------------- phones


def _phone_digits(value: str) -> str:
    """The national-form digits of a phone number (country code +86/0086 dropped)."""
    text = unicodedata.normalize("NFKC", value).strip()
    digits = "".join(ch for ch in text if ch.isascii() and ch.isdigit())
    international = text.startswith("+86") or digits.startswith("0086")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif text.startswith("+86") or (digits.startswith("86") and len(digits) == 13 and digits[2] == "1"):
        digits = digits[2:]
        international = True
    is_mobile = len(digits) == 11 and digits.startswith("1")
    if international and digits and not is_mobile and not digits.startswith("0"):
        digits = "0" + digits  # +86 10 1234 5678 → 010 1234 5678
    return digits


def mask_phone(value: object, style: MaskStyle = "standard", *, keep_last: int = 4) -> str:
    """``13812345678`` → ``*******5678``; at least 6 digits are always hidden.

    The result is written in national form (country code and separators dropped). Input with no
    digits at all is hidden completely.
    """
    style = _style(style)
    try:
        digits = _phone_digits(str(value))
        if not digits:
            return _hide_all(value, style)
        keep = max(0, min(int(keep_last), len(digits) - PHONE_MIN_HIDDEN))
        return _render(digits, [i < len(digits) - keep for i in range(len(digits))], style)
    except Exception:
        return _hide_all(value, style)


# ------------------------------------------------------------------------------------ ID numbers


def mask_id_number(
    value: object, style: MaskStyle = "standard", *, keep_start: int = 1, keep_end: int = 1
) -> str:
    """``11010519491231002X`` → ``1****************X``.

    Spaces and dashes are dropped first. At least half of the characters (and at least one) stay
    hidden: a caller asking to keep more gets fewer kept characters, the end ones going first.
    """
    style = _style(style)
    try:
        text = unicodedata.normalize("NFKC", str(value))
        chars = "".join(ch for ch in text if not ch.isspace() and ch not in _DASHES).upper()
        n = len(chars)
        if n == 0:
            return ""
        start, end = max(0, int(keep_start)), max(0, int(keep_end))
        min_hidden = max(1, (n + 1) // 2)
        while start + end > n - min_hidden:
            if end > 0:
                end -= 1
            else:
                start -= 1
        return _render(chars, [not (i < start or i >= n - end) for i in range(n)], style)
    except Exception:
        return _hide_all(value, style)


# ------------------------------------------------------------------------------------- addresses

_SEG = r"[^\W\d_a-zA-Z]{1,16}?"  # a run of non-digit, non-Latin word characters (Chinese text)
_ADDRESS_KEPT_RE: Final = re.compile(
    "^"
    rf"(?:{_SEG}(?:特别行政区|自治区|省))?"
    rf"(?:{_SEG}(?:自治州|地区|市|州|盟))?"
    rf"(?:{_SEG}(?:自治县|自治旗|林区|特区|新区|区|县|市|旗))?"
    rf"(?:{_SEG}(?:街道|镇|乡|苏木))?"
    rf"(?:{_SEG}(?:大街|大道|胡同|路|街|巷|道|村)){{0,3}}"
)


def address_kept_length(address: str) -> int:
    """Length of the leading part of ``address`` that stays visible (admin divisions + street)."""
    match = _ADDRESS_KEPT_RE.match(address)
    return match.end() if match else 0


def _hidden_in_address(ch: str) -> bool:
    return (ch.isascii() and ch.isalnum()) or ch in _CHINESE_NUMERALS or unicodedata.category(ch) == "Nd"


def mask_address(value: object, style: MaskStyle = "standard") -> str:
    """``北京市朝阳区建国路88号院3号楼2单元1203室`` → ``北京市朝阳区建国路**号院*号楼*单元****室``.

    The administrative divisions and the road/street name stay; every digit, Latin letter and
    Chinese numeral after them is hidden (house, building, unit and room numbers).
    """
    style = _style(style)
    try:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if not text:
            return ""
        kept = address_kept_length(text)
        return _render(text, [i >= kept and _hidden_in_address(ch) for i, ch in enumerate(text)], style)
    except Exception:
        return _hide_all(value, style)


# ---------------------------------------------------------------------------------- entry points

_STAR_RUN: Final = re.compile(re.escape(HIDDEN_CHAR) + "+")


def restyle(masked_standard: str, style: MaskStyle) -> str:
    """Turn a standard-masked string (``张**``) into ``style`` (``张^_^`` for smile)."""
    if style == "smile":
        return _STAR_RUN.sub(SMILE, masked_standard)
    return masked_standard


def mask(kind: MaskKind, value: object, style: MaskStyle = "standard") -> str:
    """Mask ``value`` as a ``name``, ``phone``, ``address`` or ``id`` number."""
    if kind == "name":
        return mask_name(value, style)
    if kind == "phone":
        return mask_phone(value, style)
    if kind == "address":
        return mask_address(value, style)
    if kind == "id":
        return mask_id_number(value, style)
    raise ValueError(f"unknown mask kind {kind!r}; expected one of {', '.join(MASK_KINDS)}")
