"""Sample workloads into workload groups and their scenarios: tokens counted per request
(``count``), a workloads file (``workload_file``) planned (``plan``), the scenarios and their
cache assumption (``scenarios``, ``cache``)."""
