"""The ingest fast paths give exactly the answers of the general functions they stand in for:
waybill numbers (``number_ok`` vs ``validate_number``), blind-index normalisation, and the field
cipher's several-fields-at-once encryption (vs one field at a time)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sealpost.adapters.crypto import CryptoKit, FieldCipher, InMemoryDataKeyRepository, Keyring, get_suite
from sealpost.adapters.crypto.blind_index import (
    LABEL,
    TOKEN_SIZE,
    BlindIndexer,
    normalize_id_number,
    normalize_phone,
)
from sealpost.adapters.crypto.field_cipher import OVERHEAD
from sealpost.domain.waybill_numbers import BUILTIN_FORMATS, s10_number, validate_number
from sealpost.ports.clock import FixedClock
from sealpost.ports.crypto import DecryptionFailed
from sealpost.services.record_rules import GENERIC_FORMAT, WaybillRules, number_ok

DAY = date(2026, 11, 28)
_FORMATS = [GENERIC_FORMAT, *BUILTIN_FORMATS.values()]
_NORMAL = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=0, max_size=32)


@settings(max_examples=400, deadline=None)
@given(number=_NORMAL, which=st.integers(min_value=0, max_value=len(_FORMATS) - 1))
def test_number_ok_equals_validate_number(number: str, which: int) -> None:
    fmt = _FORMATS[which]
    assert number_ok(fmt, number) == validate_number(fmt, number).ok


@settings(max_examples=200, deadline=None)
@given(
    serial=st.integers(min_value=0, max_value=10**8 - 1), country=st.sampled_from(["CN", "US", "ZZ", "XX"])
)
def test_s10_numbers_and_their_corruptions(serial: int, country: str) -> None:
    fmt = BUILTIN_FORMATS.get("upu_s10", _FORMATS[-1])
    good = s10_number("EA", serial, "CN")
    variants = [good, good[:10] + str((int(good[10]) + 1) % 10) + good[11:], good[:-2] + country]
    for number in variants:
        assert number_ok(fmt, number) == validate_number(fmt, number).ok
    assert WaybillRules()("EMS", good)
    assert not WaybillRules()("EMS", good.lower())


@settings(max_examples=300, deadline=None)
@given(value=st.text(max_size=24))
def test_normalisation_fast_paths_equal_the_general_rule(value: str) -> None:
    import re
    import unicodedata

    def slow_phone(v: str) -> str | None:
        digits = re.sub(r"\D+", "", unicodedata.normalize("NFKC", v).strip())
        for prefix in ("0086", "86"):
            if digits.startswith(prefix) and len(digits) == len(prefix) + 11 and digits[len(prefix)] == "1":
                digits = digits[len(prefix) :]
                break
        return digits or None

    def fast(f: object, v: str) -> str | None:
        try:
            return f(v)  # type: ignore[operator, no-any-return]
        except ValueError:
            return None

    for v in (value, "".join(c for c in value if c.isascii() and c.isdigit()), "+86 138-0013-8000"):
        assert fast(normalize_phone, v) == slow_phone(v)
    text = re.sub(r"[\s\-]+", "", unicodedata.normalize("NFKC", value)).upper()
    if len(text) != 15 or not text.isdigit():  # 15-digit numbers are upgraded: same in both paths
        assert fast(normalize_id_number, value) == (text or None)


@pytest.mark.parametrize("suite_name", ["intl", "gm"])
def test_encrypt_texts_is_encrypt_text_field_by_field(tmp_path: Path, suite_name: str) -> None:
    keyring = Keyring.open_or_create(tmp_path / "keyring", "pass 口令", suite=suite_name, scrypt_n=2**10)
    kit = CryptoKit.build(
        keyring, InMemoryDataKeyRepository(), FixedClock(datetime(2026, 11, 28, tzinfo=UTC))
    )
    rid = "0193a0b1-0000-7000-8000-000000000001"
    fields = [
        ("sender_name", "司马光明"),
        ("sender_phone", "13800138000"),
        ("recipient_address", "上海市" * 9),
    ]
    sealed = kit.fields.encrypt_texts(rid, fields, DAY)
    single = kit.fields.encrypt_text(rid, "sender_name", "司马光明", DAY)
    assert len({c[7:19] for c in sealed}) == 3  # a fresh random nonce per field
    for (name, text), blob in zip(fields, sealed, strict=True):
        assert blob[:7] == single[:7] and len(blob) == OVERHEAD + len(text.encode())
        assert FieldCipher.key_day(blob) == DAY
        assert kit.fields.decrypt_text(rid, name, blob) == text
    with pytest.raises(DecryptionFailed):  # AAD binds the field name and the record id
        kit.fields.decrypt_text(rid, "sender_phone", sealed[0])
    with pytest.raises(DecryptionFailed):
        kit.fields.decrypt_text("0193a0b1-0000-7000-8000-000000000002", "sender_name", sealed[0])


@pytest.mark.parametrize("suite_name", ["intl", "gm"])
def test_blind_index_tokens_are_the_suite_mac(suite_name: str) -> None:
    suite = get_suite(suite_name)
    key = bytes(range(32))
    indexer = BlindIndexer(suite, key, "bi-1")
    for kind, value, normal in (
        ("phone", "13800138000", "13800138000"),
        ("phone", "+86 138 0013 8000", "13800138000"),
        ("id_number", "11010519491231002x", "11010519491231002X"),
    ):
        subkey = suite.mac(key, LABEL + kind.encode())
        assert indexer.index(kind, value) == suite.mac(subkey, normal.encode())[:TOKEN_SIZE]  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(raw=st.uuids(), upper=st.booleans())
def test_record_id_fast_path_equals_uuid_parsing(raw: uuid.UUID, upper: bool) -> None:
    from sealpost.domain.records import _UUID7_CANONICAL

    v7 = uuid.UUID(int=(raw.int & ~(0xF << 76)) | (7 << 76))  # same bits, version 7
    for candidate in (str(raw), str(v7), str(v7).upper() if upper else str(v7)):
        parsed = uuid.UUID(candidate)
        expected = parsed.version == 7 and parsed.variant == uuid.RFC_4122
        if _UUID7_CANONICAL.fullmatch(candidate):
            assert expected and str(parsed) == candidate
        elif expected:  # the slow path takes it: only non-canonical spellings land here
            assert candidate != str(parsed)


def test_sqlite_rows_equal_row_by_row_conversion() -> None:
    from datetime import timedelta

    from sealpost.adapters.db.records_repo import (
        RECORD_COLUMNS,
        _sqlite_row,
        columns_of,
        pg_columns,
        sqlite_columns,
    )

    now = datetime(2026, 11, 28, 10, 0, 0, 123456, tzinfo=UTC)
    batch_id = str(uuid.uuid4())
    rows = []
    for k in range(3):
        row: dict[str, object] = dict.fromkeys(RECORD_COLUMNS, "x")
        row.update(
            record_id=str(uuid.uuid4()),
            batch_id=batch_id,
            received_at=now,
            collected_at=now - timedelta(seconds=k),
            inspected=True,
            late=k == 1,
            inspection_photo_sha256=None,
        )
        rows.append(row)
    assert list(zip(*sqlite_columns(columns_of(rows)), strict=True)) == [_sqlite_row(r) for r in rows]
    converted = list(zip(*pg_columns(columns_of(rows)), strict=True))
    assert [v[RECORD_COLUMNS.index("record_id")] for v in converted] == [
        uuid.UUID(str(r["record_id"])) for r in rows
    ]
    assert {v[RECORD_COLUMNS.index("batch_id")] for v in converted} == {uuid.UUID(batch_id)}


def _s10_textbook(serial: str) -> str:
    """UPU S10 check digit digit by digit, as the standard writes it (the reference)."""
    if len(serial) != 8 or not all("0" <= ch <= "9" for ch in serial):
        raise ValueError("S10 serial must be 8 digits")
    c = 11 - sum(int(ch) * w for ch, w in zip(serial, (8, 6, 4, 2, 3, 5, 9, 7), strict=True)) % 11
    return "0" if c == 10 else "5" if c == 11 else str(c)


@settings(max_examples=500, deadline=None)
@given(serial=st.integers(min_value=0, max_value=10**8 - 1) | st.text(max_size=10))
def test_s10_check_digit_equals_the_textbook_form(serial: int | str) -> None:
    from sealpost.domain.waybill_numbers import s10_check_digit

    text = f"{serial:08d}" if isinstance(serial, int) else serial
    try:
        expected: str | None = _s10_textbook(text)
    except ValueError:
        expected = None
    if expected is None:
        with pytest.raises(ValueError, match="8 digits"):
            s10_check_digit(text)
    else:
        assert s10_check_digit(text) == expected


def test_field_nonces_are_fresh_per_field_thread_and_forked_child() -> None:
    import os
    import threading

    from sealpost.adapters.crypto import field_cipher

    seen: list[bytes] = []
    for count in (1, 7, 5, 1000, 3, 2000, 7):  # crosses block refills and the oversize path
        block = field_cipher._random_nonces(count)
        assert len(block) == 12 * count
        seen += [block[i : i + 12] for i in range(0, len(block), 12)]
    others: list[bytes] = []
    worker = threading.Thread(target=lambda: others.append(field_cipher._random_nonces(50)))
    worker.start()
    worker.join()
    seen += [others[0][i : i + 12] for i in range(0, 600, 12)]
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child's first nonces must not be the parent's next ones
        os.write(write, field_cipher._random_nonces(4))
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read, 48)
    os.close(read)
    os.close(write)
    seen += [child[i : i + 12] for i in range(0, 48, 12)]
    mine = field_cipher._random_nonces(4)
    seen += [mine[i : i + 12] for i in range(0, 48, 12)]
    assert len(set(seen)) == len(seen)
