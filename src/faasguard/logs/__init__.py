"""Log analytics over Lambda and CloudTrail logs (practices P5 and P6).

The pipeline is columnar from end to end::

    ingest (containers → line blocks) → parse (Arrow record batches)
        → detectors (per batch, mergeable partial state) → finish (DuckDB windows, baselines)
        → alerts → :class:`faasguard.findings.Report`

``parse`` and ``detectors`` only see Arrow batches, so the same code runs inside the
embedded engine (a process per core) and, later, inside Spark ``mapInArrow``; partial states
are picklable and merge associatively.
"""
