# The two commands of the README: `make demo` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint unit bench clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py

lint: $(STAMP)
	$(PY) -m ruff check aiortc_transport tests examples docs/gen_api_docs.py
	$(PY) -m ruff format --check aiortc_transport tests examples docs/gen_api_docs.py
	$(PY) -m mypy
	$(PY) docs/gen_api_docs.py --check

unit: $(STAMP)
	sh tests/browser/install-chromium.sh
	$(PY) -m pytest -q tests --ignore=tests/bench

test: $(STAMP) lint unit

bench: $(STAMP)
	$(PY) -m pytest -q -s tests/bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
