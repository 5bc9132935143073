"""Static analysis of function handler code. Nothing here imports, runs or evaluates it.

- :mod:`faasguard.code.modules` finds a function's handler file from ``Function.code`` and
  ``Function.handler`` and resolves imports/requires inside the function's code directory;
- :mod:`faasguard.code.python` (standard :mod:`ast`) and :mod:`faasguard.code.javascript`
  (tree-sitter) hold one code index per language (``index``: every file parsed once, its
  imports, classes and methods) and the analyses over it: ``sdk_calls`` (a small abstract
  interpreter that follows AWS SDK clients through variables, attributes, helpers,
  factories and modules) and ``taint`` (trigger-aware taint tracking);
- :mod:`faasguard.code.taint` is the language-neutral part of taint tracking (flows,
  sources per trigger, dispatch, the sink specification loader);
- :mod:`faasguard.code.regex` is the ReDoS check both taint engines use;
- :mod:`faasguard.code.values` holds the symbolic values the front ends share (strings built
  from literals and environment variables);
- :mod:`faasguard.code.sdk_calls` is the entry point: every AWS SDK call a function's code
  can make, with its resource arguments, and what could not be analysed.
"""
