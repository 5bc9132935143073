"""What a user sees from the code pattern rules CODE020-CODE026 on the annotated fixtures and
the example shop: messages, redaction, severities, which function a finding belongs to, exit
codes and the JSON/SARIF output. (Lines are checked by tests/test_fixtures.py.)"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from typer.testing import CliRunner

from faasguard.cli import app
from faasguard.config import ScanConfig
from faasguard.engine import scan
from faasguard.findings import Finding, Report, Severity

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "sam"
PYTHON = FIXTURES / "coderules-python"
NODE = FIXTURES / "coderules-node"
SHOP = REPO / "examples" / "shop"
RULES = tuple(f"CODE02{n}" for n in range(7))
runner = CliRunner()


@cache
def _report(path: Path) -> Report:
    return scan([str(path)], ScanConfig(select=RULES))


def _at(path: Path, file: str, line: int, rule_id: str) -> Finding:
    found = [
        f
        for f in _report(path).findings
        if f.rule_id == rule_id and f.location.line == line and Path(f.location.file).name == file
    ]
    assert len(found) == 1, [(f.rule_id, f.location) for f in _report(path).findings]
    return found[0]


def _fixture_literals(path: Path) -> list[str]:
    """Every secret value written in a fixture line annotated ``expect: CODE021``."""
    values = []
    for file in sorted(path.rglob("*")):
        if file.suffix not in (".py", ".js"):
            continue
        for line in file.read_text(encoding="utf-8").splitlines():
            if "expect: CODE021" in line:
                values += [v for v in re.findall(r"\"([^\"]{8,})\"", line) if "\\n" not in v]
    return values


def test_secrets_are_redacted_in_every_output_format() -> None:
    for fixture in (PYTHON, NODE):
        secrets = _fixture_literals(fixture)
        assert len(secrets) >= 5
        for fmt in ("text", "json", "sarif", "markdown"):
            result = runner.invoke(
                app, ["scan", str(fixture), "--select", "CODE021", "--no-cache", "-f", fmt]
            )
            assert result.exit_code == 1
            leaked = [s for s in secrets if s in result.output or s[2:12] in result.output]
            assert not leaked, (fmt, leaked)
    finding = _at(PYTHON, "settings.py", 8, "CODE021")
    assert "[redacted AWS Access Key]" in finding.message and "AK" not in finding.message
    assert finding.severity is Severity.CRITICAL


def test_secret_severity_by_kind() -> None:
    assert _at(PYTHON, "settings.py", 11, "CODE021").severity is Severity.HIGH  # name-based
    assert _at(NODE, "config.js", 7, "CODE021").severity is Severity.CRITICAL  # Slack token
    assert "Slack Token" in _at(NODE, "config.js", 7, "CODE021").message
    assert "URL with a password" in _at(PYTHON, "settings.py", 10, "CODE021").message


def test_shared_module_is_reported_once_naming_every_function() -> None:
    findings = [f for f in _report(PYTHON).findings if f.rule_id == "CODE021"]
    lines = [(Path(f.location.file).name, f.location.line) for f in findings]
    assert len(lines) == len(set(lines))  # settings.py is shipped by three functions
    shared = _at(PYTHON, "settings.py", 8, "CODE021")
    assert shared.function == "Authorizer"
    assert "code shared with SafeAuthorizer, Orders" in shared.message


def test_finding_belongs_to_the_function_whose_handler_contains_it() -> None:
    # auth.handler is Authorizer's handler: the unverified decode there is not SafeAuthorizer's.
    finding = _at(PYTHON, "auth.py", 22, "CODE020")
    assert finding.function == "Authorizer" and "shared" not in finding.message
    assert "verify_signature" in finding.message and finding.severity is Severity.HIGH
    # whoami is no function's handler: shipped by both, reported once naming both.
    helper = _at(PYTHON, "auth.py", 35, "CODE020")
    assert helper.function == "Authorizer" and "code shared with SafeAuthorizer" in helper.message
    # jsonwebtoken.decode whose result picks the policy
    node = _at(NODE, "auth.js", 11, "CODE020")
    assert "jsonwebtoken.decode()" in node.message and "a condition" in node.message


def test_exception_severity_and_wording() -> None:
    stack = _at(PYTHON, "orders.py", 37, "CODE022")
    assert stack.severity is Severity.MEDIUM and "stack trace" in stack.message
    assert "traceback.format_exc()" in stack.message
    text = _at(PYTHON, "orders.py", 30, "CODE022")
    assert text.severity is Severity.LOW and "raw exception text" in text.message
    callback = _at(NODE, "legacy.js", 23, "CODE022")
    assert "through the callback" in callback.message


def test_logging_and_credentials_wording_and_severity() -> None:
    whole = _at(NODE, "api.js", 10, "CODE023")
    assert whole.severity is Severity.MEDIUM and "the whole event" in whole.message
    header = _at(PYTHON, "orders.py", 21, "CODE023")
    assert header.severity is Severity.HIGH and "'Authorization'" in header.message
    returned = _at(NODE, "api.js", 45, "CODE026")
    assert returned.severity is Severity.CRITICAL and "returned to the caller" in returned.message
    logged = _at(PYTHON, "orders.py", 68, "CODE026")
    assert logged.severity is Severity.HIGH and "logged" in logged.message
    key_id = _at(NODE, "legacy.js", 30, "CODE026")
    assert key_id.severity is Severity.MEDIUM and "AWS_ACCESS_KEY_ID" in key_id.message
    # the AWS secret logged is CODE026's only, not a second CODE023 on the same line
    assert not [
        f
        for f in _report(PYTHON).findings
        if f.rule_id == "CODE023" and f.location.line in (68, 69, 72)
    ]


def test_tls_message_names_the_silenced_warning() -> None:
    finding = _at(PYTHON, "nightly.py", 20, "CODE024")
    assert "verify=False" in finding.message
    assert "urllib3.disable_warnings, line 12" in finding.message


def test_tmp_message_names_path_and_data() -> None:
    finding = _at(PYTHON, "uploads.py", 28, "CODE025")
    assert "/tmp/partner.key" in finding.message and "get_secret_value" in finding.message
    node = _at(NODE, "sync.js", 16, "CODE025")
    assert "/tmp/sync-state.json" in node.message


def test_example_shop_code_pattern_findings() -> None:
    findings = {
        (f.rule_id, Path(f.location.file).relative_to(SHOP).as_posix(), f.location.line, f.function)
        for f in _report(SHOP).findings
    }
    assert ("CODE022", "src/orders/app.py", 27, "CreateOrderFunction") in findings
    assert ("CODE024", "src/report/app.py", 27, "NightlyReportFunction") in findings
    assert ("CODE024", "src/report/app.py", 27, "adminExport") in findings  # Serverless
    assert ("CODE023", "src/signup/index.js", 15, "SignupHookFunction") in findings
    # nothing else: the worker's print of selected fields and the report's /tmp file are fine
    assert {f[1] for f in findings} == {
        "src/orders/app.py",
        "src/report/app.py",
        "src/signup/index.js",
    }


def test_json_and_sarif_carry_rule_location_and_function() -> None:
    result = runner.invoke(
        app, ["scan", str(NODE), "--select", "CODE024", "--no-cache", "-f", "json"]
    )
    assert result.exit_code == 1
    findings = json.loads(result.output)["findings"]
    legacy = [f for f in findings if f["location"]["file"].endswith("legacy.js")]
    assert {f["location"]["line"] for f in legacy} == {7, 9, 11, 13}
    assert {f["function"] for f in legacy} == {"Legacy"}
    result = runner.invoke(
        app, ["scan", str(NODE), "--select", "CODE024", "--no-cache", "-f", "sarif"]
    )
    sarif = json.loads(result.output)
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"CODE024"}
    region = results[0]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] in (7, 9, 11, 13)


def test_unproven_deserialisation_is_low_and_a_flow_stays_critical() -> None:
    fixture = Path(__file__).resolve().parents[2] / "fixtures" / "sam" / "code-deserialize"
    report = scan([str(fixture)], ScanConfig(select=("CODE003",)))
    findings = {(Path(f.location.file).name, f.location.line): f for f in report.findings}
    no_flow = findings[("app.py", 8)]  # yaml.load of the SNS Type field
    assert no_flow.severity is Severity.LOW
    assert "no flow from the event is proven" in no_flow.message
    assert findings[("app.py", 7)].severity >= Severity.CRITICAL  # yaml.unsafe_load(message)
    assert findings[("codec.py", 14)].severity is Severity.LOW


def test_jwt_decoded_by_hand_is_reported_at_the_split() -> None:
    python = _at(PYTHON, "auth.py", 63, "CODE020")
    assert "token.split('.')[1] cuts the token's payload out by hand" in python.message
    assert "a condition depends on its claims" in python.message
    node = _at(NODE, "auth.js", 52, "CODE020")
    assert 'split(".")[1]' in node.message and node.severity is Severity.HIGH
