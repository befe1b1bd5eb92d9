"""Organisation identifiers: the unified social credit code (统一社会信用代码, GB 32100-2015).

An agreement customer (协议客户) registers once with its unified social credit code (USCC); the
办法 requires the courier company to check and record it. The code is 18 characters:

====  =========================================================================
pos   meaning
====  =========================================================================
1     registration authority code (登记管理部门代码): 1-9, A, N, Y
2     organisation type code (机构类别代码), meaning depends on position 1
3-8   administrative division of the registering authority (GB/T 2260)
9-17  organisation code (组织机构代码, GB 11714-1997): 8 chars + its own check char
18    check character over positions 1-17 (GB 32100-2015)
====  =========================================================================

Charset: digits and upper-case letters except I, O, S, V, Z (31 symbols). Position 18 check:
``c18 = 31 - (sum(value(c_i) * w_i) mod 31)`` with the weights ``3^(i-1) mod 31`` (1 3 9 27 19 26
16 17 20 29 25 13 8 24 10 30 28); 31 becomes 0. The organisation code's check (position 17) uses
the GB 11714 weights 3 7 9 10 5 8 4 2 mod 11 (10 → ``X``, 11 → ``0``), with letters valued A=10
… Z=35.

Sources for the authority/type tables: GB 32100-2015 as summarised in public explanations of the
code (e.g. https://osuse.cn/post/10002590.html, which lists every authority and type code).
Pure module: no I/O.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

from sealpost.i18n import Text

__all__ = [
    "AUTHORITIES",
    "USCC_CHARSET",
    "UsccCheck",
    "UsccParts",
    "generate_uscc",
    "org_code_check_char",
    "parse_uscc",
    "uscc_check_char",
    "validate_uscc",
]

USCC_CHARSET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE: Final = {c: i for i, c in enumerate(USCC_CHARSET)}
_USCC_WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))
_ORG_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True, slots=True)
class Authority:
    """A registration authority (登记管理部门) and the organisation types it may assign."""

    code: str
    name: Text
    types: dict[str, Text]


AUTHORITIES: Final[dict[str, Authority]] = {
    a.code: a
    for a in (
        Authority(
            "1",
            Text("机构编制", "establishment administration"),
            {
                "1": Text("机关", "government organ"),
                "2": Text("事业单位", "public institution"),
                "3": Text("中央编办直接管理机构编制的群众团体", "mass organisation under the central office"),
                "9": Text("其他", "other"),
            },
        ),
        Authority(
            "2",
            Text("外交", "foreign affairs"),
            {"1": Text("外国常驻新闻机构", "resident foreign news agency"), "9": Text("其他", "other")},
        ),
        Authority(
            "3",
            Text("司法行政", "judicial administration"),
            {
                "1": Text("律师执业机构", "law firm"),
                "2": Text("公证处", "notary office"),
                "3": Text("基层法律服务所", "grassroots legal service office"),
                "4": Text("司法鉴定机构", "forensic appraisal institution"),
                "5": Text("仲裁委员会", "arbitration commission"),
                "9": Text("其他", "other"),
            },
        ),
        Authority(
            "4",
            Text("文化", "culture"),
            {"1": Text("外国在华文化中心", "foreign cultural centre in China"), "9": Text("其他", "other")},
        ),
        Authority(
            "5",
            Text("民政", "civil affairs"),
            {
                "1": Text("社会团体", "social organisation"),
                "2": Text("民办非企业单位", "private non-enterprise unit"),
                "3": Text("基金会", "foundation"),
                "9": Text("其他", "other"),
            },
        ),
        Authority(
            "6",
            Text("旅游", "tourism"),
            {
                "1": Text("外国旅游部门常驻代表机构", "foreign tourism office"),
                "2": Text("港澳台地区旅游部门常驻内地（大陆）代表机构", "HK/Macao/Taiwan tourism office"),
                "9": Text("其他", "other"),
            },
        ),
        Authority(
            "7",
            Text("宗教", "religious affairs"),
            {
                "1": Text("宗教活动场所", "place of religious activity"),
                "2": Text("宗教院校", "religious school"),
                "9": Text("其他", "other"),
            },
        ),
        Authority(
            "8",
            Text("工会", "trade unions"),
            {"1": Text("基层工会", "grassroots trade union"), "9": Text("其他", "other")},
        ),
        Authority(
            "9",
            Text("工商", "market regulation (industry and commerce)"),
            {
                "1": Text("企业", "enterprise"),
                "2": Text("个体工商户", "individual business"),
                "3": Text("农民专业合作社", "farmers' cooperative"),
            },
        ),
        Authority(
            "A",
            Text("中央军委改革和编制办公室", "CMC reform and establishment office"),
            {"1": Text("军队事业单位", "military public institution"), "9": Text("其他", "other")},
        ),
        Authority(
            "N",
            Text("农业", "agriculture"),
            {
                "1": Text("组级集体经济组织", "group-level collective economic organisation"),
                "2": Text("村级集体经济组织", "village-level collective economic organisation"),
                "3": Text("乡镇级集体经济组织", "township-level collective economic organisation"),
                "9": Text("其他", "other"),
            },
        ),
        Authority("Y", Text("其他", "other"), {"1": Text("其他", "other")}),
    )
}

# First two digits of a GB/T 2260 code: the 31 mainland provinces; "10" is used for organisations
# registered by central authorities (e.g. 100000).
_PROVINCE_PREFIXES: Final = frozenset(
    {"10", "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"}
)

_MESSAGES: Final[dict[str, Text]] = {
    "ok": Text("统一社会信用代码有效", "the unified social credit code is valid"),
    "uscc_length": Text("统一社会信用代码应为18位", "a unified social credit code has 18 characters"),
    "uscc_charset": Text(
        "统一社会信用代码含有不允许的字符（只能是数字和除I、O、S、V、Z以外的大写字母）",
        "the code contains a character outside 0-9 and A-Z without I, O, S, V, Z",
    ),
    "uscc_authority": Text("第1位登记管理部门代码无效", "position 1 is not a registration authority code"),
    "uscc_type": Text(
        "第2位机构类别代码与登记管理部门不匹配", "position 2 is not an organisation type of that authority"
    ),
    "uscc_region": Text(
        "第3-8位登记管理机关行政区划码无效", "positions 3-8 are not an administrative division code"
    ),
    "uscc_org_code_check": Text(
        "第9-17位组织机构代码的校验码错误", "the organisation code (positions 9-17) fails its check character"
    ),
    "uscc_check": Text(
        "第18位校验码错误，请核对是否抄错",
        "the check character (position 18) does not match; check for a typo",
    ),
}


@dataclass(frozen=True, slots=True)
class UsccParts:
    """The fields of a well-formed code."""

    code: str
    authority: str
    org_type: str
    region: str
    org_code: str
    check: str

    @property
    def authority_name(self) -> Text:
        return AUTHORITIES[self.authority].name

    @property
    def org_type_name(self) -> Text:
        return AUTHORITIES[self.authority].types[self.org_type]


@dataclass(frozen=True, slots=True)
class UsccCheck:
    """The outcome of :func:`validate_uscc`: ``ok`` or the first failed rule."""

    ok: bool
    reason: str
    message: Text
    parts: UsccParts | None = None


def normalize_uscc(raw: str) -> str:
    """Upper-case, drop spaces and hyphens, full-width to half-width (typed or OCR'd input)."""
    out = []
    for ch in raw:
        o = ord(ch)
        if 0xFF01 <= o <= 0xFF5E:
            ch = chr(o - 0xFEE0)
        if ch in " \t\u3000-":
            continue
        out.append(ch.upper())
    return "".join(out)


def org_code_check_char(body8: str) -> str:
    """GB 11714-1997 check character for an 8-character organisation code body."""
    if len(body8) != 8:
        raise ValueError("organisation code body must be 8 characters")
    total = 0
    for ch, w in zip(body8, _ORG_WEIGHTS, strict=True):
        if ch.isdigit():
            v = int(ch)
        elif "A" <= ch <= "Z":
            v = ord(ch) - ord("A") + 10
        else:
            raise ValueError(f"invalid organisation code character {ch!r}")
        total += v * w
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def uscc_check_char(body17: str) -> str:
    """GB 32100-2015 check character for the first 17 characters."""
    if len(body17) != 17:
        raise ValueError("USCC body must be 17 characters")
    try:
        total = sum(_USCC_VALUE[ch] * w for ch, w in zip(body17, _USCC_WEIGHTS, strict=True))
    except KeyError as exc:
        raise ValueError(f"invalid USCC character {exc.args[0]!r}") from None
    return USCC_CHARSET[(31 - total % 31) % 31]


def _fail(reason: str) -> UsccCheck:
    return UsccCheck(False, reason, _MESSAGES[reason])


def validate_uscc(raw: str) -> UsccCheck:
    """Validate a unified social credit code: structure, both check characters."""
    code = normalize_uscc(raw)
    if len(code) != 18:
        return _fail("uscc_length")
    if any(ch not in _USCC_VALUE for ch in code):
        return _fail("uscc_charset")
    authority = AUTHORITIES.get(code[0])
    if authority is None:
        return _fail("uscc_authority")
    if code[1] not in authority.types:
        return _fail("uscc_type")
    region = code[2:8]
    if not region.isdigit() or region[:2] not in _PROVINCE_PREFIXES:
        return _fail("uscc_region")
    org_code = code[8:17]
    if org_code_check_char(org_code[:8]) != org_code[8]:
        return _fail("uscc_org_code_check")
    if uscc_check_char(code[:17]) != code[17]:
        return _fail("uscc_check")
    parts = UsccParts(code, code[0], code[1], region, org_code, code[17])
    return UsccCheck(True, "ok", _MESSAGES["ok"], parts)


def parse_uscc(raw: str) -> UsccParts:
    """Return the parts of a valid code or raise :class:`ValueError` with the reason code."""
    result = validate_uscc(raw)
    if result.parts is None:
        raise ValueError(result.reason)
    return result.parts


def generate_uscc(
    rng: random.Random,
    *,
    authority: str = "9",
    org_type: str = "1",
    region: str = "110108",
) -> str:
    """Make a structurally valid code (for test data and demos; not a registered organisation).

    The organisation-code body is drawn from the USCC charset; the GB 11714 check alphabet
    (0-9 and ``X``) is a subset of that charset too, so the whole code stays in it.
    """
    if authority not in AUTHORITIES or org_type not in AUTHORITIES[authority].types:
        raise ValueError("unknown authority or organisation type")
    if len(region) != 6 or not region.isdigit():
        raise ValueError("region must be a 6-digit GB/T 2260 code")
    body8 = "".join(rng.choice(USCC_CHARSET) for _ in range(8))
    body17 = authority + org_type + region + body8 + org_code_check_char(body8)
    return body17 + uscc_check_char(body17)
