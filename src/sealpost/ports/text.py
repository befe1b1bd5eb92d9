"""Chinese script conversion port: traditional (and variant) characters to simplified.

The prohibited-items checker compares names in simplified characters; the conversion library
(OpenCC) stays behind this port so the domain remains free of it.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["IdentityConverter", "ScriptConverter"]


class ScriptConverter(Protocol):
    """Converts Chinese text to simplified characters, leaving everything else as it is."""

    def to_simplified(self, text: str) -> str:
        """Traditional → simplified; already-simplified text and non-Chinese text are unchanged."""
        ...


class IdentityConverter:
    """A converter for texts known to be simplified already (tests, ASCII-only input)."""

    def to_simplified(self, text: str) -> str:
        return text
