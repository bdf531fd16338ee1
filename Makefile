# detente: two commands set everything up on a fresh machine.
#   make demo   creates .venv, installs detente, prints the built-in forecast
#   make test   creates or reuses .venv, runs the tests, ruff and mypy

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,test-gambit]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/detente forecast ukraine-2024 --all

test: $(STAMP)
	$(BIN)/python -m pytest
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_bdm.py
	$(BIN)/python benchmarks/bench_deu.py

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
