# sealpost: everything behind the README's two commands.
#   make run   install into .venv, migrate the embedded SQLite database, load demo data, serve
#   make test  install what tests need (Python deps, Chromium, a CJK font, poppler), start
#              PostgreSQL if it is down, then run the whole test suite, and the unit,
#              integration and ingest end-to-end tests again on the native (mypyc) build
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-runtime
STAMP_DEV := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test test-native native soak lint typecheck check system-deps services clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP_RUN): $(BIN)/python requirements/runtime.txt pyproject.toml
	$(BIN)/pip install --quiet -r requirements/runtime.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(STAMP_DEV): $(STAMP_RUN) requirements/dev.txt
	$(BIN)/pip install --quiet -r requirements/dev.txt
	touch $@

run: $(STAMP_RUN)
	$(BIN)/sealpost db upgrade
	$(BIN)/sealpost demo seed
	$(BIN)/sealpost serve --host $(HOST) --port $(PORT)

system-deps:
	@bash scripts/system-deps.sh

services:
	@bash scripts/ensure-services.sh

test: $(STAMP_DEV) system-deps services
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	$(MAKE) --no-print-directory test-native

# The native build: the hot-path modules of src/sealpost/native.py compiled with mypyc into a wheel
# (build/native/dist, the deployable artifact) and unpacked into build/native/site; run anything
# on it with PYTHONPATH=build/native/site (e.g. the ingest benchmark).
NATIVE_SITE := build/native/site
NATIVE_STAMP := $(NATIVE_SITE)/.built
NATIVE_SOURCES := $(shell find src/sealpost -name '*.py') setup.py pyproject.toml

native: $(NATIVE_STAMP)

$(NATIVE_STAMP): $(STAMP_DEV) $(NATIVE_SOURCES)
	rm -rf build/native build/lib.* build/temp.* build/__native*
	SEALPOST_NATIVE=1 $(BIN)/pip wheel --quiet --no-build-isolation --no-deps -w build/native/dist .
	$(BIN)/pip install --quiet --no-deps --target $(NATIVE_SITE) build/native/dist/sealpost-*.whl
	touch $@

# The unit, integration and ingest end-to-end tests again, on the native build (the same behaviour
# compiled); SEALPOST_EXPECT_NATIVE=1 makes tests/unit/records/test_native_build.py check that
# they really import the compiled modules.
NATIVE_TESTS ?= tests/unit tests/integration tests/e2e/test_bench_ingest_smoke.py tests/e2e/test_records_crash.py
# (Exit status 5, "no tests collected", is a pass: PYTEST_ARGS="-k …" may pick only tests outside
# NATIVE_TESTS.)
test-native: $(NATIVE_STAMP) system-deps services
	PYTHONPATH=$(NATIVE_SITE) SEALPOST_EXPECT_NATIVE=1 $(BIN)/python -m pytest $(NATIVE_TESTS) $(PYTEST_ARGS) \
		|| { rc=$$?; [ $$rc -eq 5 ] || exit $$rc; }

soak: $(STAMP_DEV) system-deps services
	$(BIN)/python -m pytest --soak -m soak $(PYTEST_ARGS)

lint: $(STAMP_DEV)
	$(BIN)/ruff check src tests setup.py
	$(BIN)/ruff format --check src tests setup.py

typecheck: $(STAMP_DEV)
	$(BIN)/mypy

check: lint typecheck test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build
