# Two commands do all the set-up on a machine with only python3 and make:
#   make demo   installs into .venv and opens the TUI on bundled demo data (offline)
#   make test   installs into .venv (with dev tools) and runs lint + the whole suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-dev

.PHONY: demo test lint unit install bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/triage demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/python -m pytest tests

test: lint
	$(BIN)/python -m pytest tests

bench: $(STAMP)
	$(BIN)/python -m bench.store
	$(BIN)/python -m bench.poll
	$(BIN)/python -m bench.tui

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist *.egg-info
