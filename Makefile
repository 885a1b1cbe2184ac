# Two set-up commands on a fresh machine:  `make demo`  and  `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck install bench

$(BIN)/crossthink: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@# An editable install writes no bytecode, and under PYTHONDONTWRITEBYTECODE nothing
	@# ever does: every process (each Ray worker too) would compile the package again.
	$(BIN)/python -m compileall -q crossthink_data
	touch $(BIN)/crossthink

install: $(BIN)/crossthink

demo: install
	$(BIN)/crossthink demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python benchmarks/verifiers.py
	$(BIN)/python benchmarks/dedup.py
	$(BIN)/python benchmarks/curate.py
