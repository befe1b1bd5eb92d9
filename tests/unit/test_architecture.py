"""The domain core stays pure: no web, database, crypto, HTTP or imaging library imports."""

from __future__ import annotations

import ast
from pathlib import Path

import sealpost

FORBIDDEN = (
    "fastapi",
    "starlette",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "cryptography",
    "httpx",
    "PIL",
    "onnxruntime",
    "rapidocr_onnxruntime",
    "cv2",
    "reportlab",
    "segno",
    "zxingcpp",
    "redis",
    "nats",
    "uvicorn",
    "typer",
)
DOMAIN = Path(sealpost.__file__).parent / "domain"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_domain_imports_no_framework_or_library_of_the_edges() -> None:
    offenders = {
        str(path.relative_to(DOMAIN)): sorted(_imports(path) & set(FORBIDDEN))
        for path in DOMAIN.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_domain_imports_no_adapter_service_or_entry_point() -> None:
    outward = ("sealpost.adapters", "sealpost.api", "sealpost.cli", "sealpost.services", "sealpost.web")
    for path in DOMAIN.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(outward), f"{path}: imports {node.module}"
