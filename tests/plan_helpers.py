"""Shared by the plan tests: a two-workload portfolio across a price change."""

# Sonnet 5.5's cache read fell from $0.20 to $0.10 (batch $0.10 -> $0.05) on 2026-10-07.
PORTFOLIO = """
    version: 1
    workloads:
      - name: cached
        model: claude-sonnet-5-5
        requests_per_month: 1001
        input_tokens: 2000
        output_tokens: 100
        shared_prefix_tokens: 1000
        cache_ttl: 1h
        cache_hit_rate: 1
        person_waiting: false
      - name: steady
        model: claude-sonnet-4-6
        requests_per_month: 1000
        input_tokens: 1000
        output_tokens: 100
        person_waiting: false
"""
