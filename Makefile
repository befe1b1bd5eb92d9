# sealpost: everything behind the README's two commands.
#   make run   install into .venv, migrate the embedded SQLite database, load demo data, serve
#   make test  install what tests need (Python deps, Chromium, a CJK font, poppler), start
#              PostgreSQL if it is down, then run the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-runtime
STAMP_DEV := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test soak lint typecheck check system-deps services clean

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

soak: $(STAMP_DEV) system-deps services
	$(BIN)/python -m pytest --soak -m soak $(PYTEST_ARGS)

lint: $(STAMP_DEV)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

typecheck: $(STAMP_DEV)
	$(BIN)/mypy

check: lint typecheck test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
