"""Python handler code: one index per code directory, shared by every analysis.

- :mod:`.index` parses each file once (:func:`parse_module`, :class:`PyModule`), reads its
  imports (:func:`parse_imports`) and resolves methods (:class:`ClassTable`);
- :mod:`.sdk_calls` finds every AWS SDK call (:func:`analyse`), evaluating names in
  :mod:`.sdk_scope` and boto3 objects in :mod:`.sdk_objects`;
- :mod:`.taint` follows attacker-controlled event data to sinks (the taint analyzer).
"""

from faasguard.code.python.index import (
    ClassTable,
    PyImport,
    PyModule,
    parse_imports,
    parse_module,
    walk_defs,
)
from faasguard.code.python.sdk_calls import AWS_WRAPPER_LIBRARIES, analyse

__all__ = [
    "AWS_WRAPPER_LIBRARIES",
    "ClassTable",
    "PyImport",
    "PyModule",
    "analyse",
    "parse_imports",
    "parse_module",
    "walk_defs",
]
