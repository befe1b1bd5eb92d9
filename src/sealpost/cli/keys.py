"""``sealpost keys init | show | rotate``: the platform keyring (never prints private material)."""

from __future__ import annotations

import base64
from typing import Any

import typer

from sealpost.cli.output import fail, fail_with, print_json
from sealpost.cli.settings import load_settings
from sealpost.config import Settings
from sealpost.errors import SealpostError

app = typer.Typer(help="密钥管理 · platform keys (keyring, rotation)", no_args_is_help=True)


def _describe(settings: Settings) -> dict[str, Any]:
    from sealpost.adapters.crypto import Keyring, keyring_dir

    ring = Keyring.open(keyring_dir(settings), settings.keyring_passphrase.get_secret_value())
    return {
        "suite": ring.suite_name,
        "path": str(ring.path.resolve()),
        "active": {"kek": ring.kek_kid, "signing": ring.signing_kid, "sealing": ring.sealing_kid},
        "keys": [
            {
                "kid": info.kid,
                "purpose": info.purpose,
                "algorithm": info.algorithm,
                "public_key_b64": base64.b64encode(info.public).decode() if info.public is not None else None,
                "created_at": info.created_at.isoformat(),
                "retired_at": info.retired_at.isoformat() if info.retired_at else None,
            }
            for info in ring.describe()
        ],
    }


@app.command("init")
def init() -> None:
    """Create the keyring in SEALPOST_DATA_DIR/keyring (KEK, signing, sealing, blind-index keys)."""
    from sealpost.adapters.crypto import Keyring, keyring_dir

    settings = load_settings()
    directory = keyring_dir(settings)
    existed = Keyring.exists(directory)
    try:
        Keyring.open_or_create(
            directory, settings.keyring_passphrase.get_secret_value(), suite=settings.crypto_suite
        )
        out = _describe(settings)
    except SealpostError as exc:
        fail_with(exc, settings.lang)
    out["created"] = not existed
    typer.echo(
        ("密钥库已存在 keyring exists" if existed else "密钥库已创建 keyring created") + f": {directory}",
        err=True,
    )
    print_json(out)


@app.command("show")
def show() -> None:
    """Print the suite, key ids and public keys as JSON (never private keys)."""
    settings = load_settings()
    try:
        print_json(_describe(settings))
    except SealpostError as exc:
        fail_with(exc, settings.lang)


@app.command("rotate")
def rotate(
    kek: bool = typer.Option(False, "--kek", help="new key-encryption key; re-wraps every key and data key"),
    signing: bool = typer.Option(False, "--signing", help="new signing key; old signatures still verify"),
    sealing: bool = typer.Option(
        False, "--sealing", help="new sealing key; boxes sealed to the old one still open"
    ),
) -> None:
    """Rotate the KEK and/or the platform signing / sealing keys."""
    if not (kek or signing or sealing):
        fail("请至少指定一项 choose at least one of --kek, --signing, --sealing", 2)
    from sqlalchemy.exc import DBAPIError

    from sealpost.adapters.crypto import CryptoKit
    from sealpost.adapters.db.engine import make_engine

    settings = load_settings()
    if not (settings.data_dir / "keyring" / "keyring.json").exists():
        fail("密钥库不存在，请先运行 no keyring yet: run `sealpost keys init`", 1)
    engine = make_engine(settings.effective_database_url)
    result: dict[str, Any] = {}
    try:
        kit = CryptoKit.from_settings(settings, engine)
        if kek:
            result["old_kek"] = kit.keyring.kek_kid
            result["kek"] = kit.rotate_kek()
            result["data_keys_rewrapped"] = sum(
                1 for row in kit.fields.stored_keys() if row.wrapped is not None
            )
        if signing:
            result["old_signing"] = kit.keyring.signing_kid
            result["signing"] = kit.rotate_signing_key()
        if sealing:
            result["old_sealing"] = kit.keyring.sealing_kid
            result["sealing"] = kit.rotate_sealing_key()
    except SealpostError as exc:
        fail_with(exc, settings.lang)
    except DBAPIError as exc:
        fail(
            "数据库不可用或未迁移（请运行 sealpost db upgrade） "
            f"database unavailable or not migrated: {exc.orig}",
            1,
        )
    finally:
        engine.dispose()
    typer.echo("密钥已轮换 keys rotated", err=True)
    print_json(result)
