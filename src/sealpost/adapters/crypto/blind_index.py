"""Keyed blind indexes: look people up by ID number or phone without a plaintext column.

``token = HMAC(subkey_kind, normalise_kind(value))[:16]`` with
``subkey_kind = HMAC(blind_index_key, "sealpost/v1/blind-index/" || kind)`` — HMAC-SHA256 in the
``intl`` suite, HMAC-SM3 in ``gm``. The per-kind subkey separates domains: the same digits as a
phone and as an ID number give unrelated tokens. Without the key (in the keyring) the tokens
cannot be tested against guesses, which matters because ID numbers and phones have little entropy.

Normalisation (so that the same person always gives the same token):
- ``id_number``: Unicode NFKC (full-width → half-width), drop spaces and ``-``, upper-case; a
  15-digit first-generation number becomes its 18-digit form (``19`` century, ISO 7064 check).
- ``phone``: NFKC, digits only, a leading ``+86``/``0086``/``86`` before an 11-digit mobile dropped.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from typing import Final

from sealpost.adapters.crypto.suites import GmSuite, IntlSuite
from sealpost.ports.crypto import BlindIndexKind

TOKEN_SIZE: Final = 16
LABEL: Final = b"sealpost/v1/blind-index/"
KINDS: Final[tuple[BlindIndexKind, ...]] = ("id_number", "phone")

_ID_DROP = re.compile(r"[\s\-]+")
_NON_DIGITS = re.compile(r"\D+")
_ID_WEIGHTS: Final = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK: Final = "10X98765432"


def id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of an 18-digit resident ID number."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def normalize_id_number(value: str) -> str:
    if value.isascii() and value.isalnum():  # the common case: NFKC and the drop set change nothing
        text = value.upper()
    else:
        text = _ID_DROP.sub("", unicodedata.normalize("NFKC", value)).upper()
    if len(text) == 15 and text.isdigit():
        first17 = text[:6] + "19" + text[6:]
        text = first17 + id_check_char(first17)
    if not text:
        raise ValueError("empty ID number")
    return text


def normalize_phone(value: str) -> str:
    if value.isascii() and value.isdigit():  # the common case: nothing to normalise or drop
        digits = value
    else:
        digits = _NON_DIGITS.sub("", unicodedata.normalize("NFKC", value).strip())
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11 and digits[len(prefix)] == "1":
            digits = digits[len(prefix) :]
            break
    if not digits:
        raise ValueError("empty phone number")
    return digits


_NORMALIZERS = {"id_number": normalize_id_number, "phone": normalize_phone}


class BlindIndexer:
    """Implements :class:`sealpost.ports.crypto.BlindIndex`."""

    def __init__(self, suite: IntlSuite | GmSuite, key: bytes, kid: str) -> None:
        if len(key) < 16:
            raise ValueError("blind-index key too short")
        self._suite = suite
        self._kid = kid
        self._subkeys = {kind: suite.mac(key, LABEL + kind.encode()) for kind in KINDS}
        # HMAC-SHA256 with the key schedule done once per kind: each token copies the keyed state
        # (the same tokens as ``suite.mac(subkey, ...)``, a third cheaper on the ingest hot path;
        # ``tests/unit/records/test_records_hot_path_fast.py`` holds them equal).
        self._keyed = (
            {
                kind: (_NORMALIZERS[kind], hmac.new(sub, digestmod=hashlib.sha256).copy)
                for kind, sub in self._subkeys.items()
            }
            if isinstance(suite, IntlSuite)
            else {}
        )

    @property
    def kid(self) -> str:
        return self._kid

    def index(self, kind: BlindIndexKind, value: str) -> bytes:
        keyed = self._keyed.get(kind)
        if keyed is not None:
            normalize, keyed_mac = keyed
            mac = keyed_mac()
            mac.update(normalize(value).encode("utf-8"))
            return mac.digest()[:TOKEN_SIZE]
        try:
            subkey = self._subkeys[kind]
        except KeyError:
            raise ValueError(f"unknown blind-index kind {kind!r} ({', '.join(KINDS)})") from None
        data = _NORMALIZERS[kind](value).encode("utf-8")
        return self._suite.mac(subkey, data)[:TOKEN_SIZE]

    def __repr__(self) -> str:
        return f"<BlindIndexer kid={self._kid}>"
