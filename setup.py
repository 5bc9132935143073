"""Build of the optional native log scanner (everything else is in pyproject.toml).

``faasguard.logs._scan`` is a small C extension (no dependencies beyond CPython) that splits
and classifies log lines in one pass, and reads CloudWatch Logs subscription payloads
(``_scan_json.c``). It is optional: without a C compiler the build prints
a warning and goes on, and ``faasguard logs`` uses its numpy path, which gives the same
results (``tests/logs/test_logs_native.py``), only slower.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "faasguard.logs._scan",
            ["src/faasguard/logs/_scan.c", "src/faasguard/logs/_scan_json.c"],
            depends=["src/faasguard/logs/_scan.h"],
            optional=True,
            extra_compile_args=["-O2"],
        )
    ]
)
