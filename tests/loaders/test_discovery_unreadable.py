"""Discovery never skips silently and never blocks: what it cannot read is a diagnostic."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from faasguard.config import LoadOptions
from faasguard.errors import LoadError
from faasguard.loaders import Candidate, load
from faasguard.loaders.discovery import discover
from faasguard.loaders.documents import load_yaml
from faasguard.loaders.files import read_regular

_TOPIC = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  T:\n    Type: AWS::SNS::Topic\n"


@pytest.fixture
def locked_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A subdirectory that cannot be listed (PermissionError), also when running as root."""
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "template.yaml").write_text(_TOPIC, encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if os.path.abspath(os.fspath(path)) == str(locked):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    yield locked


def test_an_unreadable_subdirectory_is_a_candidate_whose_load_names_it(
    locked_directory: Path, tmp_path: Path
) -> None:
    (tmp_path / "template.yaml").write_text(_TOPIC, encoding="utf-8")
    candidates = discover([tmp_path])
    assert Candidate(format="unreadable", path=str(locked_directory)) in candidates
    assert Candidate(format="cloudformation", path=str(tmp_path / "template.yaml")) in candidates
    app = load(Candidate(format="unreadable", path=str(locked_directory)), LoadOptions())
    [diagnostic] = app.diagnostics
    assert diagnostic.location.file == str(locked_directory)
    assert diagnostic.message == (
        "cannot list directory: Permission denied; its files were not scanned"
    )
    assert app.files == ()


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "template.yaml"
    os.mkfifo(fifo)
    with pytest.raises(LoadError, match=r"not a regular file \(FIFO\)"):
        read_regular(fifo)
    assert discover([tmp_path]) == [Candidate(format="unreadable", path=str(fifo))]


def test_an_over_size_file_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "template.yaml"
    with big.open("wb") as handle:
        handle.write(_TOPIC.encode())
        handle.truncate(21 * 1024 * 1024)
    with pytest.raises(LoadError, match="larger than 20 MiB"):
        read_regular(big)
    # Still discovered, so its loader reports it instead of the template going missing.
    assert discover([tmp_path]) == [Candidate(format="cloudformation", path=str(big))]


def test_a_package_json_with_a_stray_transform_is_no_template(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(
        '{"dependencies": {}, "Transform": "AWS::Serverless-2016-10-31"}', encoding="utf-8"
    )
    assert discover([tmp_path]) == []


@pytest.mark.parametrize(
    "text", ["a: &a [*a]\n", "Resources: &a\n  X: *a\n", "a: &a\n  b: [1, {c: *a}]\n"]
)
def test_a_recursive_alias_is_refused_with_its_line(text: str) -> None:
    with pytest.raises(LoadError, match="recursive alias") as raised:
        load_yaml(text, "t.yaml")
    assert raised.value.line >= 1


def test_a_shared_alias_is_not_mistaken_for_a_cycle() -> None:
    doc = load_yaml("a: &a [1, 2]\nb: [*a, *a]\nc: {d: *a}\n", "t.yaml")
    assert doc.data == {"a": [1, 2], "b": [[1, 2], [1, 2]], "c": {"d": [1, 2]}}
