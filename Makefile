# The two commands a newcomer needs: `make demo` and `make test` (README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
INSTALL_STAMP := $(VENV)/.ioc-installed

.PHONY: demo test install assets lint typecheck django-checks pytest bench messages clean

$(INSTALL_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

install: $(INSTALL_STAMP)

assets: $(INSTALL_STAMP)
	$(BIN)/python -m ioc.core.assets build

demo: assets
	PORT=$(PORT) $(BIN)/ioc demo

lint: $(INSTALL_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(INSTALL_STAMP)
	$(BIN)/mypy

django-checks: $(INSTALL_STAMP)
	$(BIN)/ioc check --fail-level WARNING
	$(BIN)/ioc makemigrations --check --dry-run

pytest: assets
	$(BIN)/python scripts/test_suites.py

test: lint typecheck django-checks pytest

bench: assets
	$(BIN)/python benchmarks/run_all.py

messages: $(INSTALL_STAMP)
	$(BIN)/ioc makemessages -l vi --no-obsolete --ignore=.venv --ignore=node_modules --ignore=assets --ignore=var
	$(BIN)/ioc compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) ioc/static/vendor assets/node_modules .mypy_cache .ruff_cache .pytest_cache
