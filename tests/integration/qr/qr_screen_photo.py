"""Simulated phone photos of a QR code shown on a phone screen (Pillow + numpy only).

The code is drawn on an RGB sub-pixel grid (the screen), photographed at an angle (perspective),
with a sensor grid that beats against the screen grid (moiré), lens blur, uneven light, noise and
JPEG compression.
"""

from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def _screen(qr_png: bytes, px: int = 4) -> Image.Image:
    """The QR image as a screen shows it: each screen pixel is R, G and B stripes with a dark gap."""
    qr = Image.open(io.BytesIO(qr_png)).convert("L")
    screen = Image.new("RGB", (qr.width + 160, qr.height + 320), (235, 235, 240))
    screen.paste(qr.convert("RGB"), (80, 160))
    arr = np.asarray(screen, dtype=np.float32)
    big = np.repeat(np.repeat(arr, px, axis=0), px, axis=1)
    mask = np.zeros((px, px, 3), dtype=np.float32)
    stripe = max(1, px // 3)
    for channel in range(3):
        mask[: px - 1, channel * stripe : (channel + 1) * stripe, channel] = 1.0
    mask = mask * 0.75 + 0.25  # light leaks between stripes
    tiled = np.tile(mask, (arr.shape[0], arr.shape[1], 1))
    return Image.fromarray(np.clip(big * tiled * 1.3, 0, 255).astype(np.uint8))


def _perspective_coeffs(src: list[tuple[float, float]], dst: list[tuple[float, float]]) -> list[float]:
    rows = []
    rhs = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    return [float(c) for c in np.linalg.solve(np.array(rows), np.array(rhs))]


def phone_photo(
    qr_png: bytes,
    *,
    seed: int = 0,
    tilt: float = 0.12,
    rotate_deg: float = 8.0,
    blur: float = 1.2,
    noise: float = 6.0,
    jpeg_quality: int = 60,
    out_size: tuple[int, int] = (1280, 960),
) -> bytes:
    """A JPEG that looks like a phone photo of a phone screen showing ``qr_png``."""
    rng = random.Random(seed)
    screen = _screen(qr_png)
    w, h = screen.size
    # Where the screen's corners land in the photo: scaled down (sensor grid ≠ screen grid → moiré),
    # keystoned by ``tilt`` and rotated.
    ow, oh = out_size
    scale = min(ow / w, oh / h) * 0.8
    cx, cy = ow / 2 + rng.uniform(-40, 40), oh / 2 + rng.uniform(-30, 30)
    hw, hh = w * scale / 2, h * scale / 2
    corners = [(-hw * (1 - tilt), -hh), (hw * (1 - tilt), -hh), (hw * (1 + tilt), hh), (-hw * (1 + tilt), hh)]
    theta = np.deg2rad(rotate_deg + rng.uniform(-2, 2))
    c, s = float(np.cos(theta)), float(np.sin(theta))
    dst = [(cx + x * c - y * s, cy + x * s + y * c) for x, y in corners]
    src = [(0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h))]
    photo = Image.new("RGB", out_size, (60, 55, 50))
    warped = screen.transform(
        out_size, Image.Transform.PERSPECTIVE, _perspective_coeffs(src, dst), Image.Resampling.NEAREST
    )
    mask = Image.new("L", out_size, 0)
    ImageDraw.Draw(mask).polygon(dst, fill=255)
    photo.paste(warped, (0, 0), mask)
    photo = photo.filter(ImageFilter.GaussianBlur(blur))
    arr = np.asarray(photo, dtype=np.float32)
    # Uneven light: a soft gradient and a glare spot.
    yy, xx = np.mgrid[0:oh, 0:ow].astype(np.float32)
    light = 0.85 + 0.25 * (xx / ow)
    gx, gy = rng.uniform(0.2, 0.8) * ow, rng.uniform(0.2, 0.8) * oh
    glare = 40 * np.exp(-(((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * (0.08 * ow) ** 2)))
    nrng = np.random.default_rng(seed)
    arr = arr * light[..., None] + glare[..., None] + nrng.normal(0, noise, arr.shape)
    out = io.BytesIO()
    Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(out, "JPEG", quality=jpeg_quality)
    return out.getvalue()
