"""The record parsers and checks on the ingest hot path give exactly what their plain forms give.

``parse_meta``/``parse_personal`` build the frozen classes without their ``__init__`` and memoise a
repeated ``collected_at``; ``validate_record_content`` memoises per-batch bounds and item names;
``format_time`` memoises the last datetime. Each is compared here with a straightforward reference
(the code as it was before those fast paths) on generated and malformed inputs: same object, or
the same ``RecordError`` reason and field.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from records_support import WIRE_META
from sealpost.domain import records as rec
from sealpost.domain.records import (
    FUTURE_SKEW,
    ITEM_CATEGORIES,
    ITEM_NAME_MAX,
    MAX_AGE,
    Party,
    PersonalFields,
    RecordError,
    RecordMeta,
    RecordRules,
    format_time,
    parse_meta,
    parse_personal,
    parse_time,
    validate_record_content,
)

NOW = datetime(2026, 11, 28, 9, 30, 0, 123000, tzinfo=UTC)

# ----------------------------------------------------------------------------- references


def ref_format_time(value: datetime) -> str:
    v = value if value.tzinfo is UTC else value.astimezone(UTC)
    return v.isoformat(timespec="milliseconds")[:-6] + "Z"


def ref_parse_meta(d: object) -> RecordMeta:
    if not isinstance(d, Mapping):
        raise RecordError("malformed", "meta")
    record_id = d.get("record_id")
    if not isinstance(record_id, str):
        raise RecordError("record_id_invalid", "record_id")
    try:
        parsed = uuid.UUID(record_id)
    except ValueError:
        raise RecordError("record_id_invalid", "record_id") from None
    if parsed.version != 7 or parsed.variant != uuid.RFC_4122:
        raise RecordError("record_id_invalid", "record_id")
    kind = d.get("sender_kind")
    if kind not in rec.SENDER_KINDS:
        raise RecordError("sender_kind_invalid", "sender_kind")
    inspected = d.get("inspected")
    if inspected is not True and inspected is not False:
        raise RecordError("malformed", "inspected")
    try:
        collected_at = parse_time(d.get("collected_at"))
    except ValueError:
        raise RecordError("collected_at_invalid", "collected_at") from None
    values: list[Any] = [str(parsed)]
    for key, limit in rec._META_STRINGS:
        value = d.get(key)
        if type(value) is not str or len(value) > limit:
            raise RecordError("malformed", key)
        values.append(value)
    for key, reason in rec._META_INTS:
        value = d.get(key)
        if type(value) is not int:
            raise RecordError(reason, key)
        values.append(value)
    values += (inspected, kind, collected_at)
    for key, limit in rec._META_OPTIONAL:
        value = d.get(key)
        if value is not None and (type(value) is not str or len(value) > limit):
            raise RecordError("malformed", key)
        values.append(value)
    return RecordMeta(*values)


def ref_parse_personal(d: object) -> PersonalFields:
    if not isinstance(d, Mapping):
        raise RecordError("malformed", "sealed")
    parties = []
    for role in ("sender", "recipient"):
        p = d.get(role)
        if not isinstance(p, Mapping):
            raise RecordError("malformed", role)
        name, phone, address = p.get("name", ""), p.get("phone"), p.get("address")
        if not isinstance(name, str) or not isinstance(phone, str) or not isinstance(address, str):
            raise RecordError("malformed", role)
        parties.append(Party(name.strip(), phone.strip(), address.strip()))
    return PersonalFields(parties[0], parties[1])


def ref_validate_record_content(meta: RecordMeta, rules: RecordRules, now: datetime) -> None:
    import re

    if not meta.inspected:
        raise RecordError("inspection_missing", "inspected")
    photo = meta.inspection_photo_sha256
    if photo is not None and not re.fullmatch(r"[0-9a-f]{64}", photo):
        raise RecordError("inspection_photo_invalid", "inspection_photo_sha256")
    if meta.collected_at > now + FUTURE_SKEW:
        raise RecordError("collected_at_invalid", "collected_at")
    if meta.collected_at < now - MAX_AGE:
        raise RecordError("collected_at_too_old", "collected_at")
    if not 1 <= meta.quantity <= 10_000:
        raise RecordError("quantity_invalid", "quantity")
    if not 1 <= meta.weight_g <= 1_000_000:
        raise RecordError("weight_invalid", "weight_g")
    if not 0 <= meta.declared_value_fen <= 10_000_000_000:
        raise RecordError("declared_value_invalid", "declared_value_fen")
    if meta.item_category not in ITEM_CATEGORIES:
        raise RecordError("item_category_invalid", "item_category")
    name = meta.item_name.strip()
    if not name or len(name) > ITEM_NAME_MAX or re.search(r"\d{7,}", name):
        raise RecordError("item_name_invalid", "item_name")
    if meta.sort_code is not None and not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z-]{0,19}", meta.sort_code):
        raise RecordError("sort_code_invalid", "sort_code")
    if meta.sender_kind in ("qr", "walk_in"):
        if not meta.identity_ref:
            raise RecordError("identity_ref_missing", "identity_ref")
    elif not meta.agreement_customer_id:
        raise RecordError("agreement_customer_invalid", "agreement_customer_id")
    for key in ("origin_county", "destination_county"):
        code = getattr(meta, key)
        if not re.fullmatch(r"\d{6}", code) or not rules.county_ok(code):
            raise RecordError("county_invalid", key)
    if not rules.waybill_ok(meta.company, meta.waybill_no):
        raise RecordError("waybill_invalid", "waybill_no")
    if rules.item_verdict(name).verdict == "prohibited":
        raise RecordError("item_prohibited", "item_name")


def ref_receipt_body(
    meta: RecordMeta,
    item_name: str,
    sender: tuple[str, str, str],
    recipient: tuple[str, str, str],
    received_at: str,
    label_ref: str,
    real_name: bool,
    sort_code: str,
) -> dict[str, Any]:
    fen = meta.declared_value_fen
    return {
        "version": rec.RECEIPT_VERSION,
        "record_id": meta.record_id,
        "waybill_no": meta.waybill_no,
        "company": meta.company,
        "collected_at": ref_format_time(meta.collected_at),
        "received_at": received_at,
        "masked": {
            "sender": {"name": sender[0], "phone": sender[1], "address": sender[2]},
            "recipient": {
                "name": recipient[0],
                "phone": recipient[1],
                "address": recipient[2],
                "county_code": meta.destination_county,
            },
        },
        "item": {
            "name": item_name,
            "category": meta.item_category,
            "quantity": meta.quantity,
            "weight_g": meta.weight_g,
            "declared_value_cny": fen // 100 if fen % 100 == 0 else round(fen / 100, 2),
        },
        "route": {
            "sort_code": sort_code,
            "origin_county": meta.origin_county,
            "destination_county": meta.destination_county,
        },
        "marks": {"real_name": real_name, "inspected": meta.inspected},
        "label_ref": label_ref,
    }


def outcome(f: Callable[..., Any], *args: Any) -> tuple[str, Any]:
    try:
        return "ok", f(*args)
    except RecordError as exc:
        return "error", (exc.reason, exc.field, str(exc))


# ----------------------------------------------------------------------------- inputs

_ID = "01936f0e-7c4a-7d1e-9b2a-3f5c8d0e1a2b"
_GOOD: dict[str, Any] = dict(WIRE_META)

_ODD_VALUES: st.SearchStrategy[Any] = st.sampled_from(
    [
        None,
        True,
        False,
        0,
        1,
        -1,
        10**12,
        1.5,
        "",
        " ",
        "x" * 7,
        "x" * 21,
        "x" * 65,
        "x" * 201,
        "１２３４５６",
        "110105",
        "000000",
        "12345",
        [],
        {},
        b"bytes",
        "agreement",
        "walk_in",
        "2026-11-28T09:29:59+08:00",
        "2026-11-28T09:29:59",
        "0001-01-01T00:00:00Z",
        "2026-11-28T09:29:59.000Z",
        _ID.upper(),
        "{" + _ID + "}",
        "0b1e2a8e-6a7d-4d0c-9a5b-2f1e3d4c5b6a",
        "01936f0e-7c4a-7d1e-1b2a-3f5c8d0e1a2b",
        "a" * 64,
        "雷管",
        " 茶叶 ",
        "货号 13912345678",
    ]
)
_KEYS = st.sampled_from([*_GOOD, "agreement_customer_id", "inspection_photo_sha256", "sort_code"])


@st.composite
def wire_metas(draw: st.DrawFn) -> dict[str, Any]:
    meta = dict(_GOOD)
    if draw(st.booleans()):
        meta["record_id"] = str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1)) & ~(0xF << 76) | (7 << 76)))
    for key, value in draw(st.lists(st.tuples(_KEYS, _ODD_VALUES | st.text(max_size=8)), max_size=4)):
        meta[key] = value
    for key in draw(st.lists(_KEYS, max_size=2)):
        meta.pop(key, None)
    return meta


_PARTY_VALUES: st.SearchStrategy[Any] = st.one_of(
    st.text(max_size=6), st.sampled_from([None, 1, [], "  张三 ", "\t13800138000\n"])
)


@st.composite
def wire_personals(draw: st.DrawFn) -> object:
    if draw(st.integers(0, 20)) == 0:
        return draw(st.sampled_from([None, [], "x", 1]))
    out: dict[str, Any] = {}
    for role in ("sender", "recipient"):
        if draw(st.integers(0, 10)) == 0:
            if draw(st.booleans()):
                out[role] = draw(st.sampled_from([None, [], "x"]))
            continue
        party = {key: draw(_PARTY_VALUES) for key in ("name", "phone", "address")}
        for key in draw(st.lists(st.sampled_from(["name", "phone", "address"]), max_size=1)):
            del party[key]
        out[role] = party
    return out


# ----------------------------------------------------------------------------- tests


@settings(max_examples=1500, deadline=None)
@given(meta=wire_metas())
def test_parse_meta_equals_the_reference(meta: dict[str, Any]) -> None:
    got, want = outcome(parse_meta, meta), outcome(ref_parse_meta, meta)
    assert got == want
    memo_text, memo_time = rec._PARSED_TIME
    assert not isinstance(memo_text, str) or parse_time(memo_text) == memo_time
    if got[0] == "ok":
        assert type(got[1]) is RecordMeta
        assert repr(got[1]) == repr(want[1])
        assert hash(got[1]) == hash(want[1])
        assert got[1].to_wire() == want[1].to_wire()


def test_parse_meta_gives_a_frozen_record_and_shares_a_repeated_time() -> None:
    a, b = parse_meta(dict(_GOOD)), parse_meta(dict(_GOOD, record_id=_ID.upper()))
    assert a == b and a == RecordMeta(**{f.name: getattr(a, f.name) for f in dataclasses.fields(a)})
    assert a.collected_at is b.collected_at  # the memo: one parse for a batch's shared time
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.company = "SF"  # type: ignore[misc]
    assert dataclasses.replace(a, company="SF").company == "SF"
    assert {a: 1}[b] == 1
    # Not a Mapping, a non-dict Mapping, and a str subclass time (parsed, not memoised).
    with pytest.raises(RecordError, match="malformed"):
        parse_meta([("record_id", _ID)])

    class Wire(Mapping[str, Any]):
        def __getitem__(self, key: str) -> Any:
            return _GOOD[key]

        def __iter__(self) -> Any:
            return iter(_GOOD)

        def __len__(self) -> int:
            return len(_GOOD)

    class Text(str):
        pass

    assert parse_meta(Wire()) == a
    for bad in ("", " ", None, "2026-11-28T09:29:59"):  # never answered from the memo
        with pytest.raises(RecordError, match="collected_at_invalid"):
            parse_meta(dict(_GOOD, collected_at=bad))
    assert parse_meta(dict(_GOOD, collected_at=Text(_GOOD["collected_at"]))) == a


@settings(max_examples=800, deadline=None)
@given(personal=wire_personals())
def test_parse_personal_equals_the_reference(personal: object) -> None:
    got, want = outcome(parse_personal, personal), outcome(ref_parse_personal, personal)
    assert got == want
    if got[0] == "ok":
        p = got[1]
        assert type(p) is PersonalFields and type(p.sender) is Party and type(p.recipient) is Party
        assert repr(p) == "PersonalFields(<redacted>)" and repr(p.sender) == "Party(<redacted>)"
        assert p.to_wire() == want[1].to_wire()
        with pytest.raises(dataclasses.FrozenInstanceError):
            p.sender.name = "x"  # type: ignore[misc]


class _Verdict:
    def __init__(self, verdict: str) -> None:
        self.verdict = verdict


_RULES = RecordRules(
    county_ok=lambda c: c in {"110105", "310115", "１１０１０５"},
    waybill_ok=lambda company, no: no.startswith("EA"),
    phone_ok=lambda p: len(p) == 11,
    item_verdict=lambda name: _Verdict("prohibited" if name == "雷管" else "allowed"),
)


@st.composite
def record_metas(draw: st.DrawFn) -> RecordMeta:
    base = ref_parse_meta(dict(_GOOD))
    changes: dict[str, Any] = {}
    texts = st.sampled_from(
        [
            "",
            " ",
            "110105",
            "310115",
            "１１０１０５",
            "11010",
            "1101050",
            "a" * 64,
            "A" * 64,
            "AB-1",
            "-A",
            "上海-01",
        ]
    ) | st.text(max_size=8)
    for key in draw(st.lists(st.sampled_from([f.name for f in dataclasses.fields(RecordMeta)]), max_size=3)):
        if key in ("quantity", "weight_g", "declared_value_fen"):
            changes[key] = draw(st.integers(-5, 2 * 10**10))
        elif key == "inspected":
            changes[key] = draw(st.booleans())
        elif key == "collected_at":
            changes[key] = NOW + timedelta(seconds=draw(st.integers(-40 * 86400, 3600)))
        elif key == "sender_kind":
            changes[key] = draw(st.sampled_from(rec.SENDER_KINDS))
        elif key == "item_name":
            changes[key] = draw(
                st.sampled_from(["雷管", " 茶叶 ", "货号 13912345678", "x" * 61, " ", "书籍"]) | texts
            )
        elif key == "item_category":
            changes[key] = draw(st.sampled_from([*ITEM_CATEGORIES[:3], "军火"]))
        elif key in ("identity_ref", "agreement_customer_id", "inspection_photo_sha256", "sort_code"):
            changes[key] = draw(st.none() | texts)
        else:
            changes[key] = draw(texts)
    return dataclasses.replace(base, **changes)


@settings(max_examples=1500, deadline=None)
@given(meta=record_metas(), later=st.integers(0, 3))
def test_validate_record_content_equals_the_reference(meta: RecordMeta, later: int) -> None:
    now = NOW + timedelta(minutes=later)  # a new ``now`` object per example: the bounds memo moves
    for _ in range(2):  # the second call goes through the memos
        assert outcome(validate_record_content, meta, _RULES, now) == outcome(
            ref_validate_record_content, meta, _RULES, now
        )


@settings(max_examples=500, deadline=None)
@given(
    ms=st.integers(-(10**12), 10**12),
    zone=st.sampled_from([UTC, timezone(timedelta(0)), timezone(timedelta(hours=8)), None]),
)
def test_format_time_equals_the_reference(ms: int, zone: Any) -> None:
    value = datetime(2026, 11, 28, tzinfo=UTC) + timedelta(microseconds=ms * 7)
    value = value.replace(tzinfo=None) if zone is None else value.astimezone(zone)
    for _ in range(2):
        assert format_time(value) == ref_format_time(value)
    assert format_time(NOW) == "2026-11-28T09:30:00.123Z"


@settings(max_examples=500, deadline=None)
@given(meta=record_metas(), fen=st.integers(0, 10**10), real_name=st.booleans())
def test_receipt_body_equals_the_reference(meta: RecordMeta, fen: int, real_name: bool) -> None:
    meta = dataclasses.replace(meta, declared_value_fen=fen)
    args = (
        meta.item_name.strip(),
        ("张*", "*******5678", "北京市**"),
        ("李*", "***", "上海市"),
        "R",
        "L",
        real_name,
        "11-01-05",
    )
    for _ in range(2):  # the second call reads the format memo
        body = rec.receipt_body(
            meta,
            item_name=args[0],
            sender=args[1],
            recipient=args[2],
            received_at=args[3],
            label_ref=args[4],
            real_name=args[5],
            sort_code=args[6],
        )
        want = ref_receipt_body(meta, *args)
        assert body == want
        assert rec.canonical_json(body) == rec.canonical_json(want)
        assert list(body) == list(want) and list(body["item"]) == list(want["item"])
