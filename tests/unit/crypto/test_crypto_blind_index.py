"""Blind indexes: deterministic, keyed, normalised, domain-separated."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sealpost.adapters.crypto import BlindIndexer, CryptoKit, get_suite, normalize_id_number, normalize_phone
from sealpost.adapters.crypto.blind_index import id_check_char

KEY = b"k" * 32


def test_deterministic_16_bytes(kit: CryptoKit) -> None:
    a = kit.blind.index("phone", "13812345678")
    assert a == kit.blind.index("phone", "13812345678")
    assert len(a) == 16
    assert kit.blind.kid == kit.keyring.blind_index_key()[0]


def test_keyed() -> None:
    suite = get_suite("intl")
    assert BlindIndexer(suite, KEY, "a").index("phone", "13812345678") != BlindIndexer(
        suite, b"j" * 32, "b"
    ).index("phone", "13812345678")


def test_suites_differ() -> None:
    assert BlindIndexer(get_suite("intl"), KEY, "a").index("phone", "13812345678") != BlindIndexer(
        get_suite("gm"), KEY, "a"
    ).index("phone", "13812345678")


def test_domain_separated_by_kind() -> None:
    bi = BlindIndexer(get_suite("intl"), KEY, "a")
    assert bi.index("phone", "110105194912310021") != bi.index("id_number", "110105194912310021")


@pytest.mark.parametrize(
    "variant",
    ["13812345678", "+86 138 1234 5678", "0086-138-1234-5678", "８６１３８１２３４５６７８", "138-1234-5678"],
)
def test_phone_normalisation(variant: str) -> None:
    assert normalize_phone(variant) == "13812345678"
    bi = BlindIndexer(get_suite("intl"), KEY, "a")
    assert bi.index("phone", variant) == bi.index("phone", "13812345678")


def test_landline_keeps_its_digits() -> None:
    assert normalize_phone("010-6552 9988") == "01065529988"


@pytest.mark.parametrize(
    "variant",
    [
        "11010519491231002X",
        "11010519491231002x",
        "110105 19491231 002X",
        "１１０１０５１９４９１２３１００２Ｘ",
    ],
)
def test_id_number_normalisation(variant: str) -> None:
    assert normalize_id_number(variant) == "11010519491231002X"


def test_fifteen_digit_id_becomes_eighteen() -> None:
    # 15-digit form of 11010519491231002X: drop the century and the check character
    assert normalize_id_number("110105491231002") == "11010519491231002X"
    assert id_check_char("11010519491231002") == "X"


def test_unknown_kind_and_empty_values() -> None:
    bi = BlindIndexer(get_suite("intl"), KEY, "a")
    with pytest.raises(ValueError, match="unknown blind-index kind"):
        bi.index("name", "张三")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty"):
        bi.index("phone", " - ")
    with pytest.raises(ValueError, match="too short"):
        BlindIndexer(get_suite("intl"), b"short", "a")


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_property_separators_do_not_matter(digits: str) -> None:
    spaced = " ".join([digits[:3], digits[3:7], digits[7:]])
    bi = BlindIndexer(get_suite("intl"), KEY, "a")
    assert bi.index("phone", spaced) == bi.index("phone", digits)
