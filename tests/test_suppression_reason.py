"""A Terraform suppression comment without a reason is not applied: the finding stays and a
warning says why (issue 17: it was reported as not applied but hid the finding anyway)."""

from __future__ import annotations

from pathlib import Path

from faasguard.config import ScanConfig
from faasguard.engine import scan

MAIN_TF = """\
resource "aws_lambda_function" "report" {{ {comment}
  function_name = "report"
  role          = "arn:aws:iam::123456789012:role/report"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "report.zip"
  timeout       = 900
}}
"""


def _scan(tmp_path: Path, comment: str) -> tuple[list[str], list[str], int]:
    (tmp_path / "main.tf").write_text(MAIN_TF.format(comment=comment), encoding="utf-8")
    report = scan([str(tmp_path)], ScanConfig(select=("TIME002",)))
    return (
        [f.rule_id for f in report.findings],
        [d.message for d in report.diagnostics],
        report.suppressed,
    )


def test_a_suppression_without_a_reason_hides_nothing(tmp_path: Path) -> None:
    findings, messages, suppressed = _scan(tmp_path, "# faasguard: ignore[TIME002]")
    assert findings == ["TIME002"]
    assert suppressed == 0
    assert any("suppression without a reason is not applied" in m for m in messages)


def test_a_suppression_with_a_reason_hides_the_finding(tmp_path: Path) -> None:
    findings, messages, suppressed = _scan(
        tmp_path, "# faasguard: ignore[TIME002] nightly batch needs 15 minutes"
    )
    assert findings == []
    assert suppressed == 1
    assert not any("suppression" in m for m in messages)
