"""Build of the optional native helpers (everything else is in pyproject.toml).

``faasguard.logs._scan`` is a small C extension (no dependencies beyond CPython) that splits
and classifies log lines in one pass, and reads CloudWatch Logs subscription payloads
(``_scan_json.c``). It is optional: without a C compiler the build prints
a warning and goes on, and ``faasguard logs`` uses its numpy path, which gives the same
results (``tests/logs/test_logs_native.py``), only slower.

``faasguard.payloads._decode`` (same terms) computes ``faasguard.payloads.decode.normalize``;
without it the pure-Python decoder gives the same normal forms
(``tests/payloads/test_decode_native.py``), only slower. It also calls libinjection's C
functions in the user's installed ``libinjection`` module (resolved at run time; no link-time
dependency), the wrapper's Python functions being used without it
(``tests/payloads/test_libinjection_native.py``).
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
        ),
        Extension(
            "faasguard.payloads._decode",
            ["src/faasguard/payloads/_decode.c"],
            optional=True,
            extra_compile_args=["-O2"],
        ),
    ]
)
