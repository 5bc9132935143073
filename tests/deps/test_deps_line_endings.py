"""DEP007: a file that differs from its RECORD entry only by CRLF line ends (a checkout with
git's core.autocrlf) is reported as that, at low severity, not as tampering (issue 17)."""

from __future__ import annotations

from pathlib import Path

from test_deps_artifacts import clean_members, write_zip
from test_deps_shared_causes import FUNCTION
from test_deps_shared_causes import TEMPLATE as SHARED_TEMPLATE

from faasguard.config import ScanConfig
from faasguard.deps.artifact import HASH_MISMATCH, LINE_ENDINGS, read_artifact
from faasguard.engine import scan
from faasguard.findings import Severity

TEMPLATE = SHARED_TEMPLATE.format(functions=FUNCTION.format(name="ZipFunction"))


def test_crlf_only_differences_are_line_endings(tmp_path: Path) -> None:
    members = clean_members()
    members["requests/api.py"] = members["requests/api.py"].replace(b"\n", b"\r\n")
    members["requests/__init__.py"] = b"from .api import get, steal\r\n"  # really changed
    issues = {
        (i.kind, i.member) for i in read_artifact(write_zip(tmp_path / "fn.zip", members)).issues
    }
    assert issues == {
        (LINE_ENDINGS, "requests/api.py"),
        (HASH_MISMATCH, "requests/__init__.py"),
    }


def test_scan_reports_line_endings_at_low_severity(tmp_path: Path) -> None:
    members = clean_members()
    members["requests/api.py"] = members["requests/api.py"].replace(b"\n", b"\r\n")
    write_zip(tmp_path / "build" / "fn.zip", members)
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    report = scan([str(tmp_path)], ScanConfig(select=("DEP007",), db_path=str(tmp_path / "x")))
    [finding] = report.findings
    assert finding.severity is Severity.LOW
    assert "only by its line ends (CRLF where the package has LF" in finding.message
    assert "not tampering" in finding.message
