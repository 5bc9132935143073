"""JavaScript and TypeScript handler code: one index per code directory, shared by every
analysis.

- :mod:`.index` parses each file once (:func:`parse_module`, :class:`JsModule`) and reads
  its imports and requires (:func:`module_specifier`, :func:`import_bindings`);
- :mod:`.sdk_calls` finds every AWS SDK call (:func:`analyse`), the calls of SDK objects
  in :mod:`.sdk_objects`;
- :mod:`.taint` follows attacker-controlled event data to sinks (the taint analyzer), an
  interpreter in layers: :mod:`.taint_values` (values, spec tables, helpers), :mod:`.taint_eval`
  (state, expressions), :mod:`.taint_guards`, :mod:`.taint_calls` (calls, sinks) and
  :mod:`.taint_exec` (statements, binding).
"""

from faasguard.code.javascript.index import (
    ImportBinding,
    JsModule,
    import_bindings,
    key_name,
    module_specifier,
    package_path,
    parse_module,
    required_specifier,
    string_text,
    text,
    walk,
)
from faasguard.code.javascript.sdk_calls import (
    AWS_WRAPPER_PACKAGES,
    analyse,
)

__all__ = [
    "AWS_WRAPPER_PACKAGES",
    "ImportBinding",
    "JsModule",
    "analyse",
    "import_bindings",
    "key_name",
    "module_specifier",
    "package_path",
    "parse_module",
    "required_specifier",
    "string_text",
    "text",
    "walk",
]
