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
	$(BIN)/batchcalc usage examples/usage_report.json
	$(BIN)/batchcalc usage examples/batch_results.jsonl --on 2026-11-02
	# examples/cost_report.json has one planted discrepancy (batch input billed at the standard
	# rate): reconcile reports it and exits 3, which is the expected outcome here.
	$(BIN)/batchcalc reconcile examples/usage_report.json examples/cost_report.json || test $$? -eq 3

# The usage benchmark (issue 4): 10M generated Console rows vs pyarrow.csv.read_csv. Quick: ARGS="--rows 1000000".
bench: $(VENV)/.installed
	$(BIN)/python bench/usage_bench.py $(ARGS)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
