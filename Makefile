# The README's two commands: `make run` and `make test`. Both do all the set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test setup redis chromium node lint typecheck imports unit integration e2e bench mutate clean

run: $(STAMP) redis
	$(BIN)/liaison up

# Two workers (pytest-xdist): most tests wait on processes and sockets, so the suite takes about two thirds
# of its serial time on two cores (docs/testing.md); every test still starts its own servers on free ports.
test: setup chromium node lint typecheck imports
	$(BIN)/pytest -n 2

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

# The board's browser test drives Debian's chromium through Playwright's pip wheel (no browser download);
# the board shows Chinese text, and without a CJK font its screenshots would show empty boxes.
chromium:
	@sh scripts/ensure-debian-package.sh chromium chromium "the board's browser tests"
	@sh scripts/ensure-debian-package.sh fonts-wqy-microhei /usr/share/fonts/truetype/wqy/wqy-microhei.ttc "the board's Chinese text"

# The outside verifier's test runs scripts/verify-log.mjs under Debian's nodejs (docs/log-format.md).
node:
	@sh scripts/ensure-debian-package.sh nodejs node "the outside log verifier's test (LIAISON_SKIP_NODE=1 skips it)"

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

e2e: setup chromium node
	$(BIN)/pytest tests/e2e

bench: setup
	$(BIN)/liaison bench

# Mutation testing (docs/testing.md), each pass in a copy of the code: mutmut over the deciders, the
# victim-safety gates, the deadlines and the intake limits with the unit tests that reach them (in
# mutants/), then the append script's checks against the contract suite (scripts/mutate_lua.py).
mutate: setup
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2
	$(BIN)/mutmut results --all true | awk -F': ' '{m = $$1; sub(/^ +/, "", m); sub(/\.x(_|ǁ).*/, "", m); \
		n[m " " $$2]++; t[$$2]++} END {for (k in n) print k ": " n[k]; for (s in t) print "all " s ": " t[s]}' | sort
	$(BIN)/python scripts/mutate_lua.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
