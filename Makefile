# DFRAS developer and user entry points. Every target creates its own virtualenv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo test lint unit integration bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	PYTHON=$(PYTHON) VENV=$(VENV) bash scripts/bootstrap.sh
	touch $(STAMP)

## demo: generate a data set, ingest it into ./dfras.duckdb, print quality and a summary
demo: setup
	$(BIN)/dfras demo

## test: lint, types and the whole test suite (unit + integration)
test: setup
	bash scripts/test.sh

lint: setup
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest tests/unit -q

integration: setup
	$(BIN)/pytest tests/integration -q

## bench: the benchmarks under bench/ (results printed and written to bench/results/)
bench: setup
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) demo-data dfras.duckdb dfras.duckdb.wal .dfras-tmp .pytest_cache .mypy_cache .ruff_cache
