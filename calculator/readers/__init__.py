"""Readers: every usage source into chunks of the canonical Usage frame (DESIGN.md 1), every
cost source into billed lines (costs.py lists those readers), and the sample requests of a workload.

    usage.py           open_usage: which kind each file is, read by the reader of that kind
    frame.py           the canonical Usage frame (Chunk, ReaderInfo) every usage reader yields
    detect.py          what a file is, from its first bytes (one detector for every input kind)
    batch_results.py   Message Batches results JSONL (only succeeded results are billed)
    admin_usage.py     Admin API usage report JSON (a page, a list of pages, a directory)
    admin_pages.py     the bucketed page envelope the Admin API usage and cost reports share
    analytics.py       saved Usage and Cost Analytics API responses (usage and cost)
    analytics_usage.py Usage and Cost Analytics API usage pages into the frame
    analytics_api.py   --from-api against the Analytics API (every page, --save-responses)
    console_usage.py   the Console usage CSV
    generic.py         any CSV with a --map column mapping
    parquet.py         Parquet usage (Console column names or the canonical ones)
    costs.py           open the cost exports (Admin, Analytics, Console cost CSV, invoice CSV) as BilledLines
    requests.py        sample requests (batch JSONL, JSON, CSV, text prompts) for count/plan/check
    _csv.py _records.py _policy.py   CSV blocks, record batches, bad rows (the policy of every reader)

Every reader opens its input through calculator/io.py (gzip, BOM, standard input and pipes read once).
"""
