"""Tokens of sample requests: the local estimate (``counter``), its calibration per tokenizer
family (``calibration``), and exact counts from the count_tokens API (``exact``)."""
