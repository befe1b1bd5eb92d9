"""Realistic signed-receipt *shapes* for demos, benchmarks and tests of the label printer.

Each sample starts from made-up clear values (name, mobile number, address with building, unit
and room) and masks them with the real rules (``domain/masking.py``), exactly as the platform does
before it signs a receipt. The clear values are returned alongside so privacy tests can check that
none of them reaches a label. Nothing here is signed: ``proof`` and ``signature`` are placeholders
of the right shape (the ingest pipeline makes real ones).
"""

from __future__ import annotations

import base64
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sealpost.domain.masking import mask_address, mask_name, mask_phone

_SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "欧阳", "司马", "诸葛", "上官")
_GIVEN = (
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
)
_PLACES = (
    ("北京市", "朝阳区", "110105", ("建国路", "朝阳北路", "望京街")),
    ("上海市", "浦东新区", "310115", ("世纪大道", "张杨路", "陆家嘴环路")),
    ("广东省广州市", "天河区", "440106", ("天河路", "体育西路", "中山大道")),
    ("浙江省杭州市", "西湖区", "330106", ("文三路", "天目山路", "学院路")),
    ("四川省成都市", "武侯区", "510107", ("人民南路", "科华北路", "武侯祠大街")),
)
_ITEMS = (
    ("书籍", "文件资料"),
    ("衣服", "服装鞋帽"),
    ("手机壳", "日用品"),
    ("茶叶", "食品"),
    ("蓝牙耳机", "电子产品"),
)
_MOBILE_PREFIXES = ("138", "139", "150", "186", "189", "177", "199", "135")


@dataclass(frozen=True, slots=True)
class ClearParty:
    name: str
    phone: str
    address: str


@dataclass(frozen=True, slots=True)
class SampleReceipt:
    receipt: dict[str, Any]
    sender: ClearParty
    recipient: ClearParty


def s10_waybill(rng: random.Random) -> str:
    """An EMS-style UPU S10 number (``EA123456785CN``) with its check digit."""
    serial = "".join(str(rng.randrange(10)) for _ in range(8))
    c = 11 - sum(int(d) * w for d, w in zip(serial, (8, 6, 4, 2, 3, 5, 9, 7), strict=True)) % 11
    check = "0" if c == 10 else "5" if c == 11 else str(c)
    return f"E{rng.choice('ABCDEFGHJK')}{serial}{check}CN"


def label_ref(rng: random.Random) -> str:
    """An opaque 128-bit random reference, base32 without padding (26 characters)."""
    return base64.b32encode(rng.randbytes(16)).decode().rstrip("=")


def _uuid7(at: datetime, rng: random.Random) -> uuid.UUID:
    """A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, version 7, variant 10, 74 random bits."""
    ms = int(at.timestamp() * 1000)
    rand = rng.getrandbits(74)
    value = (ms << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
    return uuid.UUID(int=value)


def _person(rng: random.Random) -> tuple[str, str]:
    name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
    phone = rng.choice(_MOBILE_PREFIXES) + "".join(str(rng.randrange(10)) for _ in range(8))
    return name, phone


def _address(rng: random.Random, place: tuple[str, str, str, tuple[str, ...]]) -> str:
    city, district, _code, roads = place
    house, building, unit = rng.randrange(1, 999), rng.randrange(1, 30), rng.randrange(1, 9)
    room = f"{rng.randrange(1, 33)}{rng.randrange(1, 9):02d}"
    return f"{city}{district}{rng.choice(roads)}{house}号{building}号楼{unit}单元{room}室"


def sample_receipt(seed: int = 0, *, now: datetime | None = None) -> SampleReceipt:
    """One receipt (deterministic for a ``seed``) and the clear values it was masked from."""
    rng = random.Random(seed)
    origin, destination = rng.sample(_PLACES, 2)
    s_name, s_phone = _person(rng)
    r_name, r_phone = _person(rng)
    sender = ClearParty(s_name, s_phone, _address(rng, origin))
    recipient = ClearParty(r_name, r_phone, _address(rng, destination))
    collected = (now or datetime(2026, 11, 28, 9, 30, tzinfo=UTC)) - timedelta(seconds=rng.randrange(3600))
    received = collected + timedelta(milliseconds=rng.randrange(200, 3000))
    item, category = rng.choice(_ITEMS)
    record_id = _uuid7(collected, rng)

    def ts(at: datetime) -> str:
        return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    sort_code = (
        f"{destination[2][:3]}-{rng.choice('ABCDEFGHJKLMNPQRSTUVWXYZ')}{rng.randrange(1, 99):02d}"
        f"-{rng.randrange(1, 20):02d}"
    )
    receipt: dict[str, Any] = {
        "version": 1,
        "record_id": str(record_id),
        "waybill_no": s10_waybill(rng),
        "company": "EMS",
        "collected_at": ts(collected),
        "received_at": ts(received),
        "masked": {
            "sender": {
                "name": mask_name(sender.name),
                "phone": mask_phone(sender.phone),
                "address": mask_address(sender.address),
            },
            "recipient": {
                "name": mask_name(recipient.name),
                "phone": mask_phone(recipient.phone),
                "address": mask_address(recipient.address),
                "county_code": destination[2],
            },
        },
        "item": {
            "name": item,
            "category": category,
            "quantity": rng.randrange(1, 4),
            "weight_g": rng.randrange(80, 12000),
            "declared_value_cny": rng.choice((None, 50, 200, 1000)),
        },
        "route": {
            "sort_code": sort_code,
            "origin_county": origin[2],
            "destination_county": destination[2],
        },
        "marks": {"real_name": True, "inspected": True},
        "label_ref": label_ref(rng),
        "proof": {"batch_root": "", "path": [], "index": 0},
        "signature": {"kid": "", "alg": "Ed25519", "sig": ""},
    }
    if receipt["item"]["declared_value_cny"] is None:
        del receipt["item"]["declared_value_cny"]
    return SampleReceipt(receipt=receipt, sender=sender, recipient=recipient)
