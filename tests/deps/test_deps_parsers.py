"""Manifest and lockfile parsers: what is declared, at which line, direct or transitive."""

# ruff: noqa: E501  (the embedded lockfiles keep the real, long lines of their formats)

from __future__ import annotations

from pathlib import Path

import nodesemver
from hypothesis import given
from hypothesis import strategies as st

from faasguard.deps.model import PATH, REGISTRY, URL, VCS, Manifest
from faasguard.deps.project import parse_file, project_for
from faasguard.deps.versions import npm_key


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text.lstrip("\n"), encoding="utf-8")
    return path


def table(manifest: Manifest) -> dict[str, tuple[str | None, int, bool, bool, str]]:
    return {
        d.name: (d.version, d.location.line, d.direct, d.dev, d.source)
        for d in manifest.dependencies
    }


def test_requirements_with_includes_options_and_references(tmp_path: Path) -> None:
    write(tmp_path, "base.txt", "PyYAML==5.3\n")
    write(tmp_path, "constraints.txt", "urllib3<2\n")
    path = write(
        tmp_path,
        "requirements.txt",
        """
-r base.txt
-c constraints.txt
--index-url https://pypi.org/simple
--extra-index-url https://internal.example/simple
requests[socks]==2.19.1 ; python_version >= "3.8" \\
    --hash=sha256:abcdef
flask>=2.0
git+https://github.com/x/lib.git@v1#egg=lib
https://example.com/tool-1.0.tar.gz
./local-package
this is not a requirement ==
""",
    )
    manifest = parse_file(path)
    deps = {d.name: d for d in manifest.dependencies}
    assert deps["PyYAML"].location == deps["PyYAML"].location.__class__(
        file=str(tmp_path / "base.txt"), line=1
    )
    assert deps["requests"].version == "2.19.1" and deps["requests"].location.line == 5
    assert deps["requests"].hashes == ("sha256:abcdef",)
    assert deps["flask"].version is None and deps["flask"].spec == ">=2.0"
    assert deps["lib"].source == VCS
    assert deps["tool-1.0.tar.gz"].source == URL
    assert deps["local-package"].source == PATH
    assert "urllib3" not in deps  # constraints install nothing
    assert [(i.kind, i.location.line) for i in manifest.indexes] == [
        ("index-url", 3),
        ("extra-index-url", 4),
    ]
    [problem] = manifest.diagnostics
    assert problem.location is not None and problem.location.line == 11
    assert "invalid requirement" in problem.message


def test_pipfile_lock(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Pipfile.lock",
        """
{
    "_meta": {"sources": [{"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": true}]},
    "default": {
        "requests": {"hashes": ["sha256:aa"], "version": "==2.19.1"},
        "mylib": {"git": "https://github.com/x/mylib.git", "ref": "abc"}
    },
    "develop": {
        "requests": {"hashes": ["sha256:bb"], "version": "==2.31.0"}
    }
}
""",
    )
    manifest = parse_file(path)
    rows = [(d.name, d.version, d.location.line, d.dev, d.source) for d in manifest.dependencies]
    assert rows == [
        ("requests", "2.19.1", 4, False, REGISTRY),
        ("mylib", None, 5, False, VCS),
        ("requests", "2.31.0", 8, True, REGISTRY),
    ]


def test_poetry_and_uv_locks_tell_direct_from_transitive(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\ndependencies = ["requests>=2"]\n')
    lock = """
[[package]]
name = "certifi"
version = "2024.8.30"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "requests"
version = "2.32.3"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "certifi" }]

[[package]]
name = "x"
version = "0.1.0"
source = { editable = "." }
"""
    write(tmp_path, "uv.lock", lock)
    project = project_for(tmp_path)
    uv = project.lockfile("PyPI")
    assert uv is not None and uv.kind == "uv-lock"
    assert table(uv) == {
        "certifi": ("2024.8.30", 2, False, False, REGISTRY),
        "requests": ("2.32.3", 7, True, False, REGISTRY),
    }
    assert uv.dependencies[1].requires == ("certifi",)
    assert [d.name for d in project.shipped()] == ["certifi", "requests"]


def test_package_lock_v1_and_v3(tmp_path: Path) -> None:
    v1 = write(
        tmp_path,
        "package-lock.json",
        """
{
  "name": "app",
  "lockfileVersion": 1,
  "dependencies": {
    "lodash": {"version": "4.17.15", "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.15.tgz", "integrity": "sha512-x"},
    "express": {
      "version": "4.17.1",
      "requires": {"qs": "6.7.0"},
      "dependencies": {
        "qs": {"version": "6.7.0", "integrity": "sha512-y"}
      }
    },
    "jest": {"version": "29.0.0", "dev": true}
  }
}
""",
    )
    assert table(parse_file(v1)) == {
        "lodash": ("4.17.15", 5, True, False, REGISTRY),
        "express": ("4.17.1", 6, True, False, REGISTRY),
        "qs": ("6.7.0", 10, False, False, REGISTRY),
        "jest": ("29.0.0", 13, True, True, REGISTRY),
    }
    v3 = write(
        tmp_path,
        "package-lock.json",
        """
{
  "lockfileVersion": 3,
  "packages": {
    "": {"dependencies": {"a": "^1.0.0"}, "devDependencies": {"d": "1.0.0"}},
    "node_modules/a": {"version": "1.0.0", "dependencies": {"b": "^2"}, "hasInstallScript": true},
    "node_modules/b": {"version": "2.0.0"},
    "node_modules/a/node_modules/b": {"version": "1.0.0"},
    "node_modules/d": {"version": "1.0.0", "dev": true}
  }
}
""",
    )
    deps = parse_file(v3).dependencies
    assert [(d.name, d.version, d.location.line, d.direct, d.dev) for d in deps] == [
        ("a", "1.0.0", 5, True, False),
        ("b", "2.0.0", 6, False, False),
        ("b", "1.0.0", 7, False, False),
        ("d", "1.0.0", 8, True, True),
    ]
    assert deps[0].install_script and deps[0].requires == ("b",)


def test_yarn_v1_and_berry(tmp_path: Path) -> None:
    v1 = write(
        tmp_path,
        "yarn.lock",
        """
# yarn lockfile v1


"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4":
  version "7.12.13"
  resolved "https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.12.13.tgz#dcfc826beef65e75c50e21d3837d7d95798dd658"
  integrity sha512-HV1Cm0Q3ZrpCR93tkWOYiuYIgLxZXZFVG2VgK+MBWjUqZTundupbfx2aXarXuw5Ko5aMcjtJgbSs4vUGBS5v6g==
  dependencies:
    "@babel/highlight" "^7.12.13"

lodash@^4.17.15:
  version "4.17.15"
  resolved "https://registry.yarnpkg.com/lodash/-/lodash-4.17.15.tgz"
""",
    )
    manifest = parse_file(v1, {"lodash"})
    assert [(d.name, d.version, d.location.line, d.direct) for d in manifest.dependencies] == [
        ("@babel/code-frame", "7.12.13", 4, False),
        ("lodash", "4.17.15", 11, True),
    ]
    assert manifest.dependencies[0].requires == ("@babel/highlight",)
    assert manifest.dependencies[1].hashes == ()
    berry = write(
        tmp_path,
        "yarn.lock",
        """
__metadata:
  version: 6
  cacheKey: 8

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  languageName: unknown
  linkType: soft

"lodash@npm:^4.17.15":
  version: 4.17.21
  resolution: "lodash@npm:4.17.21"
  checksum: eb835a2e51d381e561e508ce932ea50a8e5a68f4ebdd771ea240d3048244a8d13658acbd502cd4829768c56f2e16bdd4340b9ea141297d472517b83868e677f7
  languageName: node
  linkType: hard
""",
    )
    deps = parse_file(berry, {"lodash"}).dependencies
    assert [(d.name, d.version, d.location.line) for d in deps] == [("lodash", "4.17.21", 11)]


def test_pnpm_lock(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "pnpm-lock.yaml",
        """
lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      lodash:
        specifier: ^4.17.15
        version: 4.17.15
packages:
  lodash@4.17.15:
    resolution: {integrity: sha512-8xOcRHvCjnocdS5cpwXQXVzmmh5e5+saE2QGoeQmbKmRS6J3VQppPOIt0MnmE+4xlZoumy0GPG0D0MVIQbNA1A==}
  '@scope/pkg@1.0.0':
    resolution: {integrity: sha512-x}
    requiresBuild: true
""",
    )
    deps = parse_file(path).dependencies
    assert [(d.name, d.version, d.location.line, d.direct) for d in deps] == [
        ("lodash", "4.17.15", 9, True),
        ("@scope/pkg", "1.0.0", 11, False),
    ]
    assert deps[1].install_script


def test_malformed_files_become_diagnostics(tmp_path: Path) -> None:
    cases = {
        "package.json": '{\n  "dependencies": {\n    "a": "1.0.0",\n  }\n}\n',
        "package-lock.json": "[1, 2]",
        "poetry.lock": "[[package]\nname = 'x'\n",
        "Pipfile.lock": "{not json",
        "pnpm-lock.yaml": "packages:\n  a: [\n",
        "yarn.lock": "lodash@^4 this is broken\n  version 1\n",
    }
    for name, text in cases.items():
        manifest = parse_file(write(tmp_path, name, text))
        assert manifest.diagnostics, name
        diagnostic = manifest.diagnostics[0]
        assert diagnostic.location is not None and diagnostic.location.file.endswith(name)
        assert "not audited" in diagnostic.message or "yarn.lock" in diagnostic.message
    broken_json = parse_file(tmp_path / "package.json").diagnostics[0]
    assert broken_json.location is not None and broken_json.location.line == 4


# SemVer identifiers: numbers without leading zeros, or alphanumerics with a non-digit
_IDENT = st.one_of(
    st.integers(0, 99).map(str), st.from_regex(r"[A-Za-z-][0-9A-Za-z-]{0,5}", fullmatch=True)
)


@given(
    st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)),
    st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)),
    st.lists(_IDENT, max_size=3),
    st.lists(_IDENT, max_size=3),
)
def test_npm_ordering_agrees_with_node_semver(
    a: tuple[int, int, int], b: tuple[int, int, int], pre_a: list[str], pre_b: list[str]
) -> None:
    def text(release: tuple[int, int, int], pre: list[str]) -> str:
        return ".".join(map(str, release)) + (f"-{'.'.join(pre)}" if pre else "")

    left, right = text(a, pre_a), text(b, pre_b)
    expected = nodesemver.compare(left, right, loose=False)
    ka, kb = npm_key(left), npm_key(right)
    got = -1 if ka < kb else (1 if ka > kb else 0)
    assert got == expected, (left, right)
