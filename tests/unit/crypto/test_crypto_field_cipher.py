"""Field encryption at rest: AAD binding, per-day keys, crypto-shredding, caching, KEK rotation."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sealpost.adapters.crypto import CryptoKit, FieldCipher, InMemoryDataKeyRepository
from sealpost.adapters.crypto.field_cipher import OVERHEAD, data_key_context, encode_field_ciphertext
from sealpost.ports.clock import FixedClock
from sealpost.ports.crypto import DecryptionFailed, KeyDestroyed, MalformedArtefact, UnsupportedSuite

DAY = date(2026, 11, 28)


def test_round_trip_and_layout(kit: CryptoKit) -> None:
    rid = uuid.uuid4()
    ct = kit.fields.encrypt_text(rid, "recipient_name", "张三")
    assert ct[:3] == bytes((1, kit.suite.suite_id, 2))
    assert len(ct) == OVERHEAD + len("张三".encode())
    assert FieldCipher.key_day(ct) == DAY  # the clock's UTC day
    assert kit.fields.decrypt_text(rid, "recipient_name", ct) == "张三"
    assert kit.fields.decrypt_text(str(rid), "recipient_name", ct) == "张三"  # UUID or its text


def test_same_plaintext_twice_differs(kit: CryptoKit) -> None:
    a = kit.fields.encrypt("r", "f", b"same")
    b = kit.fields.encrypt("r", "f", b"same")
    assert a != b


@pytest.mark.parametrize(("rid", "field"), [("record-2", "name"), ("record-1", "phone"), ("record-1", "nam")])
def test_aad_binds_record_and_field(kit: CryptoKit, rid: str, field: str) -> None:
    ct = kit.fields.encrypt("record-1", "name", b"secret")
    with pytest.raises(DecryptionFailed):
        kit.fields.decrypt(rid, field, ct)


def test_every_flipped_byte_is_refused(kit: CryptoKit) -> None:
    ct = kit.fields.encrypt("r", "f", b"personal data")
    for i in range(len(ct)):
        bad = bytearray(ct)
        bad[i] ^= 0x04
        with pytest.raises((DecryptionFailed, MalformedArtefact, KeyDestroyed, UnsupportedSuite)):
            kit.fields.decrypt("r", "f", bytes(bad))


def test_relabelled_day_is_refused(kit: CryptoKit) -> None:
    ct = kit.fields.encrypt("r", "f", b"x", day=DAY)
    kit.fields.ensure_day(DAY + timedelta(days=1))
    n = int.from_bytes(ct[3:7], "big") + 1
    moved = ct[:3] + n.to_bytes(4, "big") + ct[7:]
    with pytest.raises(DecryptionFailed):
        kit.fields.decrypt("r", "f", moved)


def test_truncated_ciphertext(kit: CryptoKit) -> None:
    ct = kit.fields.encrypt("r", "f", b"x")
    with pytest.raises(MalformedArtefact):
        kit.fields.decrypt("r", "f", ct[: OVERHEAD - 1])


def test_one_key_per_day(kit: CryptoKit, clock: FixedClock) -> None:
    repo = kit.fields._repo
    kit.fields.encrypt("r", "f", b"x")
    kit.fields.encrypt("r", "f", b"x", day=DAY - timedelta(days=3))
    clock.advance(86400)
    kit.fields.encrypt("r", "f", b"x")
    days = [row.day for row in repo.list()]
    assert days == [DAY - timedelta(days=3), DAY, DAY + timedelta(days=1)]
    assert all(row.kek_kid == kit.keyring.kek_kid for row in repo.list())


def test_destroy_day_makes_that_day_unreadable(kit: CryptoKit) -> None:
    old = kit.fields.encrypt("r", "name", b"gone", day=DAY - timedelta(days=1))
    keep = kit.fields.encrypt("r", "name", b"kept", day=DAY)
    assert kit.fields.destroy_day(DAY - timedelta(days=1)) is True
    with pytest.raises(KeyDestroyed) as err:
        kit.fields.decrypt("r", "name", old)
    assert err.value.status == 410
    assert kit.fields.decrypt("r", "name", keep) == b"kept"
    with pytest.raises(KeyDestroyed):  # a shredded day cannot be written again
        kit.fields.encrypt("r", "name", b"new", day=DAY - timedelta(days=1))
    assert kit.fields.destroy_day(DAY - timedelta(days=1)) is False


def test_destroying_an_unused_day_leaves_a_tombstone(kit: CryptoKit) -> None:
    assert kit.fields.destroy_day(DAY + timedelta(days=9)) is False
    with pytest.raises(KeyDestroyed):
        kit.fields.encrypt("r", "f", b"x", day=DAY + timedelta(days=9))


def test_destroy_in_another_process_takes_effect_after_the_cache_ttl(kit: CryptoKit) -> None:
    repo = kit.fields._repo
    other = FieldCipher(kit.suite, kit.keyring, repo, cache_ttl_s=0.0)  # no caching
    cached = FieldCipher(kit.suite, kit.keyring, repo, cache_ttl_s=3600.0)
    ct = kit.fields.encrypt("r", "f", b"x")
    assert cached.decrypt("r", "f", ct) == b"x"
    other.destroy_day(DAY)
    assert cached.decrypt("r", "f", ct) == b"x"  # still within its TTL
    cached.forget_cached_keys()
    with pytest.raises(KeyDestroyed):
        cached.decrypt("r", "f", ct)


def test_cache_is_bounded(kit: CryptoKit) -> None:
    small = FieldCipher(kit.suite, kit.keyring, kit.fields._repo, cache_size=3)
    for i in range(10):
        small.encrypt("r", "f", b"x", day=DAY - timedelta(days=i))
    assert len(small._cache) == 3


def test_missing_key_row_reads_as_destroyed(kit: CryptoKit) -> None:
    ct = kit.fields.encrypt("r", "f", b"x")
    fresh = FieldCipher(kit.suite, kit.keyring, InMemoryDataKeyRepository())
    with pytest.raises(KeyDestroyed):
        fresh.decrypt("r", "f", ct)


def test_kek_rotation_keeps_data_readable(kit: CryptoKit) -> None:
    cts = {
        d: kit.fields.encrypt("r", "f", d.isoformat().encode(), day=d) for d in (DAY, DAY - timedelta(days=1))
    }
    old_kek = kit.keyring.kek_kid
    new_kek = kit.rotate_kek()
    rows = kit.fields._repo.list()
    assert {r.kek_kid for r in rows} == {new_kek} != {old_kek}
    fresh = FieldCipher(kit.suite, kit.keyring, kit.fields._repo)  # nothing cached
    for d, ct in cts.items():
        assert fresh.decrypt("r", "f", ct) == d.isoformat().encode()


def test_explicit_layout_matches_the_cipher(kit: CryptoKit) -> None:
    key = bytes(range(kit.suite.aead_key_size))
    repo = kit.fields._repo
    repo.insert_if_absent(
        DAY - timedelta(days=40),
        suite=kit.suite.name,
        kek_kid=kit.keyring.kek_kid,
        wrapped=kit.keyring.wrap(key, data_key_context(kit.suite.name, DAY - timedelta(days=40))),
        created_at=kit.fields._clock.now(),
    )
    ct = encode_field_ciphertext(kit.suite, key, DAY - timedelta(days=40), bytes(12), "r", "f", b"hello")
    assert kit.fields.decrypt("r", "f", ct) == b"hello"


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rid=st.text(min_size=1, max_size=40),
    field=st.text(min_size=1, max_size=20),
    plaintext=st.binary(max_size=1024),
    offset=st.integers(min_value=-400, max_value=400),
)
def test_property_round_trip(kit: CryptoKit, rid: str, field: str, plaintext: bytes, offset: int) -> None:
    day = DAY + timedelta(days=offset)
    ct = kit.fields.encrypt(rid, field, plaintext, day=day)
    assert FieldCipher.key_day(ct) == day
    assert kit.fields.decrypt(rid, field, ct) == plaintext
