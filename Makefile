# The helpline's day-to-day commands. Everything runs from .venv, which the
# first target that needs it creates; it is reinstalled only when
# pyproject.toml changes (the stamp file below).
#
#   make dev      sandbox on http://127.0.0.1:8000, private Redis unless REDIS_URL is set
#   make test     lint, flow check and the whole test suite (PYTEST_ARGS='-k sms -x')
#   make lint     ruff format --check, ruff check, mypy
#   make format   rewrite the code the way lint wants it
#   make bench    every benchmark against its bare baseline: table and plot (BENCH_ARGS=--quick)
#   make soak     10 min at 100 texts/s: nothing lost, memory flat (SOAK_ARGS='--minutes 1 --json')
#   make clean    remove .venv and caches

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The first of these that is Python >= 3.11 (pyproject's requires-python);
# evaluated only when a venv has to be made. Override with PYTHON=/path/to/python.
PYTHON ?= $(shell for p in python3 python3.14 python3.13 python3.12 python3.11; do \
	"$$p" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 \
	&& { command -v "$$p"; break; }; done)

PYTEST_ARGS ?=
DEV_ARGS ?=
# Set by .ci/run: a tree with no tests yet (pytest's exit 5) is not a failure there.
ALLOW_NO_TESTS ?=

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help venv dev lint test format clean

help:
	@sed -n 's/^#   make/make/p' Makefile

venv: $(STAMP)

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
		echo "make: no python3 >= 3.11 found; install one or run make PYTHON=/path/to/python3.11" >&2; \
		exit 1; \
	fi
	@# A venv whose interpreter has gone (Python upgraded or removed) is made anew.
	@if ! $(BIN)/python -c '' >/dev/null 2>&1; then \
		echo "make: creating $(VENV) with $(PYTHON)"; \
		"$(PYTHON)" -m venv --clear $(VENV); \
	fi
	@echo "make: installing the project and its test extras into $(VENV)"
	$(BIN)/python -m pip install --quiet --editable '.[test]'
	@touch $@

dev: venv
	@# With REDIS_URL set, helpline uses that Redis and needs no redis-server here.
	@if [ -z "$${REDIS_URL:-}" ]; then scripts/ensure-system-deps; fi
	$(BIN)/helpline dev $(DEV_ARGS)

lint: venv
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

test: venv
	scripts/ensure-system-deps --browser
	@$(MAKE) --no-print-directory lint
	$(BIN)/helpline flows check flows/
	HELPLINE_FLOWS_DIR=flows $(BIN)/helpline flows test
	@rc=0; $(BIN)/pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ "$$rc" -eq 5 ] && [ -n "$(ALLOW_NO_TESTS)" ]; then \
		echo "make: pytest collected no tests; ALLOW_NO_TESTS is set, so that is not a failure"; \
		rc=0; \
	fi; \
	exit "$$rc"

BENCH_ARGS ?=
BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --editable '.[test,bench]'
	@touch $@

.PHONY: bench
bench: $(BENCH_STAMP)
	scripts/ensure-system-deps --bench
	$(BIN)/python -m bench $(BENCH_ARGS)

SOAK_ARGS ?=

.PHONY: soak
soak: venv
	scripts/ensure-system-deps
	$(BIN)/python -m bench.soak $(SOAK_ARGS)

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache tests/artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
