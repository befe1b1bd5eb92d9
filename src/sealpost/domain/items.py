"""Prohibited and restricted items: does an item name name something that may not be posted?

The checker answers ``prohibited`` (one of the 19 categories of the 禁止寄递物品指导目录: refuse),
``restricted`` (a restricted good, or an ambiguous name: inspect before accepting) or ``allowed``.

How it matches (docs/items.md has the reasoning and the alternatives considered):

1. **Normalise** the text: NFKC (full-width → half-width, compatibility ideographs and Kangxi
   radicals → ordinary characters), traditional → simplified through an injected converter
   (OpenCC in production, see :mod:`sealpost.ports.text`), case-fold, then drop every separator
   (spaces, punctuation, zero-width characters…) *between* characters, so ``冰 毒``, ``冰-毒`` and
   ``冰\u200b毒`` all read ``冰毒``. A separator between two ASCII letters/digits is kept as one space so
   ASCII words stay words.
2. **Find every term** of the catalogue in one pass with an Aho–Corasick automaton built once.
   Pure-ASCII terms (pinyin, English) are matched as whole words instead: the text's ASCII words
   are joined in runs (so ``bing du`` and ``b i n g d u`` read ``bingdu``) and looked up.
3. **Word-boundary rules.** A term that starts or ends with an ASCII letter or digit must not
   continue an ASCII word (``k粉`` matches in ``买k粉`` but not in ``ok粉底``). An acid named at the
   head of a longer chemical or drug name (``盐酸二甲双胍``) is downgraded to needs-review.
4. **Longest match wins**: a hit lying inside a longer hit is dropped. The allow-list of everyday
   compounds (``手枪钻``, ``水枪玩具``, ``烟花剪纸``…) is made of hits too, so an allowed compound
   covering a sensitive word cancels it, and a restricted compound (``酒精湿巾``) turns a
   prohibited word (``酒精``) into needs-review. Hits that only partly overlap are all kept.
5. **Verdict**: any surviving prohibited hit → prohibited (the first one is reported); else any
   needs-review or restricted hit → restricted; else allowed.

Why Aho–Corasick rather than a segmenter: the catalogue is a closed list of a few hundred
terms, many of which a general segmenter splits or merges differently from how couriers write
them (``手枪钻`` is one token for nobody's dictionary; ``伪造的公章`` is three), and segmentation
errors are silent. The automaton finds every occurrence in linear time, and the traps are
explicit data that a reviewer can read and extend. Pure module: the data file is read with
:mod:`importlib.resources`; no I/O otherwise.
"""

from __future__ import annotations

import functools
import json
import re
import string
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Final, Literal

import ahocorasick

from sealpost.i18n import Text

__all__ = [
    "Category",
    "ItemCatalogue",
    "ItemChecker",
    "ItemVerdict",
    "Match",
    "RestrictedGroup",
    "Verdict",
    "load_catalogue",
    "normalize_item_text",
]

Verdict = Literal["prohibited", "restricted", "allowed"]
Kind = Literal["prohibited", "review", "restricted", "allowed"]

_SEVERITY: Final[dict[Kind, int]] = {"prohibited": 3, "review": 2, "restricted": 2, "allowed": 1}
_MAX_ASCII_RUN: Final = 24  # longest ASCII term we join words up to (characters)


# --- catalogue -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Category:
    """One of the 19 categories of the 禁止寄递物品指导目录."""

    number: int
    name: Text


@dataclass(frozen=True, slots=True)
class RestrictedGroup:
    """A kind of restricted good and what the courier must check."""

    key: str
    name: Text
    reason: Text


@dataclass(frozen=True, slots=True)
class Entry:
    """One term of the catalogue, as written in the data file and as matched."""

    term: str
    key: str
    kind: Kind
    category: int | None = None
    group: str | None = None
    exact: bool = False


@dataclass(frozen=True, slots=True)
class ItemCatalogue:
    """The parsed data file: categories, restricted groups and every term."""

    version: str
    categories: Mapping[int, Category]
    groups: Mapping[str, RestrictedGroup]
    entries: tuple[Entry, ...]
    compound_heads: frozenset[str]
    compound_keep: tuple[str, ...]


def _text_list(obj: Mapping[str, Any], name: str) -> list[str]:
    value = obj.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{name!r} must be a list of non-empty strings")
    return [v.strip() for v in value]


def load_catalogue(data: Mapping[str, Any] | None = None) -> ItemCatalogue:
    """Parse the catalogue (the packaged ``prohibited_items.json`` unless ``data`` is given).

    Raises ``ValueError`` for a malformed file: missing categories, a term without meaning.
    """
    if data is None:
        raw = resources.files("sealpost").joinpath("data", "prohibited_items.json").read_text("utf-8")
        data = json.loads(raw)
    categories: dict[int, Category] = {}
    entries: list[Entry] = []
    for cat in data["categories"]:
        number = int(cat["number"])
        if number in categories:
            raise ValueError(f"category {number} listed twice")
        categories[number] = Category(number, Text(cat["name_zh"], cat["name_en"]))
        for name in ("catalogue_examples", "synonyms", "pinyin", "english"):
            entries += [Entry(t, t, "prohibited", category=number) for t in _text_list(cat, name)]
        entries += [Entry(t, t, "prohibited", category=number, exact=True) for t in _text_list(cat, "exact")]
        entries += [Entry(t, t, "review", category=number) for t in _text_list(cat, "review")]
    if sorted(categories) != list(range(1, 20)):
        raise ValueError("the catalogue must have categories 1 to 19")
    groups: dict[str, RestrictedGroup] = {}
    for grp in data.get("restricted", []):
        key = grp["group"]
        groups[key] = RestrictedGroup(
            key, Text(grp["name_zh"], grp["name_en"]), Text(grp["reason_zh"], grp["reason_en"])
        )
        for name in ("terms", "pinyin", "english"):
            entries += [Entry(t, t, "restricted", group=key) for t in _text_list(grp, name)]
    for allowed in data.get("allowed", []):
        for name in ("terms", "english"):
            entries += [Entry(t, t, "allowed") for t in _text_list(allowed, name)]
    heads = data.get("compound_heads", {})
    return ItemCatalogue(
        version=str(data.get("about", {}).get("version", "")),
        categories=categories,
        groups=groups,
        entries=tuple(entries),
        compound_heads=frozenset(_text_list(heads, "terms")),
        compound_keep=tuple(_text_list(heads, "keep")),
    )


# --- normalisation ---------------------------------------------------------------------------


_ASCII_ALNUM: Final = frozenset(string.ascii_letters + string.digits)


def _is_ascii_alnum(ch: str) -> bool:
    return ch in _ASCII_ALNUM


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x3134F or 0xF900 <= o <= 0xFAFF


_ASCII_RUN: Final = re.compile(r"[a-z0-9]+(?: [a-z0-9]+)*")
_SEPARATORS: Final = re.compile(r"[\W_]+")  # anything but letters and digits of any script


def normalize_item_text(text: str, to_simplified: Callable[[str], str] = lambda s: s) -> str:
    """The form terms and texts are compared in (see the module docstring, step 1)."""
    text = to_simplified(unicodedata.normalize("NFKC", text)).casefold()
    pieces = _SEPARATORS.split(text)
    out = pieces[0]
    for piece in pieces[1:]:
        if not piece:
            continue
        if out and _is_ascii_alnum(out[-1]) and _is_ascii_alnum(piece[0]):
            out += " "
        out += piece
    return out


# --- matching --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Match:
    """A catalogue term found in the text (positions in the normalised text or its ASCII words)."""

    term: str
    kind: Kind
    category: int | None
    group: str | None
    start: int
    end: int
    ascii_word: bool = False
    head_of_compound: bool = False

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class ItemVerdict:
    """The answer for one item name.

    ``category`` is the catalogue category (1–19) for prohibited items and for ambiguous names
    that may belong to one; ``group`` is the restricted-goods group (``lithium_batteries``…).
    ``category_name`` names whichever applies. ``term`` is the catalogue's word for what was found.
    """

    verdict: Verdict
    category: int | None
    category_name: Text | None
    term: str | None
    reason: Text
    group: str | None = None
    matches: tuple[Match, ...] = field(default=(), repr=False)

    def as_dict(self, lang: Literal["zh-CN", "en"] = "zh-CN") -> dict[str, Any]:
        """The JSON shape the CLI and API print."""
        return {
            "verdict": self.verdict,
            "category": self.category,
            "category_name": self.category_name.get(lang) if self.category_name else None,
            "group": self.group,
            "term": self.term,
            "reason": self.reason.get(lang),
        }


_ALLOWED_NONE: Final = Text(
    "未发现禁寄或限寄物品关键词；仍须按规定开箱验视。",
    "No prohibited or restricted item terms found; the item must still be inspected.",
)


class ItemChecker:
    """Checks item names against a catalogue. Build once (the automaton), call many times.

    ``to_simplified`` converts traditional characters to simplified ones (the
    :class:`sealpost.ports.text.ScriptConverter` port's method); the identity function is only
    correct for texts known to be simplified.
    """

    def __init__(
        self, catalogue: ItemCatalogue, to_simplified: Callable[[str], str], *, cache_size: int = 8192
    ) -> None:
        self._catalogue = catalogue
        self._to_simplified = to_simplified
        self._automaton: Any = ahocorasick.Automaton()
        self._ascii: dict[str, Entry] = {}
        self._exact: dict[str, Entry] = {}
        seen: dict[tuple[str, bool], Entry] = {}
        for entry in catalogue.entries:
            key = normalize_item_text(entry.term, to_simplified)
            if not key:
                raise ValueError(f"term {entry.term!r} normalises to nothing")
            is_ascii = key.isascii()
            if is_ascii:
                key = key.replace(" ", "")
            ref = (key, entry.exact)
            if ref in seen:
                raise ValueError(f"term {entry.term!r} is listed twice (also as {seen[ref].term!r})")
            e = Entry(entry.term, key, entry.kind, entry.category, entry.group, entry.exact)
            seen[ref] = e
            if entry.exact:
                self._exact[key] = e
            elif is_ascii:
                self._ascii[key] = e
            else:
                self._automaton.add_word(key, e)
        if len(self._automaton) == 0:
            raise ValueError("the catalogue has no Chinese terms")
        self._automaton.make_automaton()
        self._heads = frozenset(normalize_item_text(t, to_simplified) for t in catalogue.compound_heads)
        self._keep = tuple(normalize_item_text(t, to_simplified) for t in catalogue.compound_keep)
        self._max_ascii = min(_MAX_ASCII_RUN, max((len(k) for k in self._ascii), default=0))
        # Item names repeat a lot (衣服, 文件, 食品); verdicts are immutable, so a bounded cache is safe.
        self._cached: Callable[[str], ItemVerdict] = (
            functools.lru_cache(maxsize=cache_size)(self._check) if cache_size > 0 else self._check
        )

    @property
    def catalogue(self) -> ItemCatalogue:
        return self._catalogue

    def check_item(self, text: str) -> ItemVerdict:
        """Classify one item name (any length; a description works too)."""
        return self._cached(text)

    def _check(self, text: str) -> ItemVerdict:
        norm = normalize_item_text(text, self._to_simplified)
        hits = self._resolve(self._cjk_hits(norm)) + self._resolve(self._ascii_hits(norm))
        exact = self._exact.get(norm.replace(" ", ""))
        if exact is not None:
            hits.append(Match(exact.term, exact.kind, exact.category, exact.group, 0, len(norm)))
        return self._verdict(hits)

    def check_many(self, texts: Iterable[str]) -> list[ItemVerdict]:
        return [self.check_item(t) for t in texts]

    # -- internals --

    def _cjk_hits(self, norm: str) -> list[Match]:
        hits: list[Match] = []
        for end_idx, e in self._automaton.iter(norm):
            end = end_idx + 1
            start = end - len(e.key)
            if _is_ascii_alnum(e.key[0]) and start > 0 and _is_ascii_alnum(norm[start - 1]):
                continue
            if _is_ascii_alnum(e.key[-1]) and end < len(norm) and _is_ascii_alnum(norm[end]):
                continue
            kind: Kind = e.kind
            head = False
            if e.key in self._heads and end < len(norm) and _is_cjk(norm[end]):
                rest = norm[end:]
                if not any(rest.startswith(k) for k in self._keep):
                    kind, head = "review", True
            hits.append(Match(e.term, kind, e.category, e.group, start, end, head_of_compound=head))
        return hits

    def _ascii_hits(self, norm: str) -> list[Match]:
        if not self._ascii:
            return []
        hits: list[Match] = []
        offset = 0  # word index across the whole text, so spans from different runs never overlap
        for run in _ASCII_RUN.finditer(norm):
            words = run.group().split(" ")
            for i in range(len(words)):
                joined = ""
                for j in range(i, len(words)):
                    joined += words[j]
                    if len(joined) > self._max_ascii:
                        break
                    e = self._ascii.get(joined)
                    if e is not None:
                        hits.append(
                            Match(e.term, e.kind, e.category, e.group, offset + i, offset + j + 1, True)
                        )
            offset += len(words) + 1
        return hits

    @staticmethod
    def _resolve(hits: Sequence[Match]) -> list[Match]:
        """Longest match wins: drop every hit that lies inside a strictly longer one.

        Sorted by start, longest first, a hit lies inside another iff some earlier hit reaches at
        least as far right (two hits never share a span: terms are unique). O(h log h).
        """
        kept = []
        reach = -1
        for h in sorted(hits, key=lambda m: (m.start, -m.end)):
            if h.end > reach:
                kept.append(h)
                reach = h.end
        return kept

    def _verdict(self, hits: list[Match]) -> ItemVerdict:
        matches = tuple(sorted(hits, key=lambda m: (m.ascii_word, m.start, -m.length)))
        if not matches:
            return ItemVerdict("allowed", None, None, None, _ALLOWED_NONE)
        top = max(_SEVERITY[m.kind] for m in matches)
        best = next(m for m in matches if _SEVERITY[m.kind] == top)
        cats = self._catalogue.categories
        if best.kind == "allowed":
            reason = Text(
                f"「{best.term}」是日常用品，虽含敏感字词，但不属于禁寄或限寄物品；仍须按规定开箱验视。",
                f"'{best.term}' is an everyday item that merely contains a sensitive word; "
                "it is neither prohibited nor restricted (still inspect it).",
            )
            return ItemVerdict("allowed", None, None, best.term, reason, matches=matches)
        if best.kind == "prohibited":
            assert best.category is not None
            cat = cats[best.category]
            reason = Text(
                f"「{best.term}」属于《禁止寄递物品指导目录》第{cat.number}类“{cat.name.zh}”，禁止寄递，不予收寄。",
                f"'{best.term}' falls under category {cat.number} ({cat.name.en}) of the Prohibited "
                "Items Catalogue: it may not be posted; refuse it.",
            )
            return ItemVerdict("prohibited", cat.number, cat.name, best.term, reason, matches=matches)
        if best.kind == "review":
            assert best.category is not None
            cat = cats[best.category]
            if best.head_of_compound:
                reason = Text(
                    f"「{best.term}」出现在更长的化学品或药品名称开头（如盐酸二甲双胍），可能是盐类或药品，"
                    f"也可能是第{cat.number}类“{cat.name.zh}”：须开箱验视、人工确认后再决定是否收寄。",
                    f"'{best.term}' heads a longer chemical or drug name (e.g. metformin hydrochloride): "
                    f"it may be a salt or a medicine, or category {cat.number} ({cat.name.en}); inspect "
                    "and decide by hand.",
                )
            else:
                reason = Text(
                    f"「{best.term}」可能属于《禁止寄递物品指导目录》第{cat.number}类“{cat.name.zh}”："
                    "须开箱验视、人工确认后再决定是否收寄。",
                    f"'{best.term}' may fall under category {cat.number} ({cat.name.en}) of the "
                    "Prohibited Items Catalogue: inspect and decide by hand before accepting.",
                )
            return ItemVerdict("restricted", cat.number, cat.name, best.term, reason, matches=matches)
        assert best.group is not None
        grp = self._catalogue.groups[best.group]
        reason = Text(
            f"「{best.term}」属于限寄物品“{grp.name.zh}”，须验视确认：{grp.reason.zh}",
            f"'{best.term}' is a restricted item ({grp.name.en}) and needs checking: {grp.reason.en}",
        )
        return ItemVerdict("restricted", None, grp.name, best.term, reason, group=grp.key, matches=matches)
