"""``sealpost id check``, ``sealpost phone check`` and ``sealpost mask``: JSON shape and exit codes."""

from __future__ import annotations

import json
from datetime import date

import pytest
from identity_strategies import make_id
from typer.testing import CliRunner

from sealpost.cli import identity as identity_cli
from sealpost.cli.main import app
from sealpost.domain.identity.resident_id import age_on

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout


def run_json(*args: str) -> tuple[int, dict[str, object]]:
    code, out = run(*args)
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    return code, json.loads(lines[0])


def test_id_check_valid_resident_id_prints_the_full_object_and_exits_0() -> None:
    code, body = run_json("id", "check", "11010519491231002X")
    assert code == 0
    assert body == {
        "valid": True,
        "type": "resident_id",
        "normalized": "11010519491231002X",
        "message": "有效的居民身份证号码",
        "message_en": "a valid resident identity card number",
        "region": {"code": "110105", "province": "北京市", "city": None, "county": "朝阳区"},
        "birth_date": "1949-12-31",
        "sex": "F",
        "age": age_on(date(1949, 12, 31), identity_cli.today_in_china()),
    }


def test_id_check_invalid_exits_1_with_reason_and_message() -> None:
    code, body = run_json("id", "check", "440524188001010014")
    assert code == 1
    assert body["valid"] is False
    assert body["reason"] == "birth_date_before_1900"
    assert body["message"] == "出生日期早于1900年"
    assert "region" not in body


def test_id_check_first_generation_reports_the_conversion() -> None:
    code, body = run_json("id", "check", "110105491231002")
    assert code == 1
    assert (body["reason"], body["converted"]) == ("first_generation_not_accepted", "11010519491231002X")


def test_id_check_with_type() -> None:
    code, body = run_json("id", "check", "E12345678", "--type", "foreign_passport")
    assert (code, body["valid"], body["type"]) == (0, True, "foreign_passport")
    assert "reason" not in body
    code, body = run_json("id", "check", "E12345678")
    assert (code, body["reason"], body["type"]) == (1, "unknown_document_type", None)


def test_id_check_abolished_code_is_valid() -> None:
    code, body = run_json("id", "check", make_id("110103", date(1980, 1, 1), 15))
    assert code == 0
    assert body["region"] == {"code": "110103", "province": "北京市", "city": None, "county": "崇文区"}


def test_id_check_english_messages() -> None:
    code, body = run_json("id", "check", "110105194912310021", "--lang", "en")
    assert (code, body["reason"]) == (1, "invalid_check_digit")
    assert body["message"] == body["message_en"]
    _, body = run_json("id", "check", "110105194912310021")
    assert body["message"] != body["message_en"]


@pytest.mark.parametrize(
    "args",
    [
        ("id", "check"),  # missing NUMBER
        ("id", "check", "11010519491231002X", "--type", "library_card"),
        ("id", "check", "11010519491231002X", "--lang", "fr"),
        ("phone", "check"),
        ("mask", "张三"),  # --kind is required
        ("mask", "--kind", "email", "a@b.c"),
        ("mask", "--kind", "name", "张三", "--style", "fancy"),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    code, out = run(*args)
    assert code == 2
    assert out == ""


def test_phone_check_valid_and_invalid() -> None:
    code, body = run_json("phone", "check", "+86 138-1234-5678")
    assert code == 0
    assert {k: body[k] for k in ("valid", "normalized", "kind", "carrier")} == {
        "valid": True,
        "normalized": "13812345678",
        "kind": "mobile",
        "carrier": "china_mobile",
    }
    assert "reason" not in body
    code, body = run_json("phone", "check", "15412345678")
    assert (code, body["valid"], body["reason"], body["carrier"]) == (
        1,
        False,
        "unallocated_mobile_range",
        None,
    )
    code, body = run_json("phone", "check", "010-62345678")
    assert (code, body["kind"], body["carrier"], body["area_code"]) == (0, "landline", None, "010")


@pytest.mark.parametrize(
    ("args", "printed"),
    [
        (("--kind", "name", "欧阳娜娜"), "欧阳**"),
        (("--kind", "name", "欧阳娜娜", "--style", "smile"), "欧阳^_^"),
        (("--kind", "phone", "13812345678"), "*******5678"),
        (("-k", "phone", "13812345678", "-s", "smile"), "^_^5678"),
        (("--kind", "id", "11010519491231002X"), "1****************X"),
        (
            ("--kind", "address", "北京市朝阳区建国路88号院3号楼2单元1203室"),
            "北京市朝阳区建国路**号院*号楼*单元****室",
        ),
    ],
)
def test_mask_prints_the_masked_value(args: tuple[str, ...], printed: str) -> None:
    code, out = run("mask", *args)
    assert (code, out) == (0, printed + "\n")
