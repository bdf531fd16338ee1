# detente: two commands set everything up on a fresh machine.
#   make demo   creates .venv, installs detente, prints the forecast of the built-in case
#   make test   creates or reuses .venv, installs the test tools, runs the tests, ruff, mypy
#               and the import-layer contracts (import-linter)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[web,survival]'
	touch $(RUN_STAMP)

# pygambit (test-gambit) builds from source: about 6 minutes the first time.
$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,all,test-gambit]'
	touch $(DEV_STAMP) $(RUN_STAMP)

demo: $(RUN_STAMP)
	$(BIN)/detente forecast ukraine-2024 --all
	$(BIN)/detente simulate ukraine-2024 --draws 2000 --seed 0
	$(BIN)/detente report ukraine-2024 -o build/ukraine-2024-report.html

test: $(DEV_STAMP)
	bash scripts/install_browser.sh
	$(BIN)/python -m pytest -n auto --dist loadgroup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(RUN_STAMP)
	$(BIN)/python benchmarks/bench_bdm.py
	$(BIN)/python benchmarks/bench_deu.py
	$(BIN)/python benchmarks/bench_war.py
	$(BIN)/python benchmarks/bench_sweep.py
	$(BIN)/python benchmarks/bench_checks.py
	$(BIN)/python benchmarks/bench_evaluation.py
	$(BIN)/python benchmarks/bench_forecast_cli.py

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
