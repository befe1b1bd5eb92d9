"""Base45 (RFC 9285): bytes as text in the QR code alphanumeric alphabet.

QR codes store the 45 characters ``0-9 A-Z space $ % * + - . / :`` at 5.5 bits each, so base45
text (3 characters per 2 bytes) fills a QR code almost as densely as binary mode while staying
plain text that every scanner and every HTTP client passes through unchanged.
"""

from __future__ import annotations

import struct
from typing import Final

__all__ = ["ALPHABET", "Base45Error", "b45decode", "b45encode"]

ALPHABET: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUE: Final[dict[str, int]] = {ch: i for i, ch in enumerate(ALPHABET)}
#: ASCII byte → its base45 value, 0xFF for bytes outside the alphabet (for ``bytes.translate``).
_DECODE: Final = bytes(_VALUE.get(chr(b), 0xFF) for b in range(256))


class Base45Error(ValueError):
    """Text that is not valid base45."""


def b45encode(data: bytes) -> str:
    """Encode ``data``: every 2 bytes become 3 characters, a last odd byte becomes 2."""
    out: list[str] = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        e, rest = divmod(n, 45 * 45)
        d, c = divmod(rest, 45)
        out += (ALPHABET[c], ALPHABET[d], ALPHABET[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += (ALPHABET[c], ALPHABET[d])
    return "".join(out)


def b45decode(text: str) -> bytes:
    """Decode base45 ``text``; raise :class:`Base45Error` on a bad character, length or value."""
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raise Base45Error("character outside the base45 alphabet") from None
    values = raw.translate(_DECODE)  # each character's value, 0xFF outside the alphabet
    if b"\xff" in values:
        raise Base45Error("character outside the base45 alphabet")
    if len(values) % 3 == 1:
        raise Base45Error("base45 text length leaves one dangling character")
    whole = len(values) - len(values) % 3
    triplets = [
        c + d * 45 + e * 2025
        for c, d, e in zip(values[0:whole:3], values[1:whole:3], values[2:whole:3], strict=True)
    ]
    if triplets and max(triplets) > 0xFFFF:
        raise Base45Error("base45 triplet out of range")
    out = struct.pack(f">{len(triplets)}H", *triplets)
    if len(values) % 3 == 2:
        n = values[-2] + values[-1] * 45
        if n > 0xFF:
            raise Base45Error("base45 pair out of range")
        out += bytes((n,))
    return out
