"""Every accepted document type: valid and invalid numbers, detection, reason codes and messages."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from identity_strategies import TODAY, birth_dates, make_id, sequences

from sealpost.domain.identity import REASONS, DocumentType, check_document, detect_document_type
from sealpost.domain.identity.documents import DOCUMENT_LABELS, normalize_document_number
from sealpost.domain.identity.resident_id import check_character

T = DocumentType


def verdict(number: str, doc_type: DocumentType | None = None) -> tuple[bool, str | None, str | None]:
    result = check_document(number, doc_type, today=TODAY)
    return result.valid, result.doc_type.value if result.doc_type else None, result.reason


def _fpr_2023() -> str:
    body = "91156019880808001"  # 9 + digits; the MOD 11-2 check closes it
    return body + check_character(body)


def _wrong_check(number: str) -> str:
    return number[:-1] + ("1" if number[-1] != "1" else "2")


VALID = [
    # (number, declared type or None for detection, expected type)
    ("11010519491231002X", None, T.RESIDENT_ID),
    ("11010519491231002X", T.TEMPORARY_RESIDENT_ID, T.TEMPORARY_RESIDENT_ID),
    (make_id("810000", date(1990, 1, 1), 123), None, T.HMT_RESIDENCE_PERMIT),
    (make_id("820000", date(1985, 7, 9), 42), None, T.HMT_RESIDENCE_PERMIT),
    (make_id("830000", date(2001, 12, 31), 7), T.HMT_RESIDENCE_PERMIT, T.HMT_RESIDENCE_PERMIT),
    ("H12345678", None, T.HK_MACAO_TRAVEL_PERMIT),
    ("M1234567802", None, T.HK_MACAO_TRAVEL_PERMIT),
    ("h 1234 5678 00", None, T.HK_MACAO_TRAVEL_PERMIT),
    ("12345678", None, T.TAIWAN_TRAVEL_PERMIT),
    ("0123456789B", None, T.TAIWAN_TRAVEL_PERMIT),
    ("0123456789(B)", T.TAIWAN_TRAVEL_PERMIT, T.TAIWAN_TRAVEL_PERMIT),
    ("0123456789", T.TAIWAN_TRAVEL_PERMIT, T.TAIWAN_TRAVEL_PERMIT),
    ("E12345678", T.FOREIGN_PASSPORT, T.FOREIGN_PASSPORT),
    ("x1234", T.FOREIGN_PASSPORT, T.FOREIGN_PASSPORT),
    ("123456789", T.FOREIGN_PASSPORT, T.FOREIGN_PASSPORT),
    ("USA123456789012", None, T.FOREIGN_PERMANENT_RESIDENT_ID),
    (_fpr_2023(), None, T.FOREIGN_PERMANENT_RESIDENT_ID),
    ("军字第12345678号", None, T.MILITARY_ID),
    ("南字第123456号", None, T.MILITARY_ID),
    ("12345678", T.MILITARY_ID, T.MILITARY_ID),
    ("武字第2345678号", None, T.ARMED_POLICE_ID),
    ("武A123456", T.ARMED_POLICE_ID, T.ARMED_POLICE_ID),
]


@pytest.mark.parametrize(("number", "declared", "expected"), VALID)
def test_valid_numbers_of_every_type(
    number: str, declared: DocumentType | None, expected: DocumentType
) -> None:
    result = check_document(number, declared, today=TODAY)
    assert result.valid, (number, result.reason)
    assert result.doc_type is expected
    assert result.reason is None
    label = DOCUMENT_LABELS[expected]
    assert result.message.zh == f"有效的{label.zh}号码"
    assert "reason" not in result.as_dict()


@pytest.mark.parametrize(
    ("number", "declared", "reason"),
    [
        ("11010519491231002X", T.HMT_RESIDENCE_PERMIT, "not_residence_permit_number"),
        (
            _wrong_check(make_id("810000", date(1990, 1, 1), 123)),
            T.HMT_RESIDENCE_PERMIT,
            "invalid_check_digit",
        ),
        (make_id("810000", date(1890, 1, 1), 123), T.HMT_RESIDENCE_PERMIT, "birth_date_before_1900"),
        (make_id("810000", date(2030, 1, 1), 123), T.HMT_RESIDENCE_PERMIT, "birth_date_in_future"),
        ("8100001990010112", T.HMT_RESIDENCE_PERMIT, "invalid_length"),
        (make_id("810000", date(1990, 1, 1), 5), T.RESIDENT_ID, "hmt_residence_permit_number"),
        ("H1234567", T.HK_MACAO_TRAVEL_PERMIT, "invalid_length"),
        ("H123456789", T.HK_MACAO_TRAVEL_PERMIT, "invalid_length"),
        ("K12345678", T.HK_MACAO_TRAVEL_PERMIT, "invalid_format"),
        ("H1234567A0", T.HK_MACAO_TRAVEL_PERMIT, "invalid_length"),
        ("H12345678A0", T.HK_MACAO_TRAVEL_PERMIT, "invalid_format"),
        ("1234567", T.TAIWAN_TRAVEL_PERMIT, "invalid_length"),
        ("1234567A", T.TAIWAN_TRAVEL_PERMIT, "invalid_format"),
        ("0123456789BB", T.TAIWAN_TRAVEL_PERMIT, "invalid_length"),
        ("A012345678B", T.TAIWAN_TRAVEL_PERMIT, "invalid_format"),
        ("E123", T.FOREIGN_PASSPORT, "invalid_length"),
        ("E12345678901234567", T.FOREIGN_PASSPORT, "invalid_length"),
        ("E1234567<", T.FOREIGN_PASSPORT, "invalid_characters"),
        ("ABCDEFGH", T.FOREIGN_PASSPORT, "invalid_format"),  # no digit at all
        ("US1123456789012", T.FOREIGN_PERMANENT_RESIDENT_ID, "invalid_format"),
        ("USA12345678901", T.FOREIGN_PERMANENT_RESIDENT_ID, "invalid_length"),
        (_wrong_check(_fpr_2023()), None, "invalid_check_digit"),
        ("811560198808080011", T.FOREIGN_PERMANENT_RESIDENT_ID, "invalid_format"),  # must start with 9
        ("军字第123号", T.MILITARY_ID, "invalid_length"),
        ("军字第1234567890123号", T.MILITARY_ID, "invalid_length"),
        ("军字第ABCDEFG号", T.MILITARY_ID, "invalid_format"),
        ("军字第12345678号!", T.MILITARY_ID, "invalid_characters"),
        ("武字第12号", T.ARMED_POLICE_ID, "invalid_length"),
        ("", T.FOREIGN_PASSPORT, "empty"),
    ],
)
def test_invalid_numbers_of_every_type_say_why(
    number: str, declared: DocumentType | None, reason: str
) -> None:
    result = check_document(number, declared, today=TODAY)
    assert (result.valid, result.reason) == (False, reason)
    assert result.message == REASONS[reason]
    assert result.as_dict()["reason"] == reason


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("11010519491231002X", T.RESIDENT_ID),
        ("110105491231002", T.RESIDENT_ID),
        ("11010519491231002A", T.RESIDENT_ID),  # wrong, but an 18-character number defaults to the ID
        ("810000199001011230", T.HMT_RESIDENCE_PERMIT),
        ("911560198808080011", T.FOREIGN_PERMANENT_RESIDENT_ID),
        ("USA123456789012", T.FOREIGN_PERMANENT_RESIDENT_ID),
        ("H12345678", T.HK_MACAO_TRAVEL_PERMIT),
        ("M1234567801", T.HK_MACAO_TRAVEL_PERMIT),
        ("12345678", T.TAIWAN_TRAVEL_PERMIT),
        ("0123456789B", T.TAIWAN_TRAVEL_PERMIT),
        ("军12345678", T.MILITARY_ID),
        ("海字第123456号", T.MILITARY_ID),
        ("武12345678", T.ARMED_POLICE_ID),
        ("E12345678", None),  # passports are never guessed
        ("0123456789", None),  # 10 digits alone: booklet permit or passport
        ("ABCDEF", None),
    ],
)
def test_detection_only_where_the_layout_is_unambiguous(number: str, expected: DocumentType | None) -> None:
    assert detect_document_type(normalize_document_number(number)) is expected


def test_undetectable_number_asks_for_the_type() -> None:
    assert verdict("E12345678") == (False, None, "unknown_document_type")


def test_unknown_type_name_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="not a valid DocumentType"):
        check_document("123", "library_card", today=TODAY)


def test_type_may_be_given_by_its_string_value() -> None:
    assert verdict("E12345678", "foreign_passport") == (True, "foreign_passport", None)  # type: ignore[arg-type]


def test_residence_permit_derives_birth_sex_age_and_home_region() -> None:
    result = check_document(make_id("830000", date(1990, 4, 5), 13), today=TODAY).as_dict()
    assert result["region"] == {"code": "830000", "province": "台湾地区", "city": None, "county": None}
    assert (result["birth_date"], result["sex"], result["age"]) == ("1990-04-05", "M", 36)
    assert result["details"] == {"issued_to": "TW"}


def test_hk_macao_permit_details() -> None:
    result = check_document("M1234567803", today=TODAY)
    assert dict(result.details) == {"issued_to": "MO", "lifelong_number": "M12345678", "renewal_count": 3}


@given(st.sampled_from(["810000", "820000", "830000"]), birth_dates, sequences)
def test_generated_residence_permits_are_valid(code: str, born: date, seq: int) -> None:
    result = check_document(make_id(code, born, seq), today=TODAY)
    assert result.valid
    assert result.doc_type is T.HMT_RESIDENCE_PERMIT


@given(st.text(max_size=40), st.sampled_from([None, *DocumentType]))
def test_check_document_never_raises_and_always_explains(raw: str, declared: DocumentType | None) -> None:
    result = check_document(raw, declared, today=TODAY)
    assert result.valid == (result.reason is None)
    if result.reason is not None:
        assert result.reason in REASONS
    assert result.message.zh
    assert result.message.en


def test_normalisation_rules() -> None:
    assert normalize_document_number("ｈ１２３４５６７８") == "H12345678"
    assert normalize_document_number(" 110105-19491231-002x ") == "11010519491231002X"
    assert normalize_document_number("0123456789（b）") == "0123456789B"


def test_every_reason_has_both_languages() -> None:
    for code, text in REASONS.items():
        assert code.islower()
        assert " " not in code
        assert text.zh
        assert text.en
