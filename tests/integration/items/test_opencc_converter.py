"""The OpenCC adapter: its skip-when-nothing-to-convert fast path never changes the result."""

from __future__ import annotations

import opencc
from hypothesis import given, settings
from hypothesis import strategies as st

from sealpost.adapters.text.opencc_converter import OpenCCConverter

_T2S = opencc.OpenCC("t2s")
_CONVERTER = OpenCCConverter()

# A mix of traditional characters, simplified ones, phrase-sensitive ones and ASCII.
_ALPHABET = "手槍鑽刀削麵水槍玩具煙灰缸炸雞火鍋底料著乾隆后後面麵发髮里裏台臺菸烟香手枪钻abc 12，、-"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=60))
def test_fast_path_equals_full_conversion(text: str) -> None:
    assert _CONVERTER.to_simplified(text) == _T2S.convert(text)


def test_known_conversions() -> None:
    assert _CONVERTER.to_simplified("手槍鑽 刀削麵 香菸") == "手枪钻 刀削面 香烟"
    assert _CONVERTER.to_simplified("already simplified 手枪钻") == "already simplified 手枪钻"


def test_chained_configurations() -> None:
    chained = OpenCCConverter(("t2s", "tw2s"))
    assert chained.to_simplified("煙花爆竹") == "烟花爆竹"
