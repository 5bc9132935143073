"""The model cache serves a model only to the code that built it."""

from __future__ import annotations

from pathlib import Path

import pytest

from faasguard import cache
from faasguard.config import LoadOptions
from faasguard.loaders import Candidate, load


def test_a_model_cached_by_other_code_is_not_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    template = tmp_path / "app" / "template.yaml"
    template.parent.mkdir()
    template.write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n"
        "    Properties: {Runtime: python3.12, Handler: app.handler, Code: {ZipFile: x}}\n",
        encoding="utf-8",
    )
    candidate = Candidate(format="cloudformation", path=str(template))
    options = LoadOptions()
    store = cache.ModelCache(str(tmp_path / "app" / ".faasguard" / "cache"), str(tmp_path))
    store.put(candidate, options, load(candidate, options))
    assert store.get(candidate, options) is not None

    monkeypatch.setattr(cache, "code_fingerprint", lambda: "other-code")
    assert store.get(candidate, options) is None


def test_a_file_above_the_hash_limit_is_never_read_and_its_stat_decides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    template = tmp_path / "app" / "template.yaml"
    template.parent.mkdir()
    template.write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n"
        "    Properties: {Runtime: python3.12, Handler: app.handler, Code: {ZipFile: x}}\n",
        encoding="utf-8",
    )
    candidate = Candidate(format="cloudformation", path=str(template))
    options = LoadOptions()
    store = cache.ModelCache(str(tmp_path / "app" / ".faasguard" / "cache"), str(tmp_path))
    monkeypatch.setattr(cache, "HASH_LIMIT", 16)  # the template is larger than this

    def no_reading(*_args: object) -> None:
        raise AssertionError("a file above the hash limit was read")

    monkeypatch.setattr(cache.hashlib, "file_digest", no_reading)
    store.put(candidate, options, load(candidate, options))
    assert store.get(candidate, options) is not None

    template.write_text(template.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")
    assert store.get(candidate, options) is None
