"""The file keyring: creation, passphrase, file hygiene, rotations, several processes."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from sealpost.adapters.crypto import Keyring
from sealpost.adapters.crypto.keyring import FILE_NAME, SCRYPT_N
from sealpost.adapters.crypto.suites import GmSuite, IntlSuite
from sealpost.ports.clock import FixedClock
from sealpost.ports.crypto import (
    KeyringError,
    SignatureInvalid,
    UnknownKey,
    UnsupportedSuite,
    WrongPassphrase,
)
from sealpost.ports.keystore import KeyWrapper

FAST_SCRYPT_N = 2**10
PASSPHRASE = "correct horse battery staple 正确"  # as in conftest.py


def _open(path: Path, suite: str = "intl", passphrase: str = PASSPHRASE) -> Keyring:
    return Keyring.open_or_create(path, passphrase, suite=suite, scrypt_n=FAST_SCRYPT_N)


def test_created_on_first_use_then_reopened(keyring: Keyring, tmp_path: Path) -> None:
    again = Keyring.open_or_create(tmp_path / "keyring", PASSPHRASE, suite=keyring.suite_name)
    assert again.signing_kid == keyring.signing_kid
    assert again.sealing_kid == keyring.sealing_kid
    assert again.kek_kid == keyring.kek_kid
    assert again.blind_index_key() == keyring.blind_index_key()
    purposes = sorted(i.purpose for i in again.describe())
    assert purposes == ["blind_index", "kek", "sealing", "signing"]


def test_default_scrypt_parameters_are_stored(tmp_path: Path) -> None:
    Keyring.open_or_create(tmp_path / "k", "pw", suite="intl")
    kdf = json.loads((tmp_path / "k" / FILE_NAME).read_text())["kdf"]
    assert kdf["name"] == "scrypt"
    assert (kdf["n"], kdf["r"], kdf["p"]) == (SCRYPT_N, 8, 1) == (2**15, 8, 1)


def test_wrong_passphrase_is_a_clear_error(keyring: Keyring, tmp_path: Path) -> None:
    with pytest.raises(WrongPassphrase) as err:
        Keyring.open_or_create(tmp_path / "keyring", "not the passphrase", suite=keyring.suite_name)
    assert err.value.code == "keyring_wrong_passphrase"
    assert "SEALPOST_KEYRING_PASSPHRASE" in err.value.message.en
    assert "口令" in err.value.message.zh


def test_open_requires_an_existing_keyring(tmp_path: Path) -> None:
    with pytest.raises(KeyringError, match="keys init"):
        Keyring.open(tmp_path / "none", "pw")


def test_suite_mismatch_is_refused(keyring: Keyring, tmp_path: Path) -> None:
    other = "gm" if keyring.suite_name == "intl" else "intl"
    with pytest.raises(UnsupportedSuite):
        Keyring.open_or_create(tmp_path / "keyring", PASSPHRASE, suite=other)


def test_file_permissions(keyring: Keyring) -> None:
    mode = stat.S_IMODE(keyring.path.stat().st_mode)
    assert mode == 0o600
    assert stat.S_IMODE(keyring.path.parent.stat().st_mode) == 0o700
    assert not [p for p in keyring.path.parent.iterdir() if p.name.endswith(".tmp")]


def _encodings(secret: bytes) -> list[bytes]:
    return [
        secret,
        secret.hex().encode(),
        secret.hex().upper().encode(),
        base64.b64encode(secret),
        base64.urlsafe_b64encode(secret).rstrip(b"="),
        secret[:16],
        secret[16:],
    ]


def test_keyring_file_holds_no_plaintext_private_key(keyring: Keyring) -> None:
    keyring.rotate_signing_key()
    keyring.rotate_sealing_key()
    keyring.rotate_kek()
    raw = keyring.path.read_bytes()
    secrets_in_memory = list(keyring._private.values())
    assert len(secrets_in_memory) >= 4
    for secret in secrets_in_memory:
        for form in _encodings(secret):
            assert form not in raw
    # the KEK itself never appears either: only its passphrase-wrapped form
    for kek in json.loads(raw)["keks"]:
        assert set(kek) == {"kid", "created_at", "retired_at", "wrapped"}


def test_sign_and_verify_across_signing_rotation(keyring: Keyring) -> None:
    first = keyring.sign(b"receipt 1")
    new_kid = keyring.rotate_signing_key()
    assert new_kid != first.kid and keyring.signing_kid == new_kid
    second = keyring.sign(b"receipt 2")
    assert second.kid == new_kid
    keyring.verify(first.kid, b"receipt 1", first.value)  # old signatures still verify
    keyring.verify(second.kid, b"receipt 2", second.value)
    assert set(keyring.public_signing_keys()) == {first.kid, new_kid}
    with pytest.raises(SignatureInvalid):
        keyring.verify(first.kid, b"receipt 2", first.value)
    with pytest.raises(UnknownKey):
        keyring.verify("00" * 8, b"receipt 1", first.value)
    # the retired private signing key is gone from the file and from memory
    retired = next(i for i in keyring.describe() if i.kid == first.kid)
    assert retired.retired_at is not None
    assert first.kid not in keyring._private


def test_old_signatures_verify_after_reopening(keyring: Keyring, tmp_path: Path) -> None:
    sig = keyring.sign(b"m")
    keyring.rotate_signing_key()
    reopened = Keyring.open(tmp_path / "keyring", PASSPHRASE)
    reopened.verify(sig.kid, b"m", sig.value)


def test_sealing_rotation_keeps_old_boxes_openable(keyring: Keyring) -> None:
    suite = keyring.suite
    old_box = suite.seal(keyring.sealing_public_key(), b"in flight")
    old_kid = keyring.sealing_kid
    keyring.rotate_sealing_key()
    assert keyring.sealing_kid != old_kid
    assert keyring.open_sealed(old_box) == b"in flight"
    new_box = suite.seal(keyring.sealing_public_key(), b"new")
    assert keyring.open_sealed(new_box) == b"new"


def test_wrap_unwrap_and_context_binding(keyring: Keyring) -> None:
    blob = keyring.wrap(b"k" * 32, b"ctx")
    assert keyring.unwrap(blob, b"ctx") == b"k" * 32
    from sealpost.ports.crypto import DecryptionFailed

    with pytest.raises(DecryptionFailed):
        keyring.unwrap(blob, b"other ctx")


def test_kek_rotation_rewraps_everything_and_forgets_the_old_kek(keyring: Keyring, tmp_path: Path) -> None:
    blob = keyring.wrap(b"d" * 32, b"data-key")
    old_kek = keyring.kek_kid
    stored: dict[str, bytes] = {"blob": blob}

    def rewrap(wrapper: KeyWrapper) -> int:
        stored["blob"] = wrapper.rewrap(stored["blob"], b"data-key")
        return 1

    new_kek = keyring.rotate_kek(rewrap)
    assert new_kek != old_kek and keyring.kek_kid == new_kek
    assert keyring.unwrap(stored["blob"], b"data-key") == b"d" * 32
    with pytest.raises(UnknownKey):
        keyring.unwrap(blob, b"data-key")  # the old KEK is gone
    doc = json.loads(keyring.path.read_text())
    assert [k["kid"] for k in doc["keks"]] == [new_kek]
    reopened = Keyring.open(tmp_path / "keyring", PASSPHRASE)
    assert reopened.unwrap(stored["blob"], b"data-key") == b"d" * 32
    sig = reopened.sign(b"x")
    keyring.verify(sig.kid, b"x", sig.value)


def test_crash_during_kek_rotation_loses_nothing(keyring: Keyring, tmp_path: Path) -> None:
    blob = keyring.wrap(b"d" * 32, b"ctx")

    def crash(_: KeyWrapper) -> int:
        raise RuntimeError("power cut while re-wrapping data keys")

    with pytest.raises(RuntimeError):
        keyring.rotate_kek(crash)
    reopened = Keyring.open(tmp_path / "keyring", PASSPHRASE)
    assert reopened.unwrap(blob, b"ctx") == b"d" * 32  # old KEK kept until the re-wrap finished
    assert len(json.loads(reopened.path.read_text())["keks"]) == 2
    holder = {"blob": blob}

    def rewrap(wrapper: KeyWrapper) -> int:
        holder["blob"] = wrapper.rewrap(holder["blob"], b"ctx")
        return 1

    reopened.rotate_kek(rewrap)  # running it again completes the rotation
    assert len(json.loads(reopened.path.read_text())["keks"]) == 1
    assert reopened.unwrap(holder["blob"], b"ctx") == b"d" * 32


def test_another_process_sees_rotations(keyring: Keyring, tmp_path: Path) -> None:
    worker = Keyring.open(tmp_path / "keyring", PASSPHRASE)
    keyring.rotate_kek()
    new_sig_kid = keyring.rotate_signing_key()
    keyring.rotate_sealing_key()
    blob = keyring.wrap(b"z" * 32, b"c")
    assert worker.unwrap(blob, b"c") == b"z" * 32  # reloads on the unknown KEK kid
    sig = keyring.sign(b"m")
    assert sig.kid == new_sig_kid
    worker.verify(sig.kid, b"m", sig.value)
    box = keyring.suite.seal(keyring.sealing_public_key(), b"hello")
    assert worker.open_sealed(box) == b"hello"
    assert worker.wrap(b"y" * 32, b"c")[3:11].hex() == keyring.kek_kid  # wraps under the new KEK


def test_describe_never_shows_private_material(keyring: Keyring) -> None:
    for info in keyring.describe():
        if info.public is not None:
            assert info.public not in keyring._private.values()
    assert {i.purpose for i in keyring.describe() if i.public is None} == {"kek", "blind_index"}


def test_gm_keyring_algorithms(tmp_path: Path, clock: FixedClock) -> None:
    ring = Keyring.open_or_create(tmp_path / "gm", "pw", suite="gm", clock=clock, scrypt_n=FAST_SCRYPT_N)
    algorithms = {i.purpose: i.algorithm for i in ring.describe()}
    assert algorithms == {
        "kek": "SM4-GCM",
        "signing": "SM2",
        "sealing": "SM2-ECDH",
        "blind_index": "HMAC-SM3",
    }
    assert isinstance(ring.suite, GmSuite)
    assert isinstance(_open(tmp_path / "intl").suite, IntlSuite)


def test_empty_passphrase_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyringError):
        Keyring.open_or_create(tmp_path / "k", "")
