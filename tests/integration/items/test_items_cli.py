"""``sealpost items check`` / ``items categories`` / ``bench items``: JSON out, exit codes 0/3/4/2."""

from __future__ import annotations

import orjson
import pytest
from typer.testing import CliRunner

from sealpost.cli.main import app


@pytest.mark.parametrize(
    ("text", "code", "verdict"),
    [
        ("手槍", 4, "prohibited"),
        ("充電寶", 3, "restricted"),
        ("手枪钻", 0, "allowed"),
        ("连衣裙", 0, "allowed"),
    ],
)
def test_check_prints_json_and_exits_by_verdict(text: str, code: int, verdict: str) -> None:
    result = CliRunner().invoke(app, ["items", "check", text])
    assert result.exit_code == code, result.output
    out = orjson.loads(result.stdout)
    assert set(out) == {"verdict", "category", "category_name", "group", "term", "reason"}
    assert out["verdict"] == verdict


def test_check_in_english() -> None:
    result = CliRunner().invoke(app, ["items", "check", "冰 毒", "--lang", "en"])
    assert result.exit_code == 4
    out = orjson.loads(result.stdout)
    assert out["category"] == 12 and out["term"] == "冰毒" and "category 12" in out["reason"]


def test_usage_errors_exit_2() -> None:
    assert CliRunner().invoke(app, ["items", "check", "  "]).exit_code == 2
    assert CliRunner().invoke(app, ["items", "check"]).exit_code == 2


def test_categories() -> None:
    result = CliRunner().invoke(app, ["items", "categories"])
    assert result.exit_code == 0
    out = orjson.loads(result.stdout)
    assert [c["number"] for c in out["categories"]] == list(range(1, 20))
    assert {g["group"] for g in out["restricted_groups"]} >= {"lithium_batteries", "medicines"}


def test_bench_items_last_line_is_json() -> None:
    result = CliRunner().invoke(app, ["bench", "items", "--checks", "200"])
    assert result.exit_code == 0, result.output
    figures = orjson.loads(result.stdout.strip().splitlines()[-1])
    assert figures["checks"] == 200 and figures["cold_checks_per_s"] > 0
