# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
STAMP := $(VENV)/.installed-test

.PHONY: run test lint bench clean console-deps system-deps

$(VENV)/bin/pip:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# `make run` needs only the server; `make test` adds the test tools.
$(RUN_STAMP): pyproject.toml $(VENV)/bin/pip
	$(BIN)/pip install -q -e .
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml $(VENV)/bin/pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

run: $(RUN_STAMP) system-deps
	$(BIN)/authkeep serve

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

# pysaml2 signs and verifies XML with Debian's xmlsec1 (the reference implementation, not hand-rolled).
system-deps:
	command -v xmlsec1 >/dev/null || (apt-get update -qq && apt-get install -y -qq xmlsec1)

# The console's browser tests drive Debian's chromium (Playwright's own browser downloads are blocked).
console-deps: system-deps
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

test: $(STAMP) lint console-deps
	$(BIN)/pytest

bench: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) data
