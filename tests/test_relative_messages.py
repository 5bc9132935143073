"""Every path in every output is relative to the scanned root, messages included, whatever
the working directory and whether the model came from the cache (issue 17)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from faasguard.config import ScanConfig
from faasguard.engine import scan
from faasguard.model import relative_text

SHOP = Path(__file__).resolve().parents[1] / "examples" / "shop"


def _messages(target: str, cache: str | None) -> list[str]:
    report = scan([target], ScanConfig(cache_dir=cache, select=("PERM",)))
    return sorted(m for f in report.findings for m in (f.message, *(s.message for s in f.flow)))


def test_messages_are_the_same_from_any_directory_and_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = tmp_path / "shop"
    shutil.copytree(SHOP, shop)
    monkeypatch.chdir(tmp_path)
    cache = str(tmp_path / "cache")
    runs = [
        _messages("shop", None),
        _messages(str(shop), None),
        _messages("shop", cache),  # writes the cache
        _messages("shop", cache),  # from the cache
    ]
    assert runs[0] == runs[1] == runs[2] == runs[3]
    quoted = [m for m in runs[0] if "serverless.yml:" in m]
    assert quoted  # some messages quote a location...
    for message in runs[0]:  # ...always relative to the scanned root
        assert str(tmp_path) not in message and "shop/serverless.yml" not in message
    assert any(" at serverless.yml:21:5" in m for m in quoted)


def test_relative_text_cuts_the_root_only_where_a_path_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "shop"
    monkeypatch.chdir(tmp_path)
    text = f"see {root}{os.sep}a.yml:3 and shop{os.sep}b.yml and workshop{os.sep}c.yml"
    assert relative_text(text, str(root)) == f"see a.yml:3 and b.yml and workshop{os.sep}c.yml"
