"""The enrolled sender's identity record: JSON round trip, masking, age."""

from __future__ import annotations

from datetime import date

import pytest

from sealpost.domain.senders import SenderIdentityData, document_label

IDENTITY = SenderIdentityData(
    doc_type="resident_id",
    number="11010519491231002X",
    name="欧阳娜娜",
    birth_date=date(1949, 12, 31),
    phone="13812345678",
    valid_to="长期",
    source="photo",
)


def test_json_round_trip_and_redacted_repr() -> None:
    assert SenderIdentityData.from_json(IDENTITY.to_json()) == IDENTITY
    assert "欧阳" not in repr(IDENTITY) and "1101" not in repr(IDENTITY)
    with pytest.raises(ValueError, match="schema"):
        SenderIdentityData.from_json('{"v": 99}')


def test_masked_view_is_what_a_courier_may_see() -> None:
    assert IDENTITY.masked() == {
        "name": "欧阳**",
        "document_type": "resident_id",
        "document_type_label": "居民身份证",
        "document_number": "1****************X",
        "phone": "*******5678",
    }
    assert document_label("unknown_type") == "unknown_type"


def test_adult_flag_follows_the_birthday() -> None:
    teen = SenderIdentityData("resident_id", "x", "张三", birth_date=date(2008, 6, 1))
    assert not teen.adult(date(2026, 5, 31))
    assert teen.adult(date(2026, 6, 1))
    assert teen.age(date(2026, 5, 31)) == 17
