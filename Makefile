# Two commands do everything on a fresh machine that has only python3:
#   make demo   set up, generate a synthetic hospital, screen it, print the report paths
#   make test   set up and run the whole test suite
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
RUN := $(UV) run --frozen --no-sync
DEMO_DIR ?= var/demo
DEMO_AS_OF ?= 2026-11-24
DEMO_PATIENTS ?= 2000

.PHONY: help install browser demo test lint format bench airflow clean

help:
	@echo "make demo   - install, generate a synthetic hospital, screen it, print the reports"
	@echo "make test   - install and run the whole test suite"
	@echo "make lint   - ruff lint and format check"
	@echo "make bench  - performance benchmark (writes bench/results.json)"

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet uv

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-groups --python 3.11
	@touch $@

install: $(VENV)/.installed

# Headless Chromium for the review page tests (Debian package; never `playwright install`).
browser:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

demo: install
	$(RUN) screening demo --dir $(DEMO_DIR) --patients $(DEMO_PATIENTS) --as-of $(DEMO_AS_OF)

test: install browser
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) pytest $(PYTEST_ARGS)

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .

format: install
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

clean:
	rm -rf var .pytest_cache .ruff_cache
