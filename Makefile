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

demo: $(VENV)/.installed
	$(VENV)/bin/xlcompliance assess

test: $(VENV)/.installed
	$(PY) -m pytest -q

bench: $(VENV)/.installed
	$(PY) benchmarks/run.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check xlcompliance tests benchmarks
