"""Suites: sealed boxes and signatures in both intl and gm, tampering, wrong keys, property round trips."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sealpost.adapters.crypto import get_suite, sm2
from sealpost.adapters.crypto.encoding import SUITE_IDS
from sealpost.adapters.crypto.suites import GmSuite, IntlSuite
from sealpost.ports.crypto import (
    CryptoSuite,
    DecryptionFailed,
    MalformedArtefact,
    SignatureInvalid,
    UnknownKey,
    UnsupportedSuite,
)

Suite = IntlSuite | GmSuite


def test_both_suites_satisfy_the_port(suite: Suite) -> None:
    assert isinstance(suite, CryptoSuite)
    assert suite.suite_id == SUITE_IDS[suite.name]


def test_seal_open_round_trip(suite: Suite) -> None:
    pair = suite.new_agreement_key()
    box = suite.seal(pair.public, "张三 13800000000".encode(), b"aad", b"info")
    assert box[:3] == bytes((1, suite.suite_id, 1))
    assert len(box) == suite.sealed_overhead + len("张三 13800000000".encode())
    assert suite.open(pair.private, box, b"aad", b"info") == "张三 13800000000".encode()


def test_two_seals_of_the_same_plaintext_share_no_ciphertext(suite: Suite) -> None:
    pair = suite.new_agreement_key()
    a = suite.seal(pair.public, b"same")
    b = suite.seal(pair.public, b"same")
    assert a[:11] == b[:11]  # header and recipient kid only
    assert a[11:] != b[11:]


def test_every_flipped_byte_is_refused(suite: Suite) -> None:
    pair = suite.new_agreement_key()
    box = suite.seal(pair.public, b"payload bytes", b"a", b"i")
    for i in range(len(box)):
        tampered = bytearray(box)
        tampered[i] ^= 0x01
        with pytest.raises((DecryptionFailed, MalformedArtefact, UnknownKey, UnsupportedSuite)):
            suite.open(pair.private, bytes(tampered), b"a", b"i")


@pytest.mark.parametrize(("aad", "info"), [(b"other", b"i"), (b"a", b"other"), (b"", b"")])
def test_wrong_aad_or_info_is_refused(suite: Suite, aad: bytes, info: bytes) -> None:
    pair = suite.new_agreement_key()
    box = suite.seal(pair.public, b"x", b"a", b"i")
    with pytest.raises(DecryptionFailed):
        suite.open(pair.private, box, aad, info)


def test_wrong_recipient_key_is_named(suite: Suite) -> None:
    box = suite.seal(suite.new_agreement_key().public, b"x")
    with pytest.raises(UnknownKey):
        suite.open(suite.new_agreement_key().private, box)


def test_truncated_and_foreign_artefacts(suite: Suite) -> None:
    pair = suite.new_agreement_key()
    box = suite.seal(pair.public, b"x")
    with pytest.raises(MalformedArtefact):
        suite.open(pair.private, box[: suite.sealed_overhead - 1])
    with pytest.raises(MalformedArtefact):
        suite.open(pair.private, b"")
    with pytest.raises(MalformedArtefact, match="expected sealed_box"):
        suite.open(pair.private, box[:2] + b"\x02" + box[3:])
    other = get_suite("gm" if suite.name == "intl" else "intl")
    with pytest.raises(UnsupportedSuite):
        suite.open(pair.private, box[:1] + bytes((other.suite_id,)) + box[2:])


def test_sign_verify(suite: Suite) -> None:
    pair = suite.new_signing_key()
    sig = suite.sign(pair.private, b"receipt")
    assert len(sig) == suite.signature_size == 64
    suite.verify(pair.public, b"receipt", sig)
    with pytest.raises(SignatureInvalid):
        suite.verify(pair.public, b"receipt!", sig)
    bad = bytearray(sig)
    bad[10] ^= 0x80
    with pytest.raises(SignatureInvalid):
        suite.verify(pair.public, b"receipt", bytes(bad))
    with pytest.raises(SignatureInvalid):
        suite.verify(suite.new_signing_key().public, b"receipt", sig)


def test_public_keys_and_kids(suite: Suite) -> None:
    pair = suite.new_signing_key()
    assert suite.signing_public_key(pair.private) == pair.public
    assert len(pair.public) == suite.public_key_size
    kid = suite.key_id(pair.public)
    assert len(kid) == 16 and kid == suite.hash(pair.public)[:8].hex()


def test_keypair_repr_hides_private_half(suite: Suite) -> None:
    pair = suite.new_signing_key()
    assert pair.private.hex() not in repr(pair)


def test_x25519_low_order_point_is_refused() -> None:
    suite = get_suite("intl")
    with pytest.raises(MalformedArtefact):
        suite.seal(bytes(32), b"x")


def test_gm_primitives_are_sm3_and_sm4() -> None:
    suite = get_suite("gm")
    # GB/T 32905 example: SM3("abc")
    assert suite.hash(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert suite.aead_key_size == 16
    assert suite.public_key_size == 33


def test_gm_without_tongsuopy_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_tongsuopy(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("tongsuopy"):
            raise ImportError("hidden for the test")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sm2, "_lib", None)
    monkeypatch.setattr(builtins, "__import__", no_tongsuopy)
    suite = get_suite("gm")
    with pytest.raises(UnsupportedSuite, match="tongsuopy"):
        suite.new_signing_key()
    assert not sm2.available()
    # SM3 / SM4 keep working without SM2
    aead = suite.aead(bytes(16))
    assert aead.decrypt(bytes(12), aead.encrypt(bytes(12), b"x", b""), b"") == b"x"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plaintext=st.binary(max_size=2048), aad=st.binary(max_size=64), info=st.binary(max_size=64))
def test_property_seal_open_round_trip(suite: Suite, plaintext: bytes, aad: bytes, info: bytes) -> None:
    pair = _pair(suite)
    assert suite.open(pair[0], suite.seal(pair[1], plaintext, aad, info), aad, info) == plaintext


_PAIRS: dict[str, tuple[bytes, bytes]] = {}


def _pair(suite: Suite) -> tuple[bytes, bytes]:
    if suite.name not in _PAIRS:
        kp = suite.new_agreement_key()
        _PAIRS[suite.name] = (kp.private, kp.public)
    return _PAIRS[suite.name]
