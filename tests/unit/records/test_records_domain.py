"""The collection record: parsing, validation reason codes, the receipt and its signed bytes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from records_support import WIRE_META
from sealpost.domain.labels import LabelContent
from sealpost.domain.merkle import MerkleTree, leaf_hash, verify_inclusion
from sealpost.domain.records import (
    REASONS,
    RecordError,
    RecordRules,
    attach_proof,
    batch_signing_message,
    build_receipt,
    canonical_json,
    declared_value_cny,
    format_time,
    parse_meta,
    parse_personal,
    proof_from_receipt,
    receipt_leaf_bytes,
    validate_record,
)

NOW = datetime(2026, 11, 28, 9, 30, 0, 123000, tzinfo=UTC)


@dataclass
class Verdict:
    verdict: str


RULES = RecordRules(
    county_ok=lambda c: c in {"110105", "310115"},
    waybill_ok=lambda company, no: no.startswith("EA"),
    phone_ok=lambda p: len(p) == 11,
    item_verdict=lambda name: Verdict("prohibited" if name == "雷管" else "allowed"),
)


def _wire(**overrides: Any) -> dict[str, Any]:
    return {**WIRE_META, **overrides}


def _reason(**overrides: Any) -> str | None:
    try:
        validate_record(parse_meta(_wire(**overrides)), RULES, NOW)
    except RecordError as exc:
        return exc.reason
    return None


def test_a_good_record_round_trips_its_wire_form() -> None:
    meta = parse_meta(_wire())
    assert _reason() is None
    assert meta.to_wire() == _wire()
    assert meta.uuid.version == 7


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"record_id": "0b1e2a8e-6a7d-4d0c-9a5b-2f1e3d4c5b6a"}, "record_id_invalid"),  # UUIDv4
        ({"record_id": 7}, "record_id_invalid"),
        ({"inspected": False}, "inspection_missing"),
        ({"inspected": "yes"}, "malformed"),
        ({"collected_at": "yesterday"}, "collected_at_invalid"),
        ({"collected_at": "2026-11-28T09:29:59"}, "collected_at_invalid"),  # no zone
        ({"collected_at": "0001-01-01T00:00:00+01:00"}, "collected_at_invalid"),  # before year 1 in UTC
        ({"collected_at": "9999-12-31T23:59:59-01:00"}, "collected_at_invalid"),  # after year 9999 in UTC
        ({"collected_at": format_time(NOW + timedelta(minutes=10))}, "collected_at_invalid"),
        ({"collected_at": format_time(NOW - timedelta(days=31))}, "collected_at_too_old"),
        ({"quantity": 0}, "quantity_invalid"),
        ({"quantity": True}, "quantity_invalid"),
        ({"weight_g": 2_000_000}, "weight_invalid"),
        ({"declared_value_fen": -1}, "declared_value_invalid"),
        ({"item_category": "军火"}, "item_category_invalid"),
        ({"item_name": "货号 13912345678"}, "item_name_invalid"),  # a phone typed into the item name
        ({"item_name": "x" * 61}, "item_name_invalid"),
        ({"sort_code": "上海-01"}, "sort_code_invalid"),
        ({"sender_kind": "friend"}, "sender_kind_invalid"),
        ({"identity_ref": None}, "identity_ref_missing"),
        ({"sender_kind": "agreement", "identity_ref": None}, "agreement_customer_invalid"),
        ({"destination_county": "999999"}, "county_invalid"),
        ({"waybill_no": "SF1234567890"}, "waybill_invalid"),
        ({"item_name": "雷管"}, "item_prohibited"),
        ({"company": "ems"}, "company_invalid"),
    ],
)
def test_each_rule_has_its_reason(overrides: dict[str, Any], reason: str) -> None:
    assert reason in REASONS
    assert _reason(**overrides) == reason


def test_personal_fields_parse_and_never_show_in_reprs() -> None:
    personal = parse_personal(
        {
            "sender": {"phone": "13800138000", "address": "北京市"},
            "recipient": {"name": "欧阳娜娜", "phone": "1", "address": "x"},
        }
    )
    assert personal.sender.name == ""
    assert "欧阳" not in repr(personal) and "13800138000" not in repr(personal.sender)
    with pytest.raises(RecordError):
        parse_personal({"sender": {}, "recipient": []})


def test_times_and_money_have_one_form() -> None:
    assert format_time(NOW) == "2026-11-28T09:30:00.123Z"
    assert (
        declared_value_cny(5000) == 50 and declared_value_cny(5990) == 59.9 and declared_value_cny(1) == 0.01
    )


def _receipt() -> dict[str, Any]:
    return build_receipt(
        parse_meta(_wire()),
        masked_sender={
            "name": "司马**",
            "phone": "*******8000",
            "address": "北京市朝阳区建国路**号院*号楼*单元****室",
        },
        masked_recipient={
            "name": "欧阳**",
            "phone": "*******5678",
            "address": "上海市浦东新区世纪大道****号*号楼****室",
        },
        received_at=NOW,
        label_ref="MFRGGZDFMZTWQ2LK",
        real_name=True,
    )


def test_the_receipt_is_printable_and_its_signed_bytes_are_canonical() -> None:
    receipt = _receipt()
    content = LabelContent.from_receipt(receipt, printed_at=NOW)  # the label printer accepts it
    assert content.waybill_no == "EA123456785CN"
    leaf = receipt_leaf_bytes(receipt)
    assert leaf == canonical_json(receipt) and leaf.startswith(b'{"collected_at":')
    assert b" " not in leaf.replace("图书音像".encode(), b"")
    signed = attach_proof(
        dict(receipt), MerkleTree([leaf_hash(leaf)]).proof(0), leaf_hash(leaf), "k", "Ed25519", b"s"
    )
    assert receipt_leaf_bytes(signed) == leaf  # proof and signature are not part of the leaf
    proof, root = proof_from_receipt(signed)
    assert verify_inclusion(leaf_hash(leaf), proof, root)
    assert batch_signing_message(root, 1).endswith(root + (1).to_bytes(8, "big"))
