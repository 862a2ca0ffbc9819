# The two commands of the README's quick start: `make demo` and `make test`.
# Everything is installed into .venv by this file; nothing is needed beyond python3 and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps re-run the install when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/batchcalc estimate --model claude-sonnet-4-6 --requests 10000 --input-tokens 2500 \
	    --output-tokens 200 --cached-prefix-tokens 2000 --cache-ttl 1h
	$(BIN)/batchcalc count examples/requests.jsonl --output-tokens 60 --scale-to 300000 --per month

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

# `batchcalc count` vs a plain tiktoken loop (100,000 requests) and peak memory on 256 MB.
bench: $(VENV)/.installed
	$(BIN)/python bench/count_bench.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
