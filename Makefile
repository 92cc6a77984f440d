# Two set-up commands, each does everything on a fresh clone:
#   make demo   create .venv, install, run the main job on the bundled sample
#   make test   create .venv, install, run the whole test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test bench lint

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,notebook,dask]'
	touch $@

DEMO_EXPORT := build/demo-export

demo: $(VENV)/.installed
	$(VENV)/bin/xlcompliance assess
	@echo
	@echo "A classic seller-centre export (no channel, no listing dates, no sales, no scans) with its"
	@echo "products list and logistics records:"
	$(PY) -m xlcompliance.io.classic_sample $(DEMO_EXPORT)
	$(VENV)/bin/xlcompliance assess $(DEMO_EXPORT)/classic_orders.csv --products $(DEMO_EXPORT)/products.csv \
		--scans $(DEMO_EXPORT)/scans.csv --channel POP --history-from 2024-04-01 --as-of "2024-07-01 00:00"

test: $(VENV)/.installed
	$(PY) -m pytest -q

bench: $(VENV)/.installed
	$(PY) benchmarks/run.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check xlcompliance tests benchmarks
