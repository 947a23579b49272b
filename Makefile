# One-command tasks. `make demo` and `make test` each set up .venv on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q

.PHONY: demo test lint typecheck importlint pytest bench clean

$(VENV)/.base: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -U pip
	$(PIP) install -e .
	touch $@

$(VENV)/.dev: $(VENV)/.base
	$(PIP) install -e '.[dev]'
	touch $@

## Run the demo on the embedded default (SQLite) in ./demo
demo: $(VENV)/.base
	$(VENV)/bin/peerweave demo

## The whole suite: format, lint, types, import contracts, tests and doctests
test: $(VENV)/.dev lint typecheck importlint pytest

lint: $(VENV)/.dev
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/ruff check src tests bench

typecheck: $(VENV)/.dev
	$(VENV)/bin/mypy

importlint: $(VENV)/.dev
	$(VENV)/bin/lint-imports

pytest: $(VENV)/.dev
	$(VENV)/bin/pytest -n 2

## Benchmarks (not tests): each prints its figures and the ratio to its peer
bench: $(VENV)/.dev
	$(PIP) install -e '.[bench]'
	$(PY) bench/ingest.py
	$(PY) bench/synthetic.py --out bench/.cache/synthetic
	$(PY) bench/network.py
	$(PY) bench/spread.py
	$(PY) bench/spread.py --imm --large
	$(PY) bench/learning.py

clean:
	rm -rf $(VENV) demo build *.egg-info .pytest_cache .mypy_cache .ruff_cache
