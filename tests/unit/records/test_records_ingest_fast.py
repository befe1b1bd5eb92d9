"""The ingest loop's own receipt builder and label references give what the general code gives:
``_receipt_body`` is :func:`build_receipt` (same dict, same key order, same canonical bytes) and
``new_label_refs`` makes label references of the documented form."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime, timedelta

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from sealpost.domain.labels import _LABEL_REF_RE
from sealpost.domain.records import RecordMeta, build_receipt, canonical_json
from sealpost.services.ingest import _receipt_body, new_label_ref, new_label_refs
from sealpost.services.masked_views import masked_party, masked_sender, masked_sender_views

_COUNTY = st.text(alphabet="0123456789", min_size=6, max_size=6)
_TEXT = st.text(max_size=20)
_PARTY = st.tuples(_TEXT, st.text(alphabet="0123456789+- ", max_size=14), _TEXT)


@st.composite
def _metas(draw: st.DrawFn) -> RecordMeta:
    kind = draw(st.sampled_from(["qr", "walk_in", "agreement"]))
    return RecordMeta(
        record_id=str(draw(st.uuids())),
        terminal_id="t-1",
        company=draw(st.sampled_from(["EMS", "SF", "ZTO"])),
        outlet="OUT-1",
        courier_id="c-1",
        waybill_no=draw(st.text(alphabet="ABC0123456789", min_size=8, max_size=13)),
        origin_county=draw(_COUNTY),
        destination_county=draw(_COUNTY),
        item_name=draw(st.sampled_from(["连衣裙", " 茶叶 ", "手枪钻", "book"])),
        item_category=draw(st.sampled_from(["食品", "其他"])),
        quantity=draw(st.integers(1, 10_000)),
        weight_g=draw(st.integers(1, 1_000_000)),
        declared_value_fen=draw(st.integers(0, 10_000_000_000)),
        inspected=draw(st.booleans()),
        sender_kind=kind,  # type: ignore[arg-type]
        collected_at=datetime(2026, 11, 28, tzinfo=UTC)
        + timedelta(milliseconds=draw(st.integers(-(10**10), 10**10))),
        identity_ref=None if kind == "agreement" else "ref-1",
        agreement_customer_id="cust-1" if kind == "agreement" else None,
        sort_code=draw(st.none() | st.just("") | st.text(alphabet="AB12-", min_size=1, max_size=8)),
    )


@settings(max_examples=400, deadline=None)
@given(meta=_metas(), sender=_PARTY, recipient=_PARTY, label=st.text(alphabet="ABC234", max_size=16))
def test_receipt_body_is_build_receipt(
    meta: RecordMeta, sender: tuple[str, str, str], recipient: tuple[str, str, str], label: str
) -> None:
    received = "2026-11-28T10:00:00.000Z"
    expected = build_receipt(
        meta,
        masked_sender=masked_sender(*sender),
        masked_recipient=masked_party(*recipient),
        received_at=received,
        label_ref=label,
        real_name=True,
    )
    r = masked_party(*recipient)
    fast = _receipt_body(
        meta,
        meta.item_name.strip(),
        masked_sender_views(*sender),
        (r["name"], r["phone"], r["address"]),
        received,
        label,
    )
    assert fast == expected
    assert orjson.dumps(fast) == orjson.dumps(expected)  # same key order everywhere
    assert canonical_json(fast) == canonical_json(expected)


def test_label_refs_have_the_label_form_and_differ() -> None:
    refs = new_label_refs(5000)
    assert len(refs) == 5000
    assert len(set(refs)) == 5000
    for ref in [*refs, new_label_ref()]:
        assert len(ref) == 16
        assert _LABEL_REF_RE.fullmatch(ref)
    # every character of the alphabet shows up, at roughly 1/32 each (80,000 characters)
    counts = {ch: 0 for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"}
    for ref in refs:
        for ch in ref:
            counts[ch] += 1
    assert min(counts.values()) > 2000
    assert max(counts.values()) < 3000
    assert new_label_refs(0) == []


@settings(max_examples=600, deadline=None)
@given(
    text=st.text(alphabet="ABCab01+/=\n -_é", max_size=24)
    | st.binary(max_size=30).map(lambda b: base64.b64encode(b).decode())
)
def test_strict_base64_fast_path_is_b64decode_validate(text: str) -> None:
    from sealpost.services.ingest import _b64

    try:
        expected: bytes | None = base64.b64decode(text, validate=True)
    except (ValueError, TypeError, binascii.Error):
        expected = None
    try:
        got: bytes | None = _b64(text, "x")
    except ValueError:
        got = None
    assert got == expected
