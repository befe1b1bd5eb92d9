"""User-facing text: Simplified Chinese first, English available.

A :class:`Text` carries both languages; entry points pick one with :func:`pick` from the
request's ``Accept-Language`` or the CLI's ``--lang``/``SEALPOST_LANG``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Lang = Literal["zh-CN", "en"]
DEFAULT_LANG: Lang = "zh-CN"


@dataclass(frozen=True, slots=True)
class Text:
    """One message in both languages."""

    zh: str
    en: str

    def get(self, lang: Lang = DEFAULT_LANG) -> str:
        return self.en if lang == "en" else self.zh

    def format(self, **kwargs: object) -> Text:
        return Text(self.zh.format(**kwargs), self.en.format(**kwargs))


def negotiate(accept_language: str | None) -> Lang:
    """Pick zh-CN or en from an Accept-Language header; Chinese wins ties and absence."""
    if not accept_language:
        return DEFAULT_LANG
    best: tuple[float, Lang] = (-1.0, DEFAULT_LANG)
    for part in accept_language.split(","):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        q = 1.0
        for p in pieces[1:]:
            p = p.strip()
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        lang: Lang | None = "zh-CN" if tag.startswith("zh") else "en" if tag.startswith("en") else None
        if lang is not None and (q > best[0] or (q == best[0] and lang == "zh-CN")):
            best = (q, lang)
    return best[1]
