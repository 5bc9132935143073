"""Fuzzing the requirements and lockfile parsers (``faasguard.deps.python``, ``deps.node``)
and the version keys the matcher compares.

Property: every parser returns a :class:`Manifest` for any text (bad input is a diagnostic
of that manifest), every version string gets a key, within the deadline, and nothing is
written outside the example's directory.
"""

from __future__ import annotations

import json
from typing import Any

from fuzz_support import HUGE_NUMBERS, fuzz_settings, odd_text, sandbox, text_values, time_limit
from hypothesis import given
from hypothesis import strategies as st

from faasguard.deps import node, python
from faasguard.deps.model import Manifest
from faasguard.deps.versions import version_key

_names = st.one_of(st.sampled_from(("requests", "lodash", "@scope/pkg", "a", "")), odd_text)
_versions = st.one_of(
    st.sampled_from(("1.0.0", "0", "1.0.0-rc.1+build", "^1.2", "~1", "*", "latest", "1..2")),
    st.sampled_from(HUGE_NUMBERS),
    st.lists(st.integers(0, 10**6), min_size=1, max_size=6).map(lambda xs: ".".join(map(str, xs))),
    odd_text,
)
_urls = st.sampled_from(
    (
        "git+https://github.com/o/r.git#egg=r",
        "https://host/x.tar.gz",
        "file:../x",
        "./local",
        "git+ssh://git@github.com:o/r",
        "npm:other@1",
        "workspace:*",
        "link:..",
    )
)
_wrong = st.one_of(st.integers(), st.none(), st.booleans(), st.lists(st.integers(), max_size=2))
_json_any = st.recursive(
    st.one_of(text_values, st.integers(), st.none(), st.booleans(), st.floats()),
    lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(text_values, c, max_size=3)),
    max_leaves=10,
)


# ----------------------------------------------------------------- requirements


_requirement_lines = st.one_of(
    st.builds(lambda n, v: f"{n}=={v}", _names, _versions),
    st.builds(lambda n, v: f"{n}>={v},<{v}", _names, _versions),
    st.builds(lambda u: f"-e {u}", _urls),
    _urls,
    st.builds(lambda n: f"{n} @ https://host/{n}.whl", _names),
    st.sampled_from(
        (
            "--index-url https://pypi.org/simple",
            "--extra-index-url https://host/simple",
            "--trusted-host host",
            "-f ./wheels",
            "--hash=sha256:" + "0" * 64,
            "-c other.txt",
            "-r other.txt",
            "-r missing.txt",
            "-r requirements.txt",
            "-c requirements.txt",
            "-r /proc/self/environ",
            "-r /etc/passwd",
            "-r /dev/stdin",
            "-r ../outside.txt",
            "\\",
            "# comment",
            "name; python_version < '3'",
            "name[extra1,extra2]==1",
        )
    ),
    odd_text,
)


@fuzz_settings(weight=1.5)
@given(
    lines=st.lists(_requirement_lines, max_size=8),
    other=st.lists(_requirement_lines, max_size=4),
    from_text=st.booleans(),
)
def test_requirements_parse_to_a_manifest(
    lines: list[str], other: list[str], from_text: bool
) -> None:
    text = "\n".join(lines)
    # Includes of the file itself (exponential when twice), of files outside the root
    # (`/proc/self/environ`, `/etc/passwd`: leaks) and of `/dev/stdin` (hangs) are among
    # the generated lines: they must be diagnostics, and nothing read outside may show.
    with sandbox() as directory, time_limit():
        (directory / "other.txt").write_text("\n".join(other), encoding="utf-8", errors="replace")
        path = directory / "requirements.txt"
        path.write_text(text, encoding="utf-8", errors="replace")
        if from_text:
            manifest = python.parse_requirements(str(path), text)
        else:
            manifest = python.parse_requirements(str(path))
    assert isinstance(manifest, Manifest)
    assert "root:x:0:0" not in repr(manifest)


# ----------------------------------------------------------------- node.js


def _package_json(draw: st.DrawFn) -> dict[str, Any]:
    section = st.dictionaries(_names, st.one_of(_versions, _urls, _wrong), max_size=4)
    return {
        "name": draw(st.one_of(_names, _wrong)),
        "version": draw(st.one_of(_versions, _wrong)),
        "dependencies": draw(st.one_of(section, _wrong)),
        "devDependencies": draw(st.one_of(section, _json_any)),
        "scripts": draw(
            st.one_of(
                st.dictionaries(
                    st.sampled_from(("postinstall", "install", "test")), text_values, max_size=2
                ),
                _wrong,
            )
        ),
    }


@st.composite
def _package_locks(draw: st.DrawFn) -> dict[str, Any]:
    entry = st.fixed_dictionaries(
        {},
        optional={
            "version": st.one_of(_versions, _wrong),
            "resolved": st.one_of(_urls, _wrong),
            "integrity": st.one_of(text_values, _wrong),
            "dev": st.one_of(st.booleans(), _wrong),
            "dependencies": st.one_of(st.dictionaries(_names, _json_any, max_size=2), _wrong),
        },
    )
    packages = st.dictionaries(
        st.one_of(st.just(""), _names.map(lambda n: f"node_modules/{n}")), entry, max_size=4
    )
    return {
        "lockfileVersion": draw(st.one_of(st.sampled_from((1, 2, 3)), _wrong, text_values)),
        "packages": draw(st.one_of(packages, _wrong)),
        "dependencies": draw(st.one_of(st.dictionaries(_names, entry, max_size=3), _wrong)),
    }


@fuzz_settings(weight=1.5)
@given(data=st.data(), raw=st.booleans())
def test_node_manifests_parse_to_a_manifest(data: st.DataObject, raw: bool) -> None:
    package = data.draw(st.composite(_package_json)(), label="package.json")
    lock = data.draw(_package_locks(), label="package-lock.json")
    package_text = data.draw(odd_text) if raw else json.dumps(package)
    with sandbox(), time_limit():
        assert isinstance(node.parse_package_json("package.json", package_text), Manifest)
        assert isinstance(node.parse_package_lock("package-lock.json", json.dumps(lock)), Manifest)


_yarn_lines = st.one_of(
    st.builds(lambda n, v: f'"{n}@{v}":', _names, _versions),
    st.builds(lambda v: f'  version "{v}"', _versions),
    st.builds(lambda u: f'  resolved "{u}"', _urls),
    st.sampled_from(
        ("__metadata:", "  version: 6", "  dependencies:", '    a "^1"', "# yarn lockfile v1", "")
    ),
    odd_text,
)
_pnpm_lines = st.one_of(
    st.sampled_from(
        (
            "lockfileVersion: '6.0'",
            "lockfileVersion: 9",
            "packages:",
            "importers:",
            "  .:",
            "    dependencies:",
            "  /a@1.0.0:",
            "  a@1.0.0:",
            "    resolution: {integrity: sha512-x}",
            "    resolution: {tarball: https://host/a.tgz}",
            "    dev: true",
            "packages: 5",
            "&a [*a]",
        )
    ),
    st.builds(lambda n, v: f"  /{n}@{v}:", _names, _versions),
    odd_text,
)


@fuzz_settings(weight=1.5)
@given(
    yarn=st.lists(_yarn_lines, max_size=10),
    pnpm=st.lists(_pnpm_lines, max_size=10),
    names=st.sets(_names, max_size=3),
)
def test_yarn_and_pnpm_locks_parse_to_a_manifest(
    yarn: list[str], pnpm: list[str], names: set[str]
) -> None:
    pnpm_text = "\n".join(pnpm)
    with sandbox(), time_limit():
        assert isinstance(node.parse_yarn_lock("yarn.lock", "\n".join(yarn), names), Manifest)
        assert isinstance(node.parse_pnpm_lock("pnpm-lock.yaml", pnpm_text), Manifest)


# ----------------------------------------------------------------- python locks


_toml_lines = st.one_of(
    st.sampled_from(
        (
            "[[package]]",
            'name = "requests"',
            'version = "2.0.0"',
            "version = 5",
            'source = { registry = "https://pypi.org/simple" }',
            'source = { git = "https://github.com/o/r" }',
            "[metadata]",
            'files = [{file = "a.whl", hash = "sha256:0"}]',
            "sdist = 5",
            "[project]",
            'dependencies = ["requests>=1", 5]',
            "[project.optional-dependencies]",
            'dev = ["pytest"]',
            "[tool.poetry.dependencies]",
            'python = "^3.11"',
        )
    ),
    st.builds(lambda n, v: f'name = "{n}"\nversion = "{v}"', _names.map(repr), _versions),
    odd_text,
)


@fuzz_settings(weight=1.5)
@given(
    toml=st.lists(_toml_lines, max_size=10),
    pipfile=st.one_of(
        st.fixed_dictionaries(
            {
                "default": st.one_of(
                    st.dictionaries(
                        _names,
                        st.one_of(
                            st.fixed_dictionaries({"version": st.one_of(_versions, _wrong)}),
                            _wrong,
                        ),
                        max_size=3,
                    ),
                    _wrong,
                ),
                "develop": _json_any,
            }
        ),
        _json_any,
    ),
)
def test_python_locks_parse_to_a_manifest(toml: list[str], pipfile: Any) -> None:
    text = "\n".join(toml)
    with sandbox(), time_limit():
        for kind in ("poetry-lock", "uv-lock"):
            assert isinstance(python.parse_toml_lock(f"{kind}", text, kind, {"a"}), Manifest)
        assert isinstance(python.parse_pyproject("pyproject.toml", text), Manifest)
        manifest = python.parse_pipfile_lock("Pipfile.lock", json.dumps(pipfile))
        assert isinstance(manifest, Manifest)


@fuzz_settings(weight=1)
@given(version=_versions, ecosystem=st.sampled_from(("PyPI", "npm")))
def test_every_version_string_gets_a_key(version: str, ecosystem: str) -> None:
    with time_limit():
        version_key(ecosystem, version)
