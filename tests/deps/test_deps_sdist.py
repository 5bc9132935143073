"""Source-only Python dependencies (DEP004): lockfiles that record only an sdist for the
pinned version, as poetry.lock (both file-list layouts), uv.lock and pylock.toml write them."""

from __future__ import annotations

from pathlib import Path

import pytest

from faasguard.config import ScanConfig
from faasguard.deps.python import parse_toml_lock
from faasguard.engine import scan

POETRY = """\
[[package]]
name = "wheelpkg"
version = "1.0"
files = [
    {file = "wheelpkg-1.0-py3-none-any.whl", hash = "sha256:aa"},
    {file = "wheelpkg-1.0.tar.gz", hash = "sha256:bb"},
]

[[package]]
name = "sdistpkg"
version = "0.3"
files = [
    {file = "sdistpkg-0.3.tar.gz", hash = "sha256:cc"},
]
"""

POETRY_LEGACY = """\
[[package]]
name = "sdistpkg"
version = "0.3"

[[package]]
name = "wheelpkg"
version = "1.0"

[metadata.files]
sdistpkg = [
    {file = "sdistpkg-0.3.tar.gz", hash = "sha256:cc"},
]
wheelpkg = [
    {file = "wheelpkg-1.0-py3-none-any.whl", hash = "sha256:aa"},
]
"""

UV = """\
version = 1

[[package]]
name = "sdistpkg"
version = "0.3"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.pythonhosted.org/sdistpkg-0.3.tar.gz", hash = "sha256:cc" }

[[package]]
name = "wheelpkg"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.pythonhosted.org/wheelpkg-1.0.tar.gz", hash = "sha256:bb" }
wheels = [
    { url = "https://files.pythonhosted.org/wheelpkg-1.0-py3-none-any.whl", hash = "sha256:aa" },
]
"""

PYLOCK = """\
lock-version = "1.0"
created-by = "test"

[[packages]]
name = "sdistpkg"
version = "0.3"
sdist = { name = "sdistpkg-0.3.tar.gz", url = "https://x/s.tar.gz", hashes = { sha256 = "cc" } }

[[packages]]
name = "wheelpkg"
version = "1.0"
wheels = [
    { name = "wheelpkg-1.0-py3-none-any.whl", url = "https://x/w.whl", hashes = { sha256 = "aa" } },
]
"""


@pytest.mark.parametrize(
    ("kind", "text"),
    [("poetry-lock", POETRY), ("poetry-lock", POETRY_LEGACY), ("uv-lock", UV), ("pylock", PYLOCK)],
)
def test_lockfiles_mark_sdist_only_versions(kind: str, text: str) -> None:
    manifest = parse_toml_lock("lock", text, kind, set())
    assert {d.name: d.sdist_only for d in manifest.dependencies} == {
        "sdistpkg": True,
        "wheelpkg": False,
    }


def test_sdist_only_dependency_is_reported_on_its_manifest_line(tmp_path: Path) -> None:
    code = tmp_path / "src"
    code.mkdir()
    (code / "app.py").write_text("import sdistpkg\n")
    (code / "pyproject.toml").write_text(
        '[project]\nname = "fn"\nversion = "1"\ndependencies = [\n'
        '    "wheelpkg==1.0",\n    "sdistpkg==0.3",\n]\n'
    )
    (code / "uv.lock").write_text(UV)
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      CodeUri: src/\n      Handler: app.handler\n"
        "      Runtime: python3.12\n"
    )
    report = scan([str(tmp_path)], ScanConfig(select=("DEP004",), db_path=str(tmp_path / "x")))
    [finding] = report.findings
    assert finding.message.startswith("sdistpkg 0.3 has only a source archive in uv.lock")
    assert finding.location.file.endswith("src/pyproject.toml")
    assert finding.location.line == 6
    assert finding.function == "Fn"
