"""The identity QR token layout and time window, without crypto."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sealpost.domain import identity_qr as qr
from sealpost.domain.base45 import b45encode

AT = datetime(2026, 11, 28, 10, 0, 0, tzinfo=UTC)


def _payload(**kw: object) -> qr.IdentityQrPayload:
    base: dict[str, object] = {
        "device_kid": os.urandom(8),
        "sender_id": uuid4(),
        "time_step": qr.time_step(AT),
        "nonce": os.urandom(12),
    }
    base.update(kw)
    return qr.IdentityQrPayload(**base)  # type: ignore[arg-type]


@given(
    st.binary(min_size=8, max_size=8),
    st.uuids(),
    st.integers(0, 2**32 - 1),
    st.binary(min_size=12, max_size=12),
)
def test_payload_round_trip(kid: bytes, sender: object, step: int, nonce: bytes) -> None:
    payload = qr.IdentityQrPayload(kid, sender, step, nonce)  # type: ignore[arg-type]
    signature = os.urandom(64)
    data = qr.encode_payload(payload, signature)
    assert len(data) == qr.PAYLOAD_SIZE == 106
    assert qr.decode_payload(data, suite=qr.SUITE_ES256_X25519) == (payload, signature)
    assert payload.signing_message().startswith(qr.SIGNING_CONTEXT)


def test_decode_payload_refuses_bad_sizes_versions_and_suites() -> None:
    data = qr.encode_payload(_payload(), os.urandom(64))
    for bad in (data[:-1], data + b"\x00", b""):
        with pytest.raises(qr.IdentityQrError) as info:
            qr.decode_payload(bad, suite=1)
        assert info.value.reason == "malformed"
    with pytest.raises(qr.IdentityQrError) as info:
        qr.decode_payload(b"\x02" + data[1:], suite=1)
    assert info.value.reason == "malformed"
    with pytest.raises(qr.IdentityQrError) as info:
        qr.decode_payload(data, suite=2)
    assert info.value.reason == "wrong_suite"


def test_invalid_payload_fields_are_refused_when_encoding() -> None:
    for kw in ({"device_kid": b"short"}, {"nonce": b"x"}, {"time_step": -1}, {"time_step": 2**32}):
        with pytest.raises(ValueError, match=r"."):
            _payload(**kw).signed_bytes()
    with pytest.raises(ValueError, match="64 bytes"):
        qr.encode_payload(_payload(), b"short")


def test_text_parsing() -> None:
    text = qr.encode_text(1, b"sealed-bytes")
    assert text.startswith("SPQ1:")
    assert qr.decode_text(text) == (1, 1, b"sealed-bytes")
    assert qr.decode_text("  " + text.lower()[:5] + text[5:] + "\n") == (1, 1, b"sealed-bytes")
    cases = {
        "": "malformed",
        "SPQ2:" + text[5:]: "malformed",
        "SPQ1:abc": "malformed",
        "SPQ1:" + b45encode(b"\x01"): "malformed",
        "SPQ1:" + b45encode(b"\x02\x01xyz"): "malformed",
        "SPQ1:" + b45encode(b"\x01\x07xyz"): "wrong_suite",
    }
    for bad, reason in cases.items():
        with pytest.raises(qr.IdentityQrError) as info:
            qr.decode_text(bad)
        assert info.value.reason == reason, bad


def test_time_window_is_the_step_plus_or_minus_60_seconds() -> None:
    step = qr.time_step(AT)
    assert qr.step_window_ok(step, AT)
    assert qr.step_window_ok(step, AT + timedelta(seconds=89))
    assert qr.step_window_ok(step, AT + timedelta(seconds=90))
    assert not qr.step_window_ok(step, AT + timedelta(seconds=91))
    assert qr.step_window_ok(step, AT - timedelta(seconds=60))
    assert not qr.step_window_ok(step, AT - timedelta(seconds=61))
    assert qr.time_step(AT + timedelta(seconds=29)) == step
    assert qr.time_step(AT + timedelta(seconds=30)) == step + 1
