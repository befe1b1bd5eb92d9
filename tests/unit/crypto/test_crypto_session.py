"""Session sealing: terminal seals under one agreed key, platform opens; tampering and misuse."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sealpost.adapters.crypto import CryptoKit, TerminalSession
from sealpost.adapters.crypto.session import RECORD_PREFIX_SIZE, SessionClosed
from sealpost.ports.crypto import DecryptionFailed, MalformedArtefact, UnknownKey, UnsupportedSuite


def test_round_trip_and_counters(kit: CryptoKit) -> None:
    with kit.terminal_session() as session:
        records = [session.seal(f"记录 {i}".encode(), aad=b"batch-1") for i in range(5)]
        assert session.records_sealed == 5
    for i, record in enumerate(records):
        assert record[:3] == bytes((1, kit.suite.suite_id, 4))
        assert int.from_bytes(record[19:27], "big") == i + 1
        assert kit.open_session_record(session.header, record, aad=b"batch-1") == f"记录 {i}".encode()
    assert session.header[:3] == bytes((1, kit.suite.suite_id, 3))
    assert session.header[3:11].hex() == kit.sealing_kid


def test_session_key_is_derived_once_per_session(kit: CryptoKit, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = kit.keyring.agree

    def counting(kid: str, peer: bytes) -> bytes:
        calls.append(kid)
        return real(kid, peer)

    monkeypatch.setattr(kit.keyring, "agree", counting)
    session = kit.terminal_session()
    for i in range(20):
        kit.open_session_record(session.header, session.seal(b"%d" % i))
    assert len(calls) == 1


def test_tampering_is_refused(kit: CryptoKit) -> None:
    session = kit.terminal_session()
    record = session.seal(b"recipient data")
    for i in range(len(record)):
        bad = bytearray(record)
        bad[i] ^= 0x10
        with pytest.raises((DecryptionFailed, MalformedArtefact, UnsupportedSuite)):
            kit.open_session_record(session.header, bytes(bad))
    with pytest.raises(DecryptionFailed):
        kit.open_session_record(session.header, record, aad=b"other")


def test_record_of_another_session_is_refused(kit: CryptoKit) -> None:
    a, b = kit.terminal_session(), kit.terminal_session()
    assert a.header != b.header and a.session_id != b.session_id
    with pytest.raises(MalformedArtefact, match="another session"):
        kit.open_session_record(b.header, a.seal(b"x"))


def test_tampered_header_is_refused(kit: CryptoKit) -> None:
    session = kit.terminal_session()
    record = session.seal(b"x")
    bad = bytearray(session.header)
    bad[-1] ^= 1
    with pytest.raises((MalformedArtefact, DecryptionFailed)):
        kit.open_session_record(bytes(bad), record)
    wrong_kid = session.header[:3] + bytes(8) + session.header[11:]
    with pytest.raises((UnknownKey, MalformedArtefact)):
        kit.open_session_record(wrong_kid, record)


def test_counter_zero_and_short_records(kit: CryptoKit) -> None:
    session = kit.terminal_session()
    record = session.seal(b"x")
    zero = record[:19] + bytes(8) + record[27:]
    with pytest.raises(MalformedArtefact):
        kit.open_session_record(session.header, zero)
    with pytest.raises(MalformedArtefact):
        kit.open_session_record(session.header, record[: RECORD_PREFIX_SIZE + 15])


def test_closed_session_refuses_and_forgets(kit: CryptoKit) -> None:
    session = kit.terminal_session()
    session.close()
    with pytest.raises(SessionClosed):
        session.seal(b"x")
    assert session._aead is None


def test_terminal_keeps_no_long_term_or_ephemeral_secret(kit: CryptoKit) -> None:
    """What a stolen terminal holds: the header (public) and, while open, the session key only."""
    session = TerminalSession(kit.suite, kit.sealing_public_key())
    # every attribute the object holds: its __dict__, or a mypyc native class's attribute list
    # (the native build compiles this module: make native)
    names = getattr(type(session), "__mypyc_attrs__", None) or tuple(vars(session))
    values = {k: getattr(session, k, None) for k in names}
    held = {k: v for k, v in values.items() if isinstance(v, bytes)}
    assert set(held) == {"header", "session_id", "_prefix"}  # all public values
    session.close()
    assert session._aead is None


def test_sessions_expire(kit: CryptoKit) -> None:
    session = TerminalSession(kit.suite, kit.sealing_public_key(), max_records=2)
    session.seal(b"1")
    assert not session.expired
    session.seal(b"2")
    assert session.expired


def test_retired_sealing_key_still_opens_open_sessions(kit: CryptoKit) -> None:
    session = kit.terminal_session()
    record = session.seal(b"before rotation")
    kit.rotate_sealing_key()
    kit.sessions._cache.clear()
    assert kit.open_session_record(session.header, record) == b"before rotation"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plaintexts=st.lists(st.binary(max_size=512), min_size=1, max_size=8), aad=st.binary(max_size=32))
def test_property_round_trip(kit: CryptoKit, plaintexts: list[bytes], aad: bytes) -> None:
    session = kit.terminal_session()
    sealed = [session.seal(p, aad) for p in plaintexts]
    assert [kit.open_session_record(session.header, s, aad) for s in reversed(sealed)] == plaintexts[::-1]
