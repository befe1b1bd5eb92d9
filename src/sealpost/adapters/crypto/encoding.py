"""The 3-byte header every sealpost crypto artefact starts with, and small byte helpers.

``version (1) | suite id (1) | kind (1)`` — see ``docs/protocols/crypto.md``.
"""

from __future__ import annotations

import struct
from datetime import date
from enum import IntEnum
from typing import Final

from sealpost.ports.crypto import MalformedArtefact, UnsupportedSuite

VERSION: Final = 0x01
HEADER_SIZE: Final = 3
KID_SIZE: Final = 8
NONCE_SIZE: Final = 12
TAG_SIZE: Final = 16

SUITE_IDS: Final[dict[str, int]] = {"intl": 0x01, "gm": 0x02}
SUITE_NAMES: Final[dict[int, str]] = {v: k for k, v in SUITE_IDS.items()}

_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
_U32 = struct.Struct(">I")
_U16 = struct.Struct(">H")


class Kind(IntEnum):
    """What an artefact is: the third header byte."""

    SEALED_BOX = 0x01
    FIELD_CIPHERTEXT = 0x02
    SESSION_HEADER = 0x03
    SESSION_RECORD = 0x04
    WRAPPED_KEY = 0x05


def header(suite_id: int, kind: Kind) -> bytes:
    return bytes((VERSION, suite_id, kind))


def check_header(data: bytes, suite_id: int, kind: Kind, min_size: int) -> None:
    """Raise a precise error unless ``data`` starts with our version, ``suite_id`` and ``kind``."""
    if len(data) < HEADER_SIZE:
        raise MalformedArtefact("too short")
    if data[0] != VERSION:
        raise MalformedArtefact(f"unknown version {data[0]}")
    if data[1] != suite_id:
        name = SUITE_NAMES.get(data[1], f"id {data[1]}")
        raise UnsupportedSuite(f"artefact made with suite {name}, this key store uses suite id {suite_id}")
    if data[2] != kind:
        try:
            got = Kind(data[2]).name.lower()
        except ValueError:
            got = f"kind {data[2]}"
        raise MalformedArtefact(f"expected {kind.name.lower()}, got {got}")
    if len(data) < min_size:
        raise MalformedArtefact("truncated")


def suite_of(data: bytes) -> str:
    """The suite name an artefact was made with."""
    if len(data) < HEADER_SIZE or data[0] != VERSION:
        raise MalformedArtefact("not a sealpost artefact")
    try:
        return SUITE_NAMES[data[1]]
    except KeyError:
        raise UnsupportedSuite(f"suite id {data[1]}") from None


def kid_hex(raw: bytes) -> str:
    return raw.hex()


def kid_bytes(kid: str) -> bytes:
    try:
        raw = bytes.fromhex(kid)
    except ValueError:
        raise MalformedArtefact("key id is not hex") from None
    if len(raw) != KID_SIZE:
        raise MalformedArtefact("key id must be 8 bytes")
    return raw


def day_number(day: date) -> int:
    """Days since 1970-01-01 (UTC calendar)."""
    return day.toordinal() - _EPOCH_ORDINAL


def day_from_number(n: int) -> date:
    try:
        return date.fromordinal(n + _EPOCH_ORDINAL)
    except (ValueError, OverflowError):
        raise MalformedArtefact(f"key day {n} out of range") from None


def pack_u32(n: int) -> bytes:
    return _U32.pack(n)


def unpack_u32(data: bytes, offset: int) -> int:
    value: int = _U32.unpack_from(data, offset)[0]
    return value


def length_prefixed(*parts: bytes) -> bytes:
    """Concatenate with 2-byte big-endian length prefixes (unambiguous AAD/info building)."""
    out = bytearray()
    for part in parts:
        if len(part) > 0xFFFF:
            raise ValueError("part too long for a 2-byte length prefix")
        out += _U16.pack(len(part))
        out += part
    return bytes(out)
