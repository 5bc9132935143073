"""Scanned Python that Python itself warns about parses without a warning on the terminal."""

from __future__ import annotations

import warnings
from pathlib import Path

from faasguard.code.python.index import parse_module
from faasguard.loaders.frameworks.common import parse_python, read_python


def test_odd_but_valid_code_parses_without_a_syntax_warning(tmp_path: Path) -> None:
    handler = tmp_path / "handler.py"
    handler.write_text("x = 1if True else 2\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        assert parse_python("x = 1if True else 2\n", "h.py").body
        assert not isinstance(read_python(str(handler)), str)
        assert parse_module(handler) is not None
    # the filters are as they were: Python still warns for code it compiles itself
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        compile("x = 1if True else 2\n", "mine.py", "exec")
    assert [w.category for w in seen] == [SyntaxWarning]
