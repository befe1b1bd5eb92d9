"""Build hook: with ``SEALPOST_NATIVE=1`` (``make native``), compile the hot-path modules that
``src/sealpost/native.py`` lists with mypyc; otherwise a pure-Python package (all metadata is in
``pyproject.toml``)."""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def native_modules() -> list[str]:
    """``NATIVE_MODULES`` of ``src/sealpost/native.py``, read without importing the package."""
    tree = ast.parse((HERE / "src/sealpost/native.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "NATIVE_MODULES":
            assert node.value is not None
            return list(ast.literal_eval(node.value))
    raise RuntimeError("NATIVE_MODULES not found in src/sealpost/native.py")


def ext_modules() -> list[Any]:
    if os.environ.get("SEALPOST_NATIVE") != "1":
        return []
    from mypyc.build import mypycify

    sources = ["src/" + name.replace(".", "/") + ".py" for name in native_modules()]
    return list(mypycify(sources, opt_level="3"))


if __name__ == "__main__":  # setuptools runs this file as __main__
    from setuptools import setup

    setup(ext_modules=ext_modules())
