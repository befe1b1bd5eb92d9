"""Text read from an image: boxes of text with a confidence and their place on the page.

These are plain values shared by the OCR port, its adapters and the field extraction. Coordinates
are in pixels of the *upright* page (after the recognizer corrected rotation and skew): x grows to
the right, y grows downwards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Point = tuple[float, float]
Quad = tuple[Point, Point, Point, Point]


@dataclass(frozen=True, slots=True)
class TextBox:
    """One line (or piece of a line) of text.

    ``quad`` is (top-left, top-right, bottom-right, bottom-left) in reading direction.
    ``confidence`` is the recogniser's score in [0, 1].
    """

    text: str
    confidence: float
    quad: Quad

    @property
    def left(self) -> float:
        return min(p[0] for p in self.quad)

    @property
    def right(self) -> float:
        return max(p[0] for p in self.quad)

    @property
    def top(self) -> float:
        return min(p[1] for p in self.quad)

    @property
    def bottom(self) -> float:
        return max(p[1] for p in self.quad)

    @property
    def center_x(self) -> float:
        return sum(p[0] for p in self.quad) / 4.0

    @property
    def center_y(self) -> float:
        return sum(p[1] for p in self.quad) / 4.0

    @property
    def height(self) -> float:
        """Text height: mean length of the left and right edges."""
        (x0, y0), _, _, (x3, y3) = self.quad
        _, (x1, y1), (x2, y2), _ = self.quad
        left_edge = math.hypot(x3 - x0, y3 - y0)
        right_edge = math.hypot(x2 - x1, y2 - y1)
        return (left_edge + right_edge) / 2.0

    @property
    def width(self) -> float:
        return self.right - self.left


def box(text: str, confidence: float, left: float, top: float, right: float, bottom: float) -> TextBox:
    """An axis-aligned box (handy for tests and for synthetic layouts)."""
    return TextBox(text, confidence, ((left, top), (right, top), (right, bottom), (left, bottom)))


@dataclass(frozen=True, slots=True)
class OcrPage:
    """Everything recognised on one image.

    ``rotation`` is the clockwise rotation in degrees (0/90/180/270) that made the page upright,
    ``skew`` the further small correction in degrees, ``width``/``height`` the upright page size.
    """

    boxes: tuple[TextBox, ...]
    width: int
    height: int
    rotation: int = 0
    skew: float = 0.0
