"""DEP rules: the dependency audit of each function's code (practice P3).

These rules read the manifests and lockfiles in the code directory a function points at
(see :mod:`faasguard.deps`), never the template itself, so they apply to every source
format alike. Their fixtures are small SAM projects whose functions have code directories
with manifests (``tests/fixtures/sam/dep-*``); rules that need vulnerability data or built
artifacts are tested in ``tests/deps`` against a fixture OSV store.
"""
