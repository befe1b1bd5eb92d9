"""Barcode symbols shared by every renderer: Code 128 (reportlab's encoder) and QR (segno).

Every format prints the *same* symbol: the Code 128 symbol values come from reportlab's encoder
(start code, code-set switches, check value), so a PDF drawn by reportlab, a bitmap drawn here and
a ZPL/TSPL native barcode given the same values with manual code-set switching are identical,
bar for bar. QR codes carry only the receipt's opaque ``label_ref`` with error correction level M.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import segno
from reportlab.graphics.barcode.code128 import Code128

#: Quiet zone on each side of a Code 128 symbol, in modules (ISO/IEC 15417: at least 10).
CODE128_QUIET: Final = 10
#: Quiet zone around a QR symbol, in modules, drawn inside the QR box.
QR_QUIET: Final = 2
#: QR error correction level (M recovers ~15 % damage: scuffed labels still scan).
QR_ECC: Final = "M"
#: A fixed QR mask pattern. Every mask gives a valid symbol; choosing the best one by the penalty
#: rules costs segno ~4 ms a label (a fixed mask: 0.7 ms), and zxing and phone scanners read
#: these short symbols with any mask (the tests decode every format back).
QR_MASK: Final = 2

START_A, START_B, START_C, STOP = 103, 104, 105, 106
CODE_C, CODE_B, CODE_A = 99, 100, 101

_WIDTH_OF = {"A": 1, "B": 2, "C": 3, "D": 4, "a": 1, "b": 2, "c": 3, "d": 4}
_ALNUM: Final = re.compile(r"[0-9A-Z $%*+\-./:]*")

# Data capacity per QR version at level M (ISO/IEC 18004 table 7): alphanumeric and byte mode.
_QR_M_ALNUM: Final = (20, 38, 61, 90, 122, 154, 178, 221, 262, 311)
_QR_M_BYTE: Final = (14, 26, 42, 62, 84, 106, 122, 152, 180, 213)


@dataclass(frozen=True, slots=True)
class Code128Symbol:
    data: str
    #: Symbol values: start code, data and code-set switches, check value, stop (106).
    values: tuple[int, ...]
    #: Element widths in modules, alternating bar and space, starting with a bar.
    widths: tuple[int, ...]

    @property
    def modules(self) -> int:
        """Width without quiet zones, in modules."""
        return sum(self.widths)

    @property
    def modules_with_quiet(self) -> int:
        return self.modules + 2 * CODE128_QUIET

    def bars(self) -> list[tuple[int, int]]:
        """``(start, width)`` of each bar, in modules from the symbol's left edge."""
        out: list[tuple[int, int]] = []
        x = 0
        for i, w in enumerate(self.widths):
            if i % 2 == 0:
                out.append((x, w))
            x += w
        return out


@lru_cache(maxsize=4096)
def code128(data: str) -> Code128Symbol:
    """The Code 128 symbol for printable ASCII ``data``."""
    if not data or not data.isascii() or not data.isprintable():
        raise ValueError("Code 128 data must be non-empty printable ASCII")
    bc = Code128(data, quiet=0)
    bc.validate()
    values = tuple(int(v) for v in bc.encode())
    pattern = bc.decompose()
    widths = tuple(_WIDTH_OF[c] for c in pattern)
    return Code128Symbol(data=data, values=values, widths=widths)


def qr_version(data: str) -> int:
    """The smallest QR version holding ``data`` at level M, as segno and printers choose it."""
    table = _QR_M_ALNUM if _ALNUM.fullmatch(data) else _QR_M_BYTE
    n = len(data.encode("utf-8"))
    for version, capacity in enumerate(table, start=1):
        if n <= capacity:
            return version
    raise ValueError("QR data too long for a label (keep label_ref short)")


def qr_modules(data: str) -> int:
    """Width of the QR symbol for ``data`` in modules, without quiet zone."""
    return 17 + 4 * qr_version(data)


@lru_cache(maxsize=1024)
def qr_matrix(data: str) -> tuple[bytes, ...]:
    """The QR symbol's modules, one ``bytes`` row each (1 = dark), without quiet zone."""
    qr = segno.make_qr(data, error=QR_ECC.lower(), boost_error=False, mask=QR_MASK)
    rows = tuple(bytes(row) for row in qr.matrix)
    if len(rows) != qr_modules(data):  # the capacity table and segno must agree
        raise AssertionError(f"QR version mismatch for a {len(data)}-character reference")
    return rows
