"""``sealpost serve``, ``db upgrade``, ``version``, ``demo seed``."""

from __future__ import annotations

import typer

from sealpost import __version__
from sealpost.cli.output import fail, fail_with, print_json
from sealpost.cli.settings import load_settings
from sealpost.errors import SealpostError

db_app = typer.Typer(help="数据库 · database migrations", no_args_is_help=True)
demo_app = typer.Typer(help="演示数据 · demo data", no_args_is_help=True)


def version(
    build: bool = typer.Option(
        False, "--build", help="also say whether the hot path is compiled (make native) or pure Python"
    ),
) -> None:
    """Print the version."""
    typer.echo(__version__)
    if build:
        from sealpost.native import NATIVE_MODULES, compiled_modules

        compiled = len(compiled_modules())
        if compiled:
            typer.echo(
                f"原生构建 native build: {compiled}/{len(NATIVE_MODULES)} hot-path modules compiled (mypyc)"
            )
        else:
            typer.echo("纯 Python pure Python: the hot path is not compiled (make native builds it)")


def serve(
    host: str = typer.Option(None, help="bind address (default from SEALPOST_HOST, 127.0.0.1)"),
    port: int = typer.Option(None, help="port (default from SEALPOST_PORT, 8000)"),
    workers: int = typer.Option(None, help="worker processes (default from SEALPOST_WORKERS, 1)"),
) -> None:
    """Run the API and web pages (uvicorn)."""
    import uvicorn

    settings = load_settings()
    host = host or settings.host
    port = port or settings.port
    workers = workers or settings.workers
    shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104 - only used for the printed address
    typer.echo(f"sealpost {__version__} 已启动 · running — 打开 open: http://{shown}:{port}/")
    typer.echo(f"  API 文档 docs: http://{shown}:{port}/docs   数据目录 data: {settings.data_dir.resolve()}")
    uvicorn.run(
        "sealpost.api.app:create_served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration (SQLite in SEALPOST_DATA_DIR, or SEALPOST_DATABASE_URL)."""
    from sqlalchemy.exc import OperationalError

    from sealpost.adapters.db.migrate import upgrade

    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        upgrade(settings.effective_database_url)
    except OperationalError as exc:
        fail(f"数据库无法连接 cannot reach the database: {exc.orig}", 1)
    typer.echo("数据库已是最新 database is up to date")


@demo_app.command("seed")
def demo_seed() -> None:
    """Load demo data (idempotent)."""
    from sealpost.bootstrap import build_container
    from sealpost.dev.demo import seed_demo

    container = build_container(load_settings())
    try:
        summary = seed_demo(container)
    except SealpostError as exc:
        fail_with(exc)
    finally:
        container.close()
    print_json(summary)
