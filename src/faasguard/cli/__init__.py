"""The command line: arguments → config → engine → reporter → exit code.

One module per command (:mod:`~faasguard.cli.scan`, :mod:`~faasguard.cli.rules`,
:mod:`~faasguard.cli.iam`, :mod:`~faasguard.cli.data`, :mod:`~faasguard.cli.db`,
:mod:`~faasguard.cli.deps`, :mod:`~faasguard.cli.sbom`, :mod:`~faasguard.cli.logs`), errors,
exit codes and shared options in :mod:`~faasguard.cli.common`, the root app in
:mod:`~faasguard.cli.root`. Exit codes (:class:`~faasguard.errors.ExitCode`): 0 no finding
at or above ``--fail-on``; 1 findings at or above it; 2 usage error, or an input that could
not be loaded (the report still shows everything else).
"""

from __future__ import annotations

from faasguard.cli.root import app, main

__all__ = ["app", "main"]

if __name__ == "__main__":  # run as a file, e.g. the driver program of spark-submit
    main()
