"""``sealpost calls …`` on the embedded SQLite database."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from sealpost.cli.main import app


def test_pool_add_list_disable_purge(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"SEALPOST_DATA_DIR": str(tmp_path / "data"), "SEALPOST_DATABASE_URL": ""}
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    res = runner.invoke(
        app, ["calls", "pool", "add", "17000000001", "+86 170-0000-0002", "--city", "310115"], env=env
    )
    assert res.exit_code == 0, res.output
    assert orjson.loads(res.stdout.splitlines()[-1]) == {
        "city": "3101",
        "model": "axb",
        "added": 2,
        "given": 2,
    }
    res = runner.invoke(
        app, ["calls", "pool", "add", "02188880000", "--city", "3101", "--model", "axn"], env=env
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["calls", "pool", "list", "--city", "3101"], env=env)
    numbers = {p["number"]: p["model"] for p in orjson.loads(res.stdout.splitlines()[-1])}
    assert numbers == {"17000000001": "axb", "17000000002": "axb", "02188880000": "axn"}
    assert runner.invoke(app, ["calls", "pool", "disable", "17000000001"], env=env).exit_code == 0
    assert runner.invoke(app, ["calls", "pool", "disable", "17099999999"], env=env).exit_code == 1
    res = runner.invoke(app, ["calls", "pool", "add", "12345", "--city", "3101"], env=env)
    assert res.exit_code == 2
    assert "bad_number" in res.output
    res = runner.invoke(app, ["calls", "purge"], env=env)
    assert res.exit_code == 0, res.output
    assert orjson.loads(res.stdout.splitlines()[-1]) == {
        "released_expired": 0,
        "bindings_deleted": 0,
        "records_deleted": 0,
    }
