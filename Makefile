# Two commands for a fresh machine with Python 3.13 and make: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON313 ?= $(shell command -v python3.13 2>/dev/null || { p=$$(pyenv prefix 3.13.0 2>/dev/null) && echo $$p/bin/python; } || ls ~/.pyenv/versions/3.13*/bin/python3.13 2>/dev/null | head -1)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_LIB := $(PY) -m pytest -p no:homeassistant
PYTEST_HA := $(PY) -m pytest

.PHONY: help venv test lint typecheck test-lib test-ha run bench acceptance clean

help:
	@echo "make run    Home Assistant with the integration against a simulated Envoy (http://localhost:8123)"
	@echo "make test   ruff, mypy --strict and the whole test suite"
	@echo "make bench  device-load benchmark: iqgateway vs pyenphase against the simulator"

$(STAMP): pyproject.toml requirements-ha.txt
	@test -n "$(PYTHON313)" || { echo "Python 3.13 not found: install it or set PYTHON313=/path/to/python3.13"; exit 1; }
	@test -x $(PY) || $(PYTHON313) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-ha.txt -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests custom_components bench scripts

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# pytest exits 5 when it collected nothing: an empty selection must not pass silently.
define run_pytest
	$(1) $(2); rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests in $(2)"; exit 1; fi; exit $$rc
endef

test-lib: $(STAMP)
	@$(call run_pytest,$(PYTEST_LIB) -q --cov --cov-report=,tests/lib tests/simulator)

test-ha: $(STAMP)
	@$(call run_pytest,$(PYTEST_HA) -q --cov --cov-append --cov-report=term:skip-covered,tests/ha)

test: lint typecheck test-lib test-ha

run: $(STAMP)
	$(PY) scripts/run.py

bench: $(STAMP)
	$(PY) bench/run.py

acceptance: $(STAMP)
	../shared/acceptance/checks/library-reads-captures
	../shared/acceptance/checks/simulator-replays-captures

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .coverage
