"""Typosquat detection and reachability by import scanning."""

from __future__ import annotations

from pathlib import Path

import pytest

from faasguard.deps import typosquat
from faasguard.deps.model import Dependency
from faasguard.deps.reach import IMPORTED, NOT_IMPORTED, UNKNOWN, VIA, reachability, scan_imports
from faasguard.deps.versions import NPM, PYPI
from faasguard.model import Location


@pytest.mark.parametrize(
    ("ecosystem", "name", "target", "technique"),
    [
        (PYPI, "python3-dateutil", "python-dateutil", "one character away"),
        (PYPI, "reqeusts", "requests", "one character away"),
        (PYPI, "dateutil-python", "python-dateutil", "same words in another order"),
        (PYPI, "djang0", "django", "look-alike characters"),
        (PYPI, "py-boto3", "boto3", "a py/python/node/js affix added"),
        (NPM, "crossenv", "cross-env", "same name with different separators"),
        (NPM, "l0dash", "lodash", "look-alike characters"),
        (NPM, "@tpyes/jest", "@types/jest", "one character away"),
    ],
)
def test_typosquats(ecosystem: str, name: str, target: str, technique: str) -> None:
    assert typosquat.check(ecosystem, name) == typosquat.Squat(target, technique)


@pytest.mark.parametrize(
    ("ecosystem", "name"),
    [
        (PYPI, "requests"),
        (PYPI, "PyYAML"),
        (PYPI, "six"),
        (NPM, "@types/jest"),
        (NPM, "aws-cdk"),
        (NPM, "node-serialize"),
        (PYPI, "boto"),
        (NPM, "mysql2"),
    ],
)
def test_legitimate_names_are_not_flagged(ecosystem: str, name: str) -> None:
    assert typosquat.check(ecosystem, name) is None


def _dep(ecosystem: str, name: str, requires: tuple[str, ...] = ()) -> Dependency:
    return Dependency(
        ecosystem=ecosystem,
        name=name,
        version="1.0.0",
        location=Location(file="x"),
        requires=requires,
    )


def test_reachability_by_imports_and_lockfile_graph(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import yaml\nfrom dateutil import parser\n")
    (tmp_path / "index.js").write_text(
        'const a = require("express");\nimport b from "@aws-sdk/client-s3/dist";\n'
        'import("node:fs");\nconst c = require("./local");\n'
    )
    # a vendored package (pip install -t .) is not the function's own code
    (tmp_path / "requests").mkdir()
    (tmp_path / "requests" / "__init__.py").write_text("import urllib3\n")
    info = tmp_path / "requests-2.31.0.dist-info"
    info.mkdir()
    (info / "RECORD").write_text("requests/__init__.py,sha256=x,1\n")
    imports = scan_imports(tmp_path)
    assert "urllib3" not in imports.python and {"yaml", "dateutil"} <= imports.python
    assert imports.npm == {"express", "@aws-sdk/client-s3", "fs"}
    deps = [
        _dep(PYPI, "PyYAML"),
        _dep(PYPI, "python-dateutil", ("six",)),
        _dep(PYPI, "six"),
        _dep(PYPI, "urllib3"),
        _dep(NPM, "express", ("qs",)),
        _dep(NPM, "qs"),
        _dep(NPM, "lodash"),
    ]
    reach = reachability(deps, imports)
    assert reach[(PYPI, "pyyaml")].status == IMPORTED
    assert reach[(PYPI, "six")].status == VIA and reach[(PYPI, "six")].via == "python-dateutil"
    assert reach[(PYPI, "urllib3")].status == NOT_IMPORTED
    assert reach[(NPM, "qs")].status == VIA
    assert reach[(NPM, "lodash")].status == NOT_IMPORTED
    empty = tmp_path / "empty"
    empty.mkdir()
    assert reachability(deps, scan_imports(empty))[(NPM, "lodash")].status == UNKNOWN


def test_known_packages_of_other_publishers_are_not_typosquats() -> None:
    # node-jose (Cisco) next to jose (panva), python-multipart next to multipart
    assert typosquat.check("npm", "node-jose") is None
    assert typosquat.check("PyPI", "python-multipart") is None
    # the same affix on a name nobody publishes is still reported, as the weak sign it is
    squat = typosquat.check("npm", "node-jsonwebtoken")
    assert squat is not None and squat.target == "jsonwebtoken" and "affix" in squat.technique
