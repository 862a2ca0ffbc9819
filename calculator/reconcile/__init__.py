"""Reconciling a bill: the contract terms an invoice is checked against (``contract``)."""
