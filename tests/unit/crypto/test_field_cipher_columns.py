"""``FieldCipher.encrypt_columns``: many records' fields at once, each value with its own nonce
and its own AAD (record id + field name), None where a record has no such field."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sealpost.adapters.crypto import CryptoKit, FieldCipher, InMemoryDataKeyRepository, Keyring
from sealpost.adapters.crypto.field_cipher import OVERHEAD
from sealpost.ports.clock import FixedClock
from sealpost.ports.crypto import DecryptionFailed

DAY = date(2026, 11, 28)


def _kit(path: Path, suite_name: str) -> CryptoKit:
    keyring = Keyring.open_or_create(path / "keyring", "pass 口令", suite=suite_name, scrypt_n=2**10)
    return CryptoKit.build(
        keyring, InMemoryDataKeyRepository(), FixedClock(datetime(2026, 11, 28, tzinfo=UTC))
    )


@pytest.fixture(scope="module", params=["intl", "gm"])
def kit(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> CryptoKit:
    return _kit(tmp_path_factory.mktemp("columns"), request.param)


@settings(max_examples=25, deadline=None)
@given(
    texts=st.lists(
        st.tuples(st.one_of(st.none(), st.text(max_size=40)), st.one_of(st.none(), st.text(max_size=40))),
        min_size=1,
        max_size=12,
    )
)
def test_every_value_opens_under_its_own_record_and_field_only(
    kit: CryptoKit, texts: list[tuple[str | None, str | None]]
) -> None:
    rids = [str(uuid.uuid4()) for _ in texts]
    columns = [("recipient_phone", [a for a, _ in texts]), ("sender_id_number", [b for _, b in texts])]
    sealed = kit.fields.encrypt_columns(rids, columns, DAY)
    assert [len(c) for c in sealed] == [len(texts), len(texts)]
    nonces = set()
    for (name, values), column in zip(columns, sealed, strict=True):
        for rid, text, blob in zip(rids, values, column, strict=True):
            if text is None:
                assert blob is None
                continue
            assert blob is not None and len(blob) == OVERHEAD + len(text.encode())
            assert FieldCipher.key_day(blob) == DAY
            assert kit.fields.decrypt_text(rid, name, blob) == text
            nonces.add(blob[7:19])
            other = "sender_id_number" if name == "recipient_phone" else "recipient_phone"
            with pytest.raises(DecryptionFailed):
                kit.fields.decrypt_text(rid, other, blob)
            with pytest.raises(DecryptionFailed):
                kit.fields.decrypt_text(str(uuid.uuid4()), name, blob)
    present = sum(v is not None for _, values in columns for v in values)
    assert len(nonces) == present  # a fresh random nonce for every value


def test_the_same_record_and_text_never_gives_the_same_ciphertext(kit: CryptoKit) -> None:
    rid = str(uuid.uuid4())
    first = kit.fields.encrypt_columns([rid, rid], [("sender_name", ["司马光明", "司马光明"])], DAY)[0]
    second = kit.fields.encrypt_texts(rid, [("sender_name", "司马光明")], DAY)
    assert len({first[0], first[1], second[0]}) == 3
