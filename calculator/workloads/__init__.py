"""Workloads and their scenarios: the cache assumption (``cache``)."""
