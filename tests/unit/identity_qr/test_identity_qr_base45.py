"""Base45 (RFC 9285): the RFC's examples, round trips, and refusal of bad text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sealpost.domain.base45 import ALPHABET, Base45Error, b45decode, b45encode


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"AB", "BB8"),
        (b"Hello!!", "%69 VD92EX0"),
        (b"base-45", "UJCLQE7W581"),
        (b"ietf!", "QED8WEX0"),
        (b"", ""),
    ],
)
def test_rfc_9285_examples(raw: bytes, text: str) -> None:
    assert b45encode(raw) == text
    assert b45decode(text) == raw


@given(st.binary(max_size=300))
def test_round_trip(data: bytes) -> None:
    text = b45encode(data)
    assert set(text) <= set(ALPHABET)
    assert len(text) == 3 * (len(data) // 2) + 2 * (len(data) % 2)
    assert b45decode(text) == data


@pytest.mark.parametrize("bad", ["GGW", "ZZ", "A", "abc", "BB8A", "ÄB8"])
def test_invalid_text_is_refused(bad: str) -> None:
    with pytest.raises(Base45Error):
        b45decode(bad)
