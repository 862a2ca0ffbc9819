"""Invoice reconciliation: the bill against the usage at the published (or contracted) rates
(``reconcile.py``), the diagnosis of a line outside tolerance (``diagnosis.py``) and the
negotiated contract (``contract.py``)."""
