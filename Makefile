# The README's two commands: `make run` and `make test`. Both do all the set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test setup redis chromium lint typecheck imports unit integration e2e bench clean

run: $(STAMP) redis
	$(BIN)/liaison up

test: setup chromium lint typecheck imports
	$(BIN)/pytest

setup: $(STAMP) redis

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Liaison needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

redis:
	@sh scripts/ensure-redis.sh

# The board's browser test drives Debian's chromium through Playwright's pip wheel (no browser download).
chromium:
	@sh scripts/ensure-chromium.sh

lint:
	$(BIN)/ruff check .

typecheck:
	$(BIN)/mypy --strict

imports:
	$(BIN)/lint-imports

unit: setup
	$(BIN)/pytest tests/unit

integration: setup
	$(BIN)/pytest tests/integration tests/contract

e2e: setup chromium
	$(BIN)/pytest tests/e2e

bench: setup
	$(BIN)/liaison bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
