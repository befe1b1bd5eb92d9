"""OpenCC (``opencc-python-reimplemented``) behind the :class:`sealpost.ports.text.ScriptConverter` port.

The default configuration ``t2s`` maps traditional characters and phrases to simplified ones
(手槍鑽 → 手枪钻, 刀削麵 → 刀削面, 煙花爆竹 → 烟花爆竹, and the Taiwan form 香菸 → 香烟). The
regional configurations (``tw2s``, ``hk2s``) only add phrase and variant mappings no catalogue
term depends on, and each one costs as much as ``t2s``, so the default runs ``t2s`` alone; pass
more configurations to chain them.

Speed: the pure-Python OpenCC costs ~15-50 µs per short name, more than the whole prohibited-item
check. Most names on Chinese waybills are already simplified, so the converter first asks whether
the text holds any character a dictionary could change (a key character of a character mapping,
or a differing character of a phrase mapping); when none is present the conversion is provably
the identity and is skipped. Longer texts are cut at separators (no dictionary key holds a
space or punctuation, so no mapping spans one) and only the pieces holding such a character are
converted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import opencc

from sealpost.domain.items import ItemChecker, load_catalogue

__all__ = ["OpenCCConverter", "default_item_checker"]

_PIECES = re.compile(r"([\W_]+)")  # keeps the separators (odd indexes of the split)


def _dict_files(node: dict[str, Any]) -> Iterator[str]:
    if node.get("type") == "group":
        for child in node.get("dicts", []):
            yield from _dict_files(child)
    elif "file" in node:
        yield str(node["file"])


def _trigger_chars(config: str) -> frozenset[str]:
    """Every character whose presence could make ``config`` change a text."""
    root = resources.files("opencc")
    spec = json.loads(root.joinpath("config", f"{config}.json").read_text("utf-8"))
    chars: set[str] = set()
    for step in spec.get("conversion_chain", []):
        for name in _dict_files(step.get("dict", {})):
            for line in root.joinpath("dictionary", name).read_text("utf-8").splitlines():
                key, _, values = line.partition("\t")
                value = values.split(" ")[0]
                if not key or key == value:
                    continue
                if len(key) == len(value):
                    chars.update(a for a, b in zip(key, value, strict=True) if a != b)
                else:
                    chars.update(key)
    return frozenset(chars)


class OpenCCConverter:
    """Runs the text through each OpenCC configuration in turn (OpenCC objects are reusable)."""

    def __init__(self, configs: Sequence[str] = ("t2s",)) -> None:
        if not configs:
            raise ValueError("at least one OpenCC configuration is needed")
        self._converters: list[tuple[Any, frozenset[str]]] = [
            (opencc.OpenCC(c), _trigger_chars(c)) for c in configs
        ]

    def to_simplified(self, text: str) -> str:
        if text.isascii():
            return text
        for conv, triggers in self._converters:
            if triggers.isdisjoint(text):
                continue
            if len(text) <= 16:
                text = conv.convert(text)
                continue
            pieces = _PIECES.split(text)
            text = "".join(
                conv.convert(p) if i % 2 == 0 and not triggers.isdisjoint(p) else p
                for i, p in enumerate(pieces)
            )
        return text


@lru_cache(maxsize=1)
def default_item_checker() -> ItemChecker:
    """The packaged catalogue with OpenCC conversion, built once per process (thread-safe to use)."""
    return ItemChecker(load_catalogue(), OpenCCConverter().to_simplified)
