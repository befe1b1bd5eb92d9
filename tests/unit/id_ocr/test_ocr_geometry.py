"""Orientation from text-line geometry (no OCR models involved)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sealpost.adapters.ocr.rapid import _order_upright, dominant_line_angle


def _line(cx: float, cy: float, length: float, height: float, angle_deg: float) -> np.ndarray:
    a = math.radians(angle_deg)
    ux, uy = math.cos(a), math.sin(a)
    vx, vy = -uy, ux
    pts = [
        (cx - ux * length / 2 - vx * height / 2, cy - uy * length / 2 - vy * height / 2),
        (cx + ux * length / 2 - vx * height / 2, cy + uy * length / 2 - vy * height / 2),
        (cx + ux * length / 2 + vx * height / 2, cy + uy * length / 2 + vy * height / 2),
        (cx - ux * length / 2 + vx * height / 2, cy - uy * length / 2 + vy * height / 2),
    ]
    return np.array(pts, dtype=np.float32)


@pytest.mark.parametrize("angle", [0.0, 7.5, -12.0, 90.0, 80.0, -85.0, 45.0])
def test_dominant_line_angle(angle: float) -> None:
    lines = [_line(300, 100 + 60 * i, 200 + 40 * i, 30, angle) for i in range(5)]
    lines.append(_line(500, 500, 30, 30, angle + 37))  # a single character votes for nothing
    found = dominant_line_angle(lines)
    assert found is not None
    diff = (found - angle + 90) % 180 - 90  # axial: θ and θ+180 are the same line
    assert abs(diff) < 0.5


def test_no_elongated_line_means_no_angle() -> None:
    assert dominant_line_angle([_line(10, 10, 20, 20, 30)]) is None


def test_order_upright() -> None:
    quad = np.array([[10, 50], [10, 10], [100, 10], [100, 50]], dtype=np.float32)  # any start, any turn
    tl, tr, br, bl = (tuple(quad[i]) for i in _order_upright(quad))
    assert (tl, tr, br, bl) == ((10, 10), (100, 10), (100, 50), (10, 50))
