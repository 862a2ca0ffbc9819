# The two commands of the README's quick start: `make demo` and `make test`.
# Everything is installed into .venv by this file; nothing is needed beyond python3 and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test fuzz bench bench-usage bench-report-usage clean

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

# The demo workload. The savings report (the plan of examples/workloads.yaml) is the page finance
# gets: open it in a browser.
DEMO_WORKLOAD := --model claude-sonnet-4-6 --requests 10000 --input-tokens 2500 \
	    --output-tokens 200 --cached-prefix-tokens 2000 --cache-ttl 1h

demo: $(VENV)/.installed
	$(BIN)/batchcalc estimate $(DEMO_WORKLOAD)
	$(BIN)/batchcalc plan examples/workloads.yaml
	$(BIN)/batchcalc count examples/requests.jsonl --output-tokens 60 --scale-to 300000 --per month
	$(BIN)/batchcalc usage examples/usage_report.json
	$(BIN)/batchcalc usage examples/batch_results.jsonl --on 2026-11-02
	# Before submitting: would the batch be accepted, and is its worst case within budget?
	# (check exits 4 when a file would be rejected or is over --max-cost; this one passes.)
	$(BIN)/batchcalc check examples/requests.jsonl --output-tokens 60 --max-cost 2
	# After: what each batch cost against standard rates and how it ran; the transient failures
	# and expired requests go to retry.jsonl (ids mapped back in retry.map.jsonl).
	$(BIN)/batchcalc batches examples/batches.json examples/msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d.jsonl \
	    examples/msgbatch_01JqXb4M8pRZt2wNcE7uYd3F.jsonl --requests examples/requests.jsonl --retry-to retry.jsonl
	# examples/cost_report.json has one planted discrepancy (batch input billed at the standard
	# rate): reconcile reports it and exits 3, which is the expected outcome here.
	$(BIN)/batchcalc reconcile examples/usage_report.json examples/cost_report.json || test $$? -eq 3
	# The same month as saved Usage and Cost Analytics API pages: the same totals, the same exit 3.
	$(BIN)/batchcalc usage examples/analytics
	$(BIN)/batchcalc reconcile examples/analytics || test $$? -eq 3
	# The Console exports as downloaded (hourly usage with batch rows; the cost CSV with split
	# charges, web-search rows and one planted discrepancy: batch input billed at the standard rate).
	$(BIN)/batchcalc usage examples/claude_api_tokens_2026_02_10_to_2026_02_11.csv
	$(BIN)/batchcalc reconcile examples/claude_api_tokens_2026_02_10_to_2026_02_11.csv \
	    examples/claude_api_cost_2026_02_10_to_2026_02_11.csv || test $$? -eq 3
	# The usage and the batches on one page: the results files of examples/batches.json make its
	# Batches part (turnaround, error rate, saving per batch), not usage a second time.
	$(BIN)/batchcalc report examples/usage_report.json examples/batches.json \
	    examples/msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d.jsonl examples/msgbatch_01JqXb4M8pRZt2wNcE7uYd3F.jsonl \
	    -o batches-report.html
	# The page finance gets: the plan, the sample requests, the usage and the invoice check on one
	# page. The planted discrepancy makes report exit 3 too (as reconcile), after writing the page.
	$(BIN)/batchcalc --quiet report examples/workloads.yaml examples/requests.jsonl \
	    examples/usage_report.json examples/cost_report.json --output-tokens 60 --scale-to 300000 \
	    --per month -o savings-report.html || test $$? -eq 3
	@echo "Savings report: $(abspath savings-report.html)"

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

# The readers fuzzed much longer than in `make test` (tests/readers/test_fuzz.py): FUZZ_EXAMPLES random
# inputs per reader, on every core, failing examples kept in .hypothesis/ and replayed first.
# make fuzz FUZZ_EXAMPLES=20000 for a night.
FUZZ_EXAMPLES ?= 2000
fuzz: $(VENV)/.installed-test
	BATCHCALC_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -n auto tests/readers/test_fuzz.py

# Benchmarks: the HTML report render vs JSON, and `batchcalc count` vs a plain tiktoken loop
# (100,000 requests) with its peak memory on 256 MB files; `batchcalc usage` and `batchcalc report`
# on a 10M-row Console usage CSV.
bench: $(VENV)/.installed
	$(BIN)/python bench/report_bench.py
	$(BIN)/python bench/count_bench.py
	$(BIN)/python bench/usage_bench.py $(ARGS)
	$(BIN)/python bench/report_usage_bench.py $(ARGS)

# The HTML report on a 10M-row usage export vs `batchcalc usage --format json` on it.
# Quick: make bench-report-usage ARGS="--rows 1000000".
bench-report-usage: $(VENV)/.installed
	$(BIN)/python bench/report_usage_bench.py $(ARGS)

# The usage benchmark alone: 10M generated Console rows vs pyarrow.csv.read_csv.
# Quick: make bench-usage ARGS="--rows 1000000".
bench-usage: $(VENV)/.installed
	$(BIN)/python bench/usage_bench.py $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
