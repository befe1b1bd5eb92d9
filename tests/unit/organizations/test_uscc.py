"""Unified social credit codes (GB 32100-2015): published codes, generated codes, every failure."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sealpost.domain.organizations import (
    AUTHORITIES,
    USCC_CHARSET,
    generate_uscc,
    org_code_check_char,
    parse_uscc,
    uscc_check_char,
    validate_uscc,
)

# Codes printed on business licences / company websites (public registration data).
PUBLISHED = [
    "91330100799655058B",  # 阿里巴巴（中国）有限公司
    "9144030071526726XG",  # 腾讯科技（深圳）有限公司
    "914403001922038216",  # 华为技术有限公司
    "911000000000192465",  # 中国邮政集团有限公司
    "91110108551385082Q",  # 北京小米科技有限责任公司
    "91310000MAERED2X1W",  # a Shanghai trading company's website footer (post-2015 "MA" code)
]


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_validate(code: str) -> None:
    result = validate_uscc(code)
    assert result.ok, result.reason
    assert result.parts is not None
    assert result.parts.authority == "9"
    assert result.parts.org_type_name.zh == "企业"


def test_parts_of_a_published_code() -> None:
    parts = parse_uscc("914403001922038216")
    assert parts.region == "440300"
    assert parts.org_code == "192203821"
    assert parts.check == "6"
    assert parts.authority_name.zh == "工商"


def test_typed_input_is_normalised() -> None:
    assert validate_uscc(" 9144 0300 7152 6726xg ").ok
    assert validate_uscc("９１４４０３００７１５２６７２６ＸＧ").ok  # full-width


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91330100799655058", "uscc_length"),
        ("91330100799655058BB", "uscc_length"),
        ("91330100799655O58B", "uscc_charset"),  # letter O is not in the charset
        ("9133010079965505IB", "uscc_charset"),
        ("B1330100799655058B", "uscc_authority"),
        ("95330100799655058B", "uscc_type"),  # 工商 has no type 5
        ("9199010079965505XB", "uscc_region"),
        ("91330100799655059B", "uscc_org_code_check"),
        ("91330100799655058C", "uscc_check"),
    ],
)
def test_failures_have_reason_codes_and_chinese_messages(code: str, reason: str) -> None:
    result = validate_uscc(code)
    assert not result.ok
    assert result.reason == reason
    assert result.message.zh and result.message.en
    assert result.parts is None
    with pytest.raises(ValueError, match=reason):
        parse_uscc(code)


def test_check_char_algorithms_on_known_values() -> None:
    assert org_code_check_char("79965505") == "8"
    assert org_code_check_char("71526726") == "X"
    assert uscc_check_char("91330100799655058") == "B"


def test_every_authority_and_type_can_generate_a_valid_code() -> None:
    rng = random.Random(5)
    for authority in AUTHORITIES.values():
        for org_type in authority.types:
            code = generate_uscc(rng, authority=authority.code, org_type=org_type, region="330106")
            result = validate_uscc(code)
            assert result.ok, (code, result.reason)


@given(seed=st.integers(0, 2**32), pos=st.integers(0, 17), data=st.data())
def test_generated_codes_validate_and_any_single_substitution_fails(
    seed: int, pos: int, data: st.DataObject
) -> None:
    code = generate_uscc(random.Random(seed))
    assert validate_uscc(code).ok
    replacement = data.draw(st.sampled_from([c for c in USCC_CHARSET if c != code[pos]]))
    mutated = code[:pos] + replacement + code[pos + 1 :]
    # The mod-31 check character catches every single substitution (31 is prime, weights nonzero).
    assert not validate_uscc(mutated).ok


def test_generate_refuses_unknown_authority_or_region() -> None:
    rng = random.Random(1)
    with pytest.raises(ValueError, match="authority"):
        generate_uscc(rng, authority="B")
    with pytest.raises(ValueError, match="region"):
        generate_uscc(rng, region="11")
