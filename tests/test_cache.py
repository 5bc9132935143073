"""The model cache serves a model only to the code that built it."""

from __future__ import annotations

from pathlib import Path

import pytest

from faasguard import cache
from faasguard.config import LoadOptions
from faasguard.loaders import Candidate, load


def _cached_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Candidate, LoadOptions, cache.ModelCache]:
    """A one-function template, its candidate and options, and a cache below its root
    (with a private user cache directory for the key)."""
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
    store = cache.ModelCache(str(tmp_path / "app" / ".faasguard" / "cache"), str(tmp_path))
    return template, candidate, LoadOptions(), store


def test_a_model_cached_by_other_code_is_not_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, candidate, options, store = _cached_app(tmp_path, monkeypatch)
    store.put(candidate, options, load(candidate, options))
    assert store.get(candidate, options) is not None

    monkeypatch.setattr(cache, "code_fingerprint", lambda: "other-code")
    assert store.get(candidate, options) is None


def test_a_file_above_the_hash_limit_is_never_read_and_its_stat_decides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template, candidate, options, store = _cached_app(tmp_path, monkeypatch)
    monkeypatch.setattr(cache, "HASH_LIMIT", 16)  # the template is larger than this

    def no_reading(*_args: object) -> None:
        raise AssertionError("a file above the hash limit was read")

    monkeypatch.setattr(cache.hashlib, "file_digest", no_reading)
    store.put(candidate, options, load(candidate, options))
    assert store.get(candidate, options) is not None

    template.write_text(template.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")
    assert store.get(candidate, options) is None
