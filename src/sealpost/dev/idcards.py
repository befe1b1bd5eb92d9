"""Synthetic second-generation resident ID cards, photographed as a phone would (test data only).

Every person is invented (Faker ``zh_CN`` names, random dates) but valid: a real county-level
region code and its names, a birth date, a sequence number whose parity gives the sex, and the
GB 11643 check digit. The card is drawn with Pillow in the real layout (85.6 × 54 mm, labels where
the real card has them, a portrait silhouette on the front, a national-emblem placeholder on the
back), then "photographed": put on a background, tilted and put in perspective, rotated by 90°
steps, blurred, lit unevenly with glare, noised and JPEG-compressed.

Nothing here reads or writes a real person's data. ``sealpost dev make-idcards`` writes the images
with a JSON of the truth beside each one; the tests render into temporary folders.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from faker import Faker
from PIL import Image, ImageDraw, ImageFont

from sealpost.domain.identity.card_fields import card_validity_years
from sealpost.domain.identity.regions import PLACEHOLDER_PREFECTURES, divisions
from sealpost.domain.identity.resident_id import check_character
from sealpost.errors import SealpostError
from sealpost.i18n import Text

# --------------------------------------------------------------------------------------------
# Fonts

KNOWN_FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
FONT_MISSING = Text(
    "未找到中文字体：请安装 fonts-wqy-zenhei（或 fonts-noto-cjk），例如 apt-get install fonts-wqy-zenhei",
    "no CJK font found: install fonts-wqy-zenhei (or fonts-noto-cjk), e.g. apt-get install fonts-wqy-zenhei",
)


@lru_cache(maxsize=1)
def find_cjk_font() -> Path:
    """Path of a CJK font: the known Debian paths first, then ``fc-match``."""
    for candidate in KNOWN_FONT_PATHS:
        if Path(candidate).is_file():
            return Path(candidate)
    fc_match = shutil.which("fc-match")
    if fc_match:
        result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [fc_match, "-f", "%{file}", ":lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        path = Path(result.stdout.strip())
        if result.returncode == 0 and path.suffix.lower() in {".ttc", ".ttf", ".otf"} and path.is_file():
            return path
    raise SealpostError("font_missing", FONT_MISSING, status=500)


@lru_cache(maxsize=64)
def _font(size: int, index: int = 0) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(find_cjk_font()), size=size, index=index)


def _mono_font(size: int) -> ImageFont.FreeTypeFont:
    try:
        return _font(size, 1)  # WenQuanYi Zen Hei Mono
    except OSError:
        return _font(size, 0)


# --------------------------------------------------------------------------------------------
# People

ETHNICITY_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("汉", 910),
    ("壮", 14),
    ("回", 9),
    ("满", 8),
    ("维吾尔", 8),
    ("苗", 8),
    ("彝", 7),
    ("土家", 7),
    ("藏", 5),
    ("蒙古", 5),
    ("侗", 2),
    ("布依", 2),
    ("瑶", 2),
    ("白", 2),
    ("朝鲜", 1),
    ("哈尼", 1),
    ("哈萨克", 1),
    ("黎", 1),
    ("傣", 1),
    ("柯尔克孜", 1),
    ("鄂温克", 1),
    ("穿青人", 1),
)

STREET_STEMS = (
    "人民", "解放", "建设", "中山", "文化", "新华", "和平", "长江", "黄河", "东风", "胜利", "朝阳",
    "光明", "幸福", "青年", "工农", "团结", "民主", "复兴", "振兴", "滨江", "西湖", "南京", "北京",
    "迎宾", "育才", "府前", "花园", "学院", "广场", "体育", "天山", "昆仑", "龙泉", "金沙", "翠湖",
)  # fmt: skip
STREET_KINDS = ("路", "路", "路", "街", "大道", "巷", "东路", "西路", "南路", "北路")
VILLAGE_SUFFIX = ("村", "庄村", "家村", "屯", "湾村", "岗村")
TOWN_SUFFIX = ("镇", "乡", "街道")
COMMUNITY = ("花园", "小区", "家园", "新村", "公寓", "苑", "名邸", "雅苑")


@dataclass(frozen=True, slots=True)
class CardPerson:
    """What is printed on one card (front and back)."""

    name: str
    sex: str  # 男 / 女
    ethnicity: str
    birth_date: date
    address: str
    number: str
    authority: str
    valid_from: date
    valid_to: date | None  # None: 长期

    @property
    def validity_text(self) -> str:
        end = "长期" if self.valid_to is None else self.valid_to.strftime("%Y.%m.%d")
        return f"{self.valid_from.strftime('%Y.%m.%d')}-{end}"

    def truth(self) -> dict[str, str]:
        return {
            "name": self.name,
            "sex": self.sex,
            "ethnicity": self.ethnicity,
            "birth_date": self.birth_date.isoformat(),
            "address": self.address,
            "number": self.number,
            "authority": self.authority,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": "长期" if self.valid_to is None else self.valid_to.isoformat(),
        }


def _street_address(rng: random.Random, faker: Faker) -> str:
    if rng.random() < 0.3:  # rural
        town = (
            faker.last_name() + rng.choice(("家", "集", "桥", "河", "店", "坝", "")) + rng.choice(TOWN_SUFFIX)
        )
        village = faker.last_name() + rng.choice(VILLAGE_SUFFIX)
        parts = [town, village]
        if rng.random() < 0.6:
            parts.append(f"{rng.randint(1, 12)}组")
        parts.append(f"{rng.randint(1, 199)}号")
        return "".join(parts)
    street = rng.choice(STREET_STEMS) + rng.choice(STREET_KINDS)
    parts = [street, f"{rng.randint(1, 999)}号"]
    roll = rng.random()
    if roll < 0.4:
        parts.append(
            f"{rng.randint(1, 30)}幢{rng.randint(1, 6)}单元{rng.randint(1, 32)}{rng.randint(1, 4):02d}室"
        )
    elif roll < 0.7:
        parts.append(rng.choice(STREET_STEMS) + rng.choice(COMMUNITY))
        parts.append(f"{rng.randint(1, 40)}栋{rng.randint(1, 28)}{rng.randint(1, 4):02d}")
    return "".join(parts)


def _authority(province: str, city: str | None, county: str) -> str:
    """Issuing police bureau as printed on the back (county bureau, or city bureau's district branch)."""
    if county.endswith("区") and city:
        branch = county[:-1] if len(county) > 2 else county
        return f"{city}公安局{branch}分局"
    if county.endswith("区"):  # districts of a municipality: 北京市公安局朝阳分局
        branch = county[:-1] if len(county) > 2 else county
        return f"{province}公安局{branch}分局"
    return f"{county}公安局"


@lru_cache(maxsize=1)
def current_county_codes() -> tuple[str, ...]:
    """County-level codes in force in the latest GB/T 2260 revision (mainland only)."""
    table = divisions()
    out = []
    for code in table:
        if not table.is_county_level(code) or code[:2] in {"71", "81", "82"}:
            continue
        division = table.division(code)
        if division is None or division.last_seen != table.latest_revision:
            continue
        if division.name in PLACEHOLDER_PREFECTURES:
            continue
        out.append(code)
    return tuple(sorted(out))


def region_parts(code: str) -> tuple[str, str | None, str]:
    """(province, prefecture or None, county) names of a current county-level code."""
    region = divisions().region(code)
    if region is None or region.province is None or region.county is None:
        raise ValueError(f"not a county-level code: {code}")
    return region.province, region.city, region.county


def make_citizen_number(code: str, birth: date, *, male: bool, sequence: int) -> str:
    """A valid 18-character number: address code, birth date, sequence of the right parity, check."""
    seq = sequence * 2 + (1 if male else 0)
    seq = seq % 1000 if seq % 1000 != 0 else (1 if male else 2)
    body = f"{code}{birth.strftime('%Y%m%d')}{seq:03d}"
    return body + check_character(body)


def random_person(rng: random.Random, faker: Faker, *, today: date | None = None) -> CardPerson:
    """A random, valid, invented person and their card (valid on ``today``)."""
    today = today or date.today()
    codes = current_county_codes()
    code = rng.choice(codes)
    province, city, county = region_parts(code)
    sex = rng.choice(("男", "女"))
    birth = today - timedelta(days=rng.randint(16 * 365 + 10, 85 * 365))
    number = make_citizen_number(code, birth, male=sex == "男", sequence=rng.randint(0, 499))
    name = faker.last_name() + (faker.first_name_male() if sex == "男" else faker.first_name_female())
    if rng.random() < 0.1:  # people move: the address (and issuing bureau) is in another region
        province, city, county = region_parts(rng.choice(codes))
    authority = _authority(province, city, county)
    address = "".join(p for p in (province, city, county) if p) + _street_address(rng, faker)
    ethnicity = rng.choices([e for e, _ in ETHNICITY_WEIGHTS], weights=[w for _, w in ETHNICITY_WEIGHTS])[0]
    # Issued within the current validity period, so the card is valid on ``today``.
    sixteenth = _add_years(birth, 16)
    issued, years = today, 0
    for _ in range(50):
        issued = today - timedelta(days=rng.randint(30, 20 * 365))
        if issued < sixteenth:
            continue
        years = card_validity_years(birth, issued)
        if years == 0 or _add_years(issued, years) > today:
            break
    else:
        issued = max(sixteenth, today - timedelta(days=60))
        years = card_validity_years(birth, issued)
    valid_to = None if years == 0 else _add_years(issued, years)
    return CardPerson(
        name=name,
        sex=sex,
        ethnicity=ethnicity,
        birth_date=birth,
        address=address,
        number=number,
        authority=authority,
        valid_from=issued,
        valid_to=valid_to,
    )


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


# --------------------------------------------------------------------------------------------
# Drawing the card

CARD_W, CARD_H = 1028, 648  # 85.6 × 54 mm at 12 px/mm
LABEL_BLUE = (38, 118, 184)
INK = (22, 22, 24)


def _background(rng: random.Random, tint: tuple[int, int, int]) -> Image.Image:
    """The card's security background: a pale tint with fine guilloche waves."""
    w, h = CARD_W, CARD_H
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.empty((h, w, 3), dtype=np.float32)
    for c in range(3):
        base[:, :, c] = tint[c] + 6 * np.sin(xx / (90 + 20 * c) + yy / 140)
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    phase = rng.random() * 6.28
    for k in range(0, h + 40, 9):
        pts = [(x, k + 6 * math.sin(x / 37.0 + phase + k / 50.0)) for x in range(0, w + 8, 8)]
        draw.line(pts, fill=tuple(max(0, t - 14) for t in tint), width=1)
    return img


def _rounded(card: Image.Image, radius: int = 38) -> Image.Image:
    mask = Image.new("L", card.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, card.width - 1, card.height - 1), radius=radius, fill=255)
    out = card.convert("RGBA")
    out.putalpha(mask)
    return out


def _spaced(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, font: ImageFont.FreeTypeFont,
            fill: tuple[int, int, int], spacing: float) -> float:  # fmt: skip
    """Draw ``text`` one character at a time with extra ``spacing``; returns the end x."""
    x, y = xy
    for ch in text:
        draw.text((x, y), ch, font=font, fill=fill)
        x += draw.textlength(ch, font=font) + spacing
    return x


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float, draw: ImageDraw.ImageDraw) -> list[str]:
    lines: list[str] = []
    current = ""
    for ch in text:
        if current and draw.textlength(current + ch, font=font) > width:
            lines.append(current)
            current = ch
        else:
            current += ch
    if current:
        lines.append(current)
    return lines


def render_front(person: CardPerson, rng: random.Random) -> Image.Image:
    """The front (portrait side) of the card, RGBA with rounded corners."""
    w, h = CARD_W, CARD_H
    img = _background(rng, (236 + rng.randint(-4, 4), 240 + rng.randint(-4, 4), 232 + rng.randint(-4, 4)))
    draw = ImageDraw.Draw(img)
    label = _font(round(h * 0.046))
    value = _font(round(h * 0.056))
    number_font = _mono_font(round(h * 0.064))
    lx, vx = w * 0.085, w * 0.19
    row = {"name": h * 0.105, "sex": h * 0.235, "birth": h * 0.365, "address": h * 0.495, "number": h * 0.80}
    lift = (value.size - label.size) * 0.45

    def put_label(x: float, y: float, text: str) -> None:
        _spaced(draw, (x, y + lift), text, label, LABEL_BLUE, label.size * 0.9 if len(text) == 2 else 0)

    put_label(lx, row["name"], "姓名")
    draw.text((vx, row["name"]), person.name, font=value, fill=INK)
    put_label(lx, row["sex"], "性别")
    draw.text((vx, row["sex"]), person.sex, font=value, fill=INK)
    put_label(w * 0.37, row["sex"], "民族")
    draw.text((w * 0.48, row["sex"]), person.ethnicity, font=value, fill=INK)
    put_label(lx, row["birth"], "出生")
    b = person.birth_date
    draw.text((vx, row["birth"]), f"{b.year}", font=value, fill=INK)
    put_label(w * 0.292, row["birth"], "年")
    draw.text((w * 0.335, row["birth"]), f"{b.month}", font=value, fill=INK)
    put_label(w * 0.38, row["birth"], "月")
    draw.text((w * 0.42, row["birth"]), f"{b.day}", font=value, fill=INK)
    put_label(w * 0.465, row["birth"], "日")
    put_label(lx, row["address"], "住址")
    for i, line in enumerate(_wrap(person.address, value, w * 0.58 - vx, draw)[:3]):
        draw.text((vx, row["address"] + i * value.size * 1.32), line, font=value, fill=INK)
    draw.text(
        (lx, row["number"] + (number_font.size - label.size) * 0.5),
        "公民身份号码",
        font=label,
        fill=LABEL_BLUE,
    )
    _spaced(draw, (w * 0.335, row["number"]), person.number, number_font, INK, number_font.size * 0.06)
    _portrait(img, (round(w * 0.62), round(h * 0.11), round(w * 0.92), round(h * 0.76)), rng)
    return _rounded(img)


def _portrait(img: Image.Image, area: tuple[int, int, int, int], rng: random.Random) -> None:
    """A grey head-and-shoulders silhouette (no real face)."""
    x0, y0, x1, y1 = area
    w, h = x1 - x0, y1 - y0
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    tone = rng.randint(70, 120)
    fill = (tone, tone, tone + 8, 235)
    d.ellipse((x0 + w * 0.28, y0 + h * 0.10, x0 + w * 0.72, y0 + h * 0.58), fill=fill)
    d.rounded_rectangle(
        (x0 + w * 0.08, y0 + h * 0.60, x0 + w * 0.92, y1 + h * 0.2), radius=int(w * 0.3), fill=fill
    )
    d.rectangle((x0 + w * 0.42, y0 + h * 0.52, x0 + w * 0.58, y0 + h * 0.66), fill=fill)
    layer = layer.crop((0, 0, img.width, y1))
    img.paste(layer, (0, 0), layer)


def _emblem(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    """Placeholder for the national emblem: red disc, gold ring, five gold stars."""
    gold, red = (214, 170, 40), (200, 30, 36)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=gold)
    draw.ellipse((cx - r * 0.86, cy - r * 0.86, cx + r * 0.86, cy + r * 0.86), fill=red)
    for i, (dx, dy, s) in enumerate(((0, -0.35, 0.28), (-0.42, -0.5, 0.1), (-0.22, -0.62, 0.1),
                                      (0.22, -0.62, 0.1), (0.42, -0.5, 0.1))):  # fmt: skip
        _star(draw, cx + dx * r, cy + dy * r, s * r, gold, i * 0.3)
    draw.rectangle(
        (cx - r * 0.45, cy + r * 0.05, cx + r * 0.45, cy + r * 0.45),
        outline=gold,
        width=max(2, int(r * 0.06)),
    )


def _star(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, fill: tuple[int, int, int], turn: float
) -> None:
    pts = []
    for k in range(10):
        radius = r if k % 2 == 0 else r * 0.4
        a = -math.pi / 2 + turn + k * math.pi / 5
        pts.append((cx + radius * math.cos(a), cy + radius * math.sin(a)))
    draw.polygon(pts, fill=fill)


def render_back(person: CardPerson, rng: random.Random) -> Image.Image:
    """The back (emblem side) of the card, RGBA with rounded corners."""
    w, h = CARD_W, CARD_H
    img = _background(rng, (238 + rng.randint(-4, 4), 236 + rng.randint(-4, 4), 226 + rng.randint(-4, 4)))
    draw = ImageDraw.Draw(img)
    _emblem(draw, w * 0.16, h * 0.24, h * 0.15)
    title = _font(round(h * 0.072))
    big = _font(round(h * 0.118))
    _spaced(draw, (w * 0.33, h * 0.12), "中华人民共和国", title, INK, title.size * 0.45)
    _spaced(draw, (w * 0.30, h * 0.28), "居民身份证", big, INK, big.size * 0.55)
    label = _font(round(h * 0.046))
    value = _font(round(h * 0.052))
    lx, vx = w * 0.20, w * 0.385
    draw.text((lx, h * 0.705), "签发机关", font=label, fill=INK)
    draw.text((vx, h * 0.70), person.authority, font=value, fill=INK)
    draw.text((lx, h * 0.835), "有效期限", font=label, fill=INK)
    draw.text((vx, h * 0.83), person.validity_text, font=value, fill=INK)
    return _rounded(img)


# --------------------------------------------------------------------------------------------
# Photographing the card

FloatImage = npt.NDArray[Any]


@dataclass(frozen=True, slots=True)
class PhotoEffects:
    """How one photo was taken (kept in the truth JSON)."""

    rotation: int = 0  # clockwise, 0/90/180/270
    tilt: float = 0.0  # in-plane tilt in degrees (±15)
    perspective: float = 0.0  # keystone strength, fraction of the card size
    fill: float = 0.75  # card long side / photo long side
    blur: float = 0.0  # Gaussian sigma in pixels
    glare: float = 0.0  # peak glare opacity
    noise: float = 0.0  # Gaussian noise sigma (0–255 scale)
    jpeg_quality: int = 88
    photo_long_side: int = 1600

    @staticmethod
    def random(rng: random.Random, *, rotations: tuple[int, ...] = (0, 90, 180, 270)) -> PhotoEffects:
        return PhotoEffects(
            rotation=rng.choice(rotations),
            tilt=round(rng.uniform(-15, 15), 1),
            perspective=round(rng.uniform(0, 0.05), 3),
            fill=round(rng.uniform(0.62, 0.86), 2),
            blur=round(rng.choice((0.0, rng.uniform(0.3, 1.1))), 2),
            glare=round(rng.choice((0.0, rng.uniform(0.15, 0.35))), 2),
            noise=round(rng.uniform(1.0, 6.0), 1),
            jpeg_quality=rng.randint(60, 92),
            photo_long_side=rng.choice((1280, 1440, 1600, 1600, 1920)),
        )


def _table(rng: random.Random, w: int, h: int) -> FloatImage:
    """A plausible surface under the card: a coloured gradient with texture (drawn small, scaled up)."""
    sw, sh = w // 4, h // 4
    c0 = np.array([rng.randint(40, 200) for _ in range(3)], dtype=np.float32)
    c1 = np.clip(c0 + np.array([rng.randint(-50, 50) for _ in range(3)], dtype=np.float32), 0, 255)
    t = np.linspace(0, 1, sw, dtype=np.float32)[np.newaxis, :, np.newaxis]
    s = np.linspace(0, 1, sh, dtype=np.float32)[:, np.newaxis, np.newaxis]
    mix = t * 0.6 + s * 0.4
    surface = c0 * (1 - mix) + c1 * mix
    np_rng = np.random.default_rng(rng.getrandbits(32))
    grain = np_rng.normal(0, 1, (sh // 2 + 1, sw // 2 + 1)).astype(np.float32)
    grain = cv2.resize(grain, (sw, sh), interpolation=cv2.INTER_CUBIC)[:, :, np.newaxis] * rng.uniform(3, 12)
    stripes = np.sin(np.arange(sh, dtype=np.float32) / rng.uniform(2, 8))[
        :, np.newaxis, np.newaxis
    ] * rng.uniform(0, 6)
    small = (surface + grain + stripes).astype(np.float32)
    out: FloatImage = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return out


def _smooth_map(pw: int, ph: int, fn: Callable[[FloatImage, FloatImage], FloatImage]) -> FloatImage:
    """Evaluate a smooth per-pixel function on a coarse grid and scale it up (cheap)."""
    sw, sh = max(2, pw // 8), max(2, ph // 8)
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32) * 8.0
    out: FloatImage = cv2.resize(fn(xx, yy).astype(np.float32), (pw, ph), interpolation=cv2.INTER_LINEAR)
    return out


def photograph(card: Image.Image, effects: PhotoEffects, rng: random.Random) -> Image.Image:
    """Put ``card`` (RGBA) on a surface and apply ``effects``; returns an RGB photo."""
    long_side = effects.photo_long_side
    pw, ph = long_side, round(long_side * 3 / 4)
    np_rng = np.random.default_rng(rng.getrandbits(32))
    photo = _table(rng, pw, ph)

    # Where the card lands: centred (with a little slack), scaled, tilted, in perspective.
    scale = effects.fill * pw / card.width
    cw, ch = card.width * scale, card.height * scale
    cx = pw / 2 + rng.uniform(-0.5, 0.5) * max(0.0, pw - cw * 1.1) * 0.5
    cy = ph / 2 + rng.uniform(-0.5, 0.5) * max(0.0, ph - ch * 1.3) * 0.5
    a = math.radians(effects.tilt)
    corners = np.array(
        [[-cw / 2, -ch / 2], [cw / 2, -ch / 2], [cw / 2, ch / 2], [-cw / 2, ch / 2]], dtype=np.float32
    )
    k = effects.perspective
    side = rng.choice((0, 1, 2, 3))  # which edge is farther from the camera
    shrink = {0: [(k, 0), (-k, 0), (0, 0), (0, 0)], 1: [(0, 0), (0, k), (0, -k), (0, 0)],
              2: [(0, 0), (0, 0), (-k, 0), (k, 0)], 3: [(0, k), (0, 0), (0, 0), (0, -k)]}[side]  # fmt: skip
    corners += np.array(shrink, dtype=np.float32) * np.array([cw, ch], dtype=np.float32)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]], dtype=np.float32)
    dst = (corners @ rot.T + np.array([cx, cy], dtype=np.float32)).astype(np.float32)
    src = np.array([[0, 0], [card.width, 0], [card.width, card.height], [0, card.height]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    rgba = np.asarray(card, dtype=np.uint8)
    warped = cv2.warpPerspective(rgba, m, (pw, ph), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0))
    alpha = warped[:, :, 3:4].astype(np.float32) * (1.0 / 255.0)

    # A soft shadow, then the card.
    shadow = cv2.resize(alpha[::4, ::4, 0], (pw // 4, ph // 4))
    shadow = cv2.GaussianBlur(shadow, (0, 0), sigmaX=max(1.0, cw / 480))
    shadow = cv2.resize(shadow, (pw, ph))[:, :, np.newaxis]
    shadow = np.roll(shadow, (round(ch * 0.02), round(cw * 0.015)), axis=(0, 1))
    photo *= 1 - 0.35 * shadow
    photo = photo * (1 - alpha) + warped[:, :, :3].astype(np.float32) * alpha

    # Uneven light and glare (smooth maps), blur, noise.
    lx, ly, amount = rng.uniform(0, pw), rng.uniform(0, ph), rng.uniform(-0.12, 0.08)
    light = _smooth_map(pw, ph, lambda x, y: 1.0 + amount * (np.hypot(x - lx, y - ly) / max(pw, ph)))
    photo *= light[:, :, np.newaxis]
    if effects.glare > 0:
        gx, gy = cx + rng.uniform(-0.4, 0.4) * cw, cy + rng.uniform(-0.4, 0.4) * ch
        sx, sy = rng.uniform(0.08, 0.2) * cw, rng.uniform(0.05, 0.14) * ch
        glare = effects.glare
        blob = _smooth_map(
            pw, ph, lambda x, y: np.exp(-(((x - gx) / sx) ** 2 + ((y - gy) / sy) ** 2)) * glare
        )
        blob = blob[:, :, np.newaxis]
        photo = photo * (1 - blob) + 255.0 * blob
    if effects.blur > 0:
        photo = cv2.GaussianBlur(photo, (0, 0), sigmaX=effects.blur)
    if effects.noise > 0:
        photo += (np_rng.standard_normal((ph, pw), dtype=np.float32) * effects.noise)[:, :, np.newaxis]
    out = Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8), "RGB")
    if effects.rotation:
        out = out.rotate(-effects.rotation, expand=True)  # PIL rotates counter-clockwise
    return out


def encode_jpeg(image: Image.Image, quality: int) -> bytes:
    buf = BytesIO()
    image.save(buf, "JPEG", quality=quality, optimize=False)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Whole cards


@dataclass(frozen=True, slots=True)
class GeneratedCard:
    """One generated card: the truth and the encoded photos (kept in memory)."""

    index: int
    person: CardPerson
    front: bytes
    front_effects: PhotoEffects
    back: bytes | None = None
    back_effects: PhotoEffects | None = None
    extra: dict[str, object] = field(default_factory=dict)

    def truth(self) -> dict[str, object]:
        out: dict[str, object] = dict(self.person.truth())
        out["front_photo"] = asdict(self.front_effects)
        if self.back_effects is not None:
            out["back_photo"] = asdict(self.back_effects)
        return out


def generate_cards(
    n: int,
    *,
    seed: int = 0,
    back: bool = False,
    today: date | None = None,
    rotations: tuple[int, ...] = (0, 90, 180, 270),
) -> Iterator[GeneratedCard]:
    """Yield ``n`` cards, reproducibly from ``seed``."""
    rng = random.Random(seed)
    faker = Faker("zh_CN")
    faker.seed_instance(seed)
    for i in range(1, n + 1):
        person = random_person(rng, faker, today=today)
        fx = PhotoEffects.random(rng, rotations=rotations)
        front = encode_jpeg(photograph(render_front(person, rng), fx, rng), fx.jpeg_quality)
        back_bytes = back_fx = None
        if back:
            back_fx = PhotoEffects.random(rng, rotations=rotations)
            back_bytes = encode_jpeg(photograph(render_back(person, rng), back_fx, rng), back_fx.jpeg_quality)
        yield GeneratedCard(i, person, front, fx, back_bytes, back_fx)


def write_card(card: GeneratedCard, outdir: Path) -> list[Path]:
    """Write ``NNNN_front.jpg`` (+ ``NNNN_back.jpg``) and ``NNNN.json`` into ``outdir``."""
    outdir.mkdir(parents=True, exist_ok=True)
    stem = f"{card.index:04d}"
    paths = [outdir / f"{stem}_front.jpg"]
    paths[0].write_bytes(card.front)
    truth = card.truth()
    truth["front"] = paths[0].name
    if card.back is not None:
        back_path = outdir / f"{stem}_back.jpg"
        back_path.write_bytes(card.back)
        truth["back"] = back_path.name
        paths.append(back_path)
    json_path = outdir / f"{stem}.json"
    json_path.write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    paths.append(json_path)
    return paths
