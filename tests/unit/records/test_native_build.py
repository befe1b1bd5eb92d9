"""The native build (``make native``): the modules it compiles exist, and the test run that
``make test`` makes on that build really runs compiled code (``SEALPOST_EXPECT_NATIVE=1``)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from sealpost.native import NATIVE_MODULES, compiled_modules

EXPECT_NATIVE = os.environ.get("SEALPOST_EXPECT_NATIVE") == "1"


def test_every_listed_module_has_its_python_source() -> None:
    assert len(set(NATIVE_MODULES)) == len(NATIVE_MODULES)
    for name in NATIVE_MODULES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, name
        # the source ships beside a compiled module, so both builds keep it
        assert Path(spec.origin).with_name(name.rsplit(".", 1)[1] + ".py").is_file(), name


def test_setup_compiles_exactly_the_listed_modules() -> None:
    setup_py = Path(__file__).resolve().parents[3] / "setup.py"
    spec = importlib.util.spec_from_file_location("sealpost_setup_script", setup_py)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)  # not as __main__: defines its functions, builds nothing
    assert tuple(script.native_modules()) == NATIVE_MODULES
    assert script.ext_modules() == []  # without SEALPOST_NATIVE=1: a pure-Python package


@pytest.mark.skipif(not EXPECT_NATIVE, reason="only on the native build (make test-native)")
def test_the_native_run_imports_every_listed_module_compiled() -> None:
    assert compiled_modules() == list(NATIVE_MODULES)


@pytest.mark.skipif(EXPECT_NATIVE, reason="the development install is pure Python")
def test_the_development_install_is_pure_python() -> None:
    assert compiled_modules() == []
