"""End to end: `faasguard scan`, `deps`, `db` and `sbom` on the example shop with the
fixture OSV store."""

from __future__ import annotations

import datetime as dt
import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from typer.testing import CliRunner

from faasguard.cli import app as cli
from faasguard.config import ScanConfig
from faasguard.engine import scan
from faasguard.findings import Severity

OSV = Path(__file__).parent / "data" / "osv"  # the fixture records (see conftest.py)

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop"
TODAY = dt.date(2024, 6, 5)


def by_key(report_findings: list) -> dict[tuple[str, str | None, str], object]:  # type: ignore[type-arg]
    return {(f.rule_id, f.function, f.properties.get("package", "")): f for f in report_findings}


def test_scan_reports_vulnerable_and_malicious_dependencies_per_function(osv_db: Path) -> None:
    config = ScanConfig(db_path=str(osv_db), select=("DEP0",), today=TODAY)
    report = scan([str(SHOP / "template.yaml")], config)
    found = by_key(report.findings)
    pyyaml = found[("DEP001", "CreateOrderFunction", "PyYAML")]
    assert pyyaml.location.file.endswith("src/orders/requirements.txt")  # type: ignore[attr-defined]
    assert pyyaml.location.line == 2  # type: ignore[attr-defined]
    assert pyyaml.severity is Severity.CRITICAL  # type: ignore[attr-defined]
    assert "upgrade to 5.4" in pyyaml.message and "imported by" in pyyaml.message  # type: ignore[attr-defined]
    assert pyyaml.properties["upgrade"] == "5.4"  # type: ignore[attr-defined]
    assert pyyaml.properties["fixed_versions"] == ["5.3.1", "5.4"]  # type: ignore[attr-defined]
    assert pyyaml.properties["reachability"] == "imported"  # type: ignore[attr-defined]
    # requests is never imported by the orders code: high lowered to medium
    requests = found[("DEP001", "CreateOrderFunction", "requests")]
    assert requests.severity is Severity.MEDIUM  # type: ignore[attr-defined]
    assert requests.properties["base_severity"] == "high"  # type: ignore[attr-defined]
    assert requests.properties["reachability"] == "not-imported"  # type: ignore[attr-defined]
    assert requests.properties["upgrade"] == "2.32.0"  # type: ignore[attr-defined]
    assert requests.location.line == 3  # type: ignore[attr-defined]
    lodash = found[("DEP001", "ProcessUploadFunction", "lodash")]
    assert lodash.location.file.endswith("src/uploads/package.json")  # type: ignore[attr-defined]
    assert lodash.location.line == 11 and lodash.properties["upgrade"] == "4.17.21"  # type: ignore[attr-defined]
    serialize = found[("DEP001", "ProcessUploadFunction", "node-serialize")]
    assert "no released version clears" in serialize.message  # type: ignore[attr-defined]
    assert found[("DEP001", "OrderWorkerFunction", "jsonpickle")].properties["upgrade"] == "1.4.2"  # type: ignore[attr-defined]
    malicious = found[("DEP002", "CreateOrderFunction", "python3-dateutil")]
    assert malicious.severity is Severity.CRITICAL and malicious.location.line == 4  # type: ignore[attr-defined]
    assert ("DEP001", "CreateOrderFunction", "python3-dateutil") not in found
    typo = found[("DEP003", "CreateOrderFunction", "python3-dateutil")]
    assert "python-dateutil" in typo.message  # type: ignore[attr-defined]
    assert ("DEP004", "ProcessUploadFunction", "") in found  # the postinstall script
    assert not [d for d in report.diagnostics if d.code in ("dep-no-db", "dep-stale-db")]


def test_no_store_says_so_once_and_reports_no_vulnerabilities(tmp_path: Path) -> None:
    config = ScanConfig(db_path=str(tmp_path / "none.sqlite3"), select=("DEP0",))
    report = scan([str(SHOP)], config)
    assert not [f for f in report.findings if f.rule_id in ("DEP001", "DEP002")]
    notes = [d for d in report.diagnostics if d.code == "dep-no-db"]
    assert len(notes) == 1 and "faasguard db update" in notes[0].message
    assert [f for f in report.findings if f.rule_id == "DEP003"]  # heuristics still run


def test_stale_store_warns(osv_db: Path) -> None:
    later = dt.date.today() + dt.timedelta(days=30)  # the fixture store is imported today
    config = ScanConfig(db_path=str(osv_db), select=("DEP001",), today=later)
    report = scan([str(SHOP / "template.yaml")], config)
    [stale] = [d for d in report.diagnostics if d.code == "dep-stale-db"]
    assert "was imported 30 days ago" in stale.message and stale.level == "warning"


def test_a_store_of_old_advisories_imported_today_is_not_stale(osv_db: Path) -> None:
    # the fixture's newest advisory is from 2024: its age used to make every store stale
    config = ScanConfig(db_path=str(osv_db), select=("DEP001",), strict=True)
    report = scan([str(SHOP / "template.yaml")], config)
    assert not [d for d in report.diagnostics if d.code == "dep-stale-db"]


def test_cli_db_update_info_and_deps(tmp_path: Path) -> None:
    runner = CliRunner()
    db = tmp_path / "cli.sqlite3"
    result = runner.invoke(cli, ["db", "update", "--from", str(OSV), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "22 imported (1 withdrawn)" in result.output and "1 invalid" in result.output
    info = runner.invoke(cli, ["db", "info", "--db", str(db), "--max-age-days", "100000"])
    assert info.exit_code == 0 and "21 (2 malicious packages)" in info.output
    deps = runner.invoke(
        cli,
        ["deps", str(SHOP / "template.yaml"), "--db", str(db), "--function", "OrderWorkerFunction"],
    )
    assert deps.exit_code == 1
    assert "jsonpickle 1.4.1" in deps.output and "upgrade to 1.4.2" in deps.output
    missing = runner.invoke(cli, ["db", "info", "--db", str(tmp_path / "nothing.sqlite3")])
    assert missing.exit_code == 1 and "no vulnerability store" in missing.output


def test_scan_cli_with_db_option(osv_db: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "scan",
            str(SHOP / "template.yaml"),
            "--db",
            str(osv_db),
            "--select",
            "DEP002",
            "--no-cache",
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    [finding] = document["findings"]
    assert finding["rule_id"] == "DEP002" and finding["location"]["line"] == 4


@pytest.mark.parametrize("reproducible", [True, False])
def test_sbom_is_valid_cyclonedx(osv_db: Path, tmp_path: Path, reproducible: bool) -> None:
    out = tmp_path / "bom.json"
    args = ["sbom", str(SHOP / "template.yaml"), "--db", str(osv_db), "-o", str(out)]
    result = CliRunner().invoke(cli, [*args, "--reproducible"] if reproducible else args)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, str(error)
    bom = json.loads(text)
    purls = {c.get("purl") for c in bom["components"]}
    assert {"pkg:pypi/pyyaml@5.3", "pkg:npm/lodash@4.17.15", "pkg:pypi/jsonpickle@1.4.1"} <= purls
    functions = {c["name"] for c in bom["components"] if c["type"] == "application"}
    assert "CreateOrderFunction" in functions
    vulns = {v["id"]: v for v in bom["vulnerabilities"]}
    assert vulns["GHSA-8q59-q68h-6hv4"]["affects"] == [{"ref": "pkg:pypi/pyyaml@5.3"}]
    assert vulns["GHSA-8q59-q68h-6hv4"]["recommendation"] == "Upgrade to 5.4"
    depends = {d["ref"]: d.get("dependsOn", []) for d in bom["dependencies"]}
    assert "pkg:pypi/pyyaml@5.3" in depends["function:CreateOrderFunction"]
    if reproducible:
        again = tmp_path / "again.json"
        CliRunner().invoke(cli, [*args[:-1], str(again), "--reproducible"])
        assert again.read_text() == text
        assert bom["metadata"]["timestamp"].startswith("1970-01-01")


def spdx_schema_errors(document: object) -> list[str]:
    """Errors of ``document`` against the SPDX 2.3 JSON schema (shipped by lib4sbom)."""
    schema_text = resources.files("lib4sbom").joinpath("schemas/spdx/2.3-schema.json")
    schema = json.loads(schema_text.read_text(encoding="utf-8"))
    assert schema["title"] == "SPDX 2.3"
    validator = jsonschema.Draft7Validator(schema)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(document)]


def test_sbom_spdx_is_valid_against_the_spdx_schema(osv_db: Path) -> None:
    # the whole example (SAM, Serverless and Terraform variants: function refs repeat)
    result = CliRunner().invoke(
        cli, ["sbom", str(SHOP), "--format", "spdx-json", "--reproducible", "--db", str(osv_db)]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert spdx_schema_errors(document) == []
    assert document["spdxVersion"] == "SPDX-2.3"
    refs = {r["referenceLocator"] for p in document["packages"] for r in p.get("externalRefs", [])}
    assert "pkg:npm/node-serialize@0.0.4" in refs
    ids = [p["SPDXID"] for p in document["packages"]]
    assert len(ids) == len(set(ids))
    # the pattern SPDX 2.3.1 added to the schema
    assert all(re.fullmatch(r"SPDXRef-[a-zA-Z0-9.-]+", i) for i in ids)
    described = {r["relatedSpdxElement"] for r in document["relationships"]}
    assert "SPDXRef-Function-aws-lambda-function-report" in described


def test_spdx_schema_check_can_fail() -> None:
    broken = {
        "spdxVersion": "SPDX-2.3",
        "packages": [
            {
                "SPDXID": "x",
                "name": "x",
                "checksums": [{"algorithm": "SHA-256", "checksumValue": "00"}],
            }
        ],
    }
    errors = spdx_schema_errors(broken)
    assert any("'creationInfo' is a required property" in e for e in errors)
    assert any("'downloadLocation' is a required property" in e for e in errors)
    assert any("'SHA-256' is not one of" in e for e in errors)


def test_deps_covers_the_terraform_function() -> None:
    result = CliRunner().invoke(cli, ["deps", str(SHOP), "--format", "json"])
    document = json.loads(result.stdout)
    [terraform] = [e for e in document if e["function"] == "aws_lambda_function.report"]
    # archive_file.source_dir leads to the handler's directory, not a doubled path
    assert Path(terraform["project"]).resolve() == (SHOP / "src" / "report").resolve()
    text = CliRunner().invoke(cli, ["deps", str(SHOP / "terraform")])
    assert "terraform / aws_lambda_function.report" in text.output


def test_terraform_function_gets_dependency_findings(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("import yaml\n")
    (tmp_path / "src" / "requirements.txt").write_text("PyYAML>=5\npython3-dateutil==2.8.1\n")
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(
        'data "archive_file" "fn" {\n  type = "zip"\n'
        '  source_dir = "${path.module}/../src"\n'
        '  output_path = "${path.module}/build/fn.zip"\n}\n'
        'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n'
        '  role = "arn:aws:iam::123456789012:role/x"\n  handler = "app.handler"\n'
        '  runtime = "python3.12"\n  filename = data.archive_file.fn.output_path\n}\n'
    )
    config = ScanConfig(select=("DEP003", "DEP006"), db_path=str(tmp_path / "none"))
    report = scan([str(tmp_path / "infra")], config)
    found = sorted((f.rule_id, f.function, f.location.line) for f in report.findings)
    assert found == [
        ("DEP003", "aws_lambda_function.fn", 2),
        ("DEP006", "aws_lambda_function.fn", 1),  # PyYAML>=5 is not pinned
        ("DEP006", "aws_lambda_function.fn", 2),  # pins without --hash
    ]


def _build_output_app(tmp_path: Path, code_uri: str) -> Path:
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Web:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        f"      CodeUri: {code_uri}\n"
        "      Handler: main.handler\n"
        "      Runtime: nodejs20.x\n"
    )
    (tmp_path / "package.json").write_text('{"dependencies": {"lodash": "^4.17.0"}}\n')
    (tmp_path / "webpack.config.js").write_text("module.exports = { output: { path: 'dist' } };\n")
    (tmp_path / "package-lock.json").write_text(
        json.dumps(
            {
                "name": "web",
                "lockfileVersion": 3,
                "packages": {
                    "": {"dependencies": {"lodash": "^4.17.0"}},
                    "node_modules/lodash": {"version": "4.17.15"},
                },
            },
            indent=2,
        )
    )
    return tmp_path


def test_build_output_code_dir_reads_the_project_that_builds_it(
    osv_db: Path, tmp_path: Path
) -> None:
    # CodeUri ./dist is webpack output, not in the repository: the bundle ships what the
    # project's lockfile resolves, and the scan says where it read it from.
    app = _build_output_app(tmp_path, "./dist")
    report = scan([str(app)], ScanConfig(db_path=str(osv_db), select=("DEP001",), today=TODAY))
    [lodash] = [f for f in report.findings if f.properties.get("package") == "lodash"]
    assert lodash.location.file.endswith("package-lock.json") and lodash.location.line == 10
    [note] = [d for d in report.diagnostics if d.code == "dep-build-output"]
    assert "dist of function Web is not in the repository" in note.message
    assert note.level == "info"


def test_missing_code_dir_that_is_no_build_output_borrows_nothing(
    osv_db: Path, tmp_path: Path
) -> None:
    # A template whose code is simply not there (src/ missing) is not a bundle of the root.
    app = _build_output_app(tmp_path, "./src")
    report = scan([str(app)], ScanConfig(db_path=str(osv_db), select=("DEP001",), today=TODAY))
    assert not report.findings
    assert not [d for d in report.diagnostics if d.code == "dep-build-output"]


def test_existing_code_dir_without_manifest_does_not_borrow_the_parent_project(
    osv_db: Path, tmp_path: Path
) -> None:
    app = _build_output_app(tmp_path, "./fn")
    (app / "fn").mkdir()
    (app / "fn" / "main.js").write_text("exports.handler = async () => 1;\n")
    report = scan([str(app)], ScanConfig(db_path=str(osv_db), select=("DEP001",), today=TODAY))
    assert not report.findings
    assert not [d for d in report.diagnostics if d.code == "dep-build-output"]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        # every version the range allows is below both fixes: the advisories' own severity
        ("4.17.4 - 4.17.15", ("high", "every version 4.17.4 - 4.17.15 allows has")),
        # a fresh install picks 4.17.21: low, and the message says which versions are hit
        ("^4.17.0", ("low", "4.17.0 to 4.17.19 affected, fixed in 4.17.21")),
        # nothing the range allows is affected
        (">=4.17.21", None),
    ],
)
def test_range_without_lockfile_is_evaluated_against_advisories(
    osv_db: Path, tmp_path: Path, spec: str, expected: tuple[str, str] | None
) -> None:
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Web:\n"
        "    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: ./fn\n"
        "      Handler: index.handler\n      Runtime: nodejs20.x\n"
    )
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "index.js").write_text('const _ = require("lodash");\n')
    (tmp_path / "fn" / "package.json").write_text(json.dumps({"dependencies": {"lodash": spec}}))
    report = scan([str(tmp_path)], ScanConfig(db_path=str(osv_db), select=("DEP001",), today=TODAY))
    if expected is None:
        assert report.findings == []
        return
    [finding] = report.findings
    severity, text = expected
    assert finding.severity.label == severity
    assert text in finding.message and "is not locked" in finding.message
    assert finding.properties["range"] == spec
