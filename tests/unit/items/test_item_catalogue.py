"""The catalogue data file: complete, consistent, and every term means what its list says."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import opencc
import pytest

from sealpost.domain.items import ItemChecker, load_catalogue
from sealpost.ports.text import IdentityConverter


def _raw() -> dict[str, Any]:
    text = resources.files("sealpost").joinpath("data", "prohibited_items.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def test_nineteen_categories_with_sources() -> None:
    data = _raw()
    assert [c["number"] for c in data["categories"]] == list(range(1, 20))
    assert set(data["about"]["sources"]) >= {"catalogue", "restricted", "synonyms", "allowed"}
    for cat in data["categories"]:
        assert cat["name_zh"] and cat["name_en"]
        assert cat.get("catalogue_examples") or cat.get("synonyms")


def test_every_term_alone_gets_its_own_verdict(checker: ItemChecker) -> None:
    """Data-driven: each term checked on its own lands in the list it was written in."""
    wrong: list[tuple[str, str, object]] = []
    for e in checker.catalogue.entries:
        v = checker.check_item(e.term)
        if e.kind == "prohibited" and (v.verdict, v.category) != ("prohibited", e.category):
            wrong.append((e.term, v.verdict, v.category))
        if e.kind == "review" and (v.verdict, v.category) != ("restricted", e.category):
            wrong.append((e.term, v.verdict, v.category))
        if e.kind == "restricted" and (v.verdict, v.group) != ("restricted", e.group):
            wrong.append((e.term, v.verdict, v.group))
        if e.kind == "allowed" and v.verdict != "allowed":  # each compound neutralises its inside
            wrong.append((e.term, v.verdict, v.term))
    assert wrong == []


@pytest.mark.parametrize("config", ["s2t", "s2tw", "s2hk"])
def test_traditional_form_of_every_term_gets_the_same_verdict(checker: ItemChecker, config: str) -> None:
    to_traditional = opencc.OpenCC(config)
    wrong = []
    for e in checker.catalogue.entries:
        if e.term.isascii():
            continue
        simplified = checker.check_item(e.term)
        trad = to_traditional.convert(e.term)
        v = checker.check_item(trad)
        if (v.verdict, v.category, v.group) != (simplified.verdict, simplified.category, simplified.group):
            wrong.append((e.term, trad, v.verdict))
    assert wrong == []


def test_malformed_catalogues_are_refused() -> None:
    data = _raw()
    missing = copy.deepcopy(data)
    missing["categories"] = missing["categories"][:18]
    with pytest.raises(ValueError, match="1 to 19"):
        load_catalogue(missing)
    twice = copy.deepcopy(data)
    twice["categories"][0]["synonyms"].append("冰毒")  # already in category 12
    with pytest.raises(ValueError, match="listed twice"):
        ItemChecker(load_catalogue(twice), IdentityConverter().to_simplified)
    blank = copy.deepcopy(data)
    blank["categories"][0]["synonyms"].append("  ")
    with pytest.raises(ValueError, match="non-empty"):
        load_catalogue(blank)
