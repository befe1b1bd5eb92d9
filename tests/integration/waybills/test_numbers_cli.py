"""``sealpost org check`` and ``sealpost waybill-no …`` (the database commands on SQLite and PostgreSQL)."""

from __future__ import annotations

import orjson
import pytest
from typer.testing import CliRunner

from sealpost.cli.main import app
from sealpost.domain.waybill_numbers import validate_s10


def test_org_check() -> None:
    ok = CliRunner().invoke(app, ["org", "check", "91330100799655058B"])
    assert ok.exit_code == 0
    out = orjson.loads(ok.stdout)
    assert out["valid"] and out["authority_name"] == "工商" and out["region"] == "330100"
    bad = CliRunner().invoke(app, ["org", "check", "91330100799655058C"])
    assert bad.exit_code == 1 and orjson.loads(bad.stdout)["reason"] == "uscc_check"


@pytest.mark.parametrize(
    ("args", "code", "reason"),
    [
        (["EA123456785CN"], 0, "ok"),
        (["EA123456784CN"], 1, "waybill_check_digit"),
        (["78412345675", "--format", "iata_awb"], 0, "ok"),
        (["79927398713", "--pattern", r"(?P<body>\d{10})(?P<check>\d)", "--rule", "luhn"], 0, "ok"),
    ],
)
def test_waybill_check(args: list[str], code: int, reason: str) -> None:
    result = CliRunner().invoke(app, ["waybill-no", "check", *args])
    assert result.exit_code == code, result.output
    assert orjson.loads(result.stdout)["reason"] == reason


def test_waybill_check_usage_errors() -> None:
    assert CliRunner().invoke(app, ["waybill-no", "check", "X", "--format", "nope"]).exit_code == 2
    assert (
        CliRunner().invoke(app, ["waybill-no", "check", "X", "--pattern", "(", "--rule", "none"]).exit_code
        == 2
    )


RANGE = [
    "waybill-no",
    "range-add",
    "EMS",
    "--format",
    "upu_s10",
    "--prefix",
    "EA",
    "--suffix",
    "CN",
    "--width",
    "8",
]


def test_allocate_issue_and_list(db_url: str) -> None:
    runner = CliRunner(env={"SEALPOST_DATABASE_URL": db_url})
    add = runner.invoke(
        app,
        [*RANGE, "--start", "1", "--end", "10"],
    )
    assert add.exit_code == 0, add.output
    issued = runner.invoke(app, ["waybill-no", "issue", "EMS", "--count", "4", "--to", "outlet-1"])
    assert issued.exit_code == 0, issued.output
    numbers = orjson.loads(issued.stdout)["numbers"]
    assert len(numbers) == 4 and all(validate_s10(n).ok for n in numbers)
    listed = orjson.loads(runner.invoke(app, ["waybill-no", "ranges", "EMS"]).stdout)
    assert listed["ranges"][0]["remaining"] == 6
    overlap = runner.invoke(
        app,
        [*RANGE, "--start", "5", "--end", "20"],
    )
    assert overlap.exit_code == 1 and "waybill_range_overlap" in overlap.output
    exhausted = runner.invoke(app, ["waybill-no", "issue", "EMS", "--count", "7"])
    assert exhausted.exit_code == 1 and "waybill_range_exhausted" in exhausted.output
    fmt = runner.invoke(
        app,
        [
            "waybill-no",
            "format-set",
            "XK",
            "--code",
            "xk",
            "--pattern",
            r"(?P<body>9\d{10})(?P<check>\d)",
            "--rule",
            "luhn",
        ],
    )
    assert fmt.exit_code == 0, fmt.output
