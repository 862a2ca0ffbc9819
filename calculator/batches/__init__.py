"""Message Batches before and after: the pre-submit check (``check``), what each batch cost and
how it ran (``results``, with ``api`` for ``--from-api``), and the resubmission file (``retry``)."""
