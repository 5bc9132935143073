"""Leaks (issue 16): what a scanned repository or log holds, or what the environment of the
scanning CI holds, never reaches any output beyond what faasguard means to report.

Each reproducer runs faasguard as a user does (a child process, bounded time and memory)
and looks for the leaked text in every output format: scan text/json/sarif/markdown,
``deps`` text/json and both SBOM formats.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

#: A value only the environment of the scanning process holds (a CI secret).
ENV_SECRET = "CI-SECRET-VALUE-7f3a9c1e"
PASSWORD = "IndexPassw0rdXyz"
GIT_TOKEN = "ghp_0123456789abcdefghijABCDEFGHIJ012345"
NPM_TOKEN = "npmGitTokenQ7w8e9r0t"
NOECHO_DEFAULT = "NoEchoDefault4242Secret"
KEY_BODY = "MIIEowIBAAKCAQEA7KeyBodyLeak"
LOG_PASSWORD = "Hunter2Hunter2X"

SAM = """AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      CodeUri: src/
  NodeFn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: nodejs20.x
      CodeUri: web/
"""


def _app(root: Path, requirements: str) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "web").mkdir()
    (root / "template.yaml").write_text(SAM)
    (root / "src" / "app.py").write_text("import requests\n\ndef handler(e, c):\n    return 1\n")
    (root / "src" / "requirements.txt").write_text(requirements)
    (root / "web" / "index.js").write_text("exports.handler = async () => 1;\n")
    (root / "web" / "package.json").write_text(
        json.dumps(
            {
                "name": "web",
                "version": "1.0.0",
                "dependencies": {
                    "lib": f"git+https://{NPM_TOKEN}:x-oauth-basic@github.com/o/lib.git#v1"
                },
            }
        )
    )
    return root


def _every_output(run_faasguard: Callable[..., Any], root: Path) -> dict[str, Any]:
    """Every output format of scan, deps and sbom for ``root``, with ENV_SECRET set."""
    env = {"LEAK_CANARY": ENV_SECRET}
    runs: dict[str, Any] = {}
    for fmt in ("text", "json", "sarif", "markdown"):
        runs[f"scan-{fmt}"] = run_faasguard(
            "scan", str(root), "--no-cache", "--no-color", "-f", fmt, env=env
        )
    for fmt in ("text", "json"):
        runs[f"deps-{fmt}"] = run_faasguard("deps", str(root), "-f", fmt, env=env)
    for fmt in ("cyclonedx-json", "spdx-json"):
        runs[f"sbom-{fmt}"] = run_faasguard("sbom", str(root), "-f", fmt, env=env)
    return runs


def _assert_absent(runs: dict[str, Any], *leaked: str) -> None:
    for name, run in runs.items():
        found = [text for text in leaked if text in run.output]
        assert not found, (name, found)


def test_requirements_includes_outside_the_root_are_never_read(
    run_faasguard: Callable[..., Any], tmp_path: Path
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text(f"{ENV_SECRET}-from-a-file-outside==1.0\n")
    root = _app(
        tmp_path / "repo",
        "-r /proc/self/environ\n-r /etc/passwd\n-r ../../outside.txt\n"
        "-r /dev/stdin\nrequests==2.31.0\n",
    )
    runs = _every_output(run_faasguard, root)
    assert runs["scan-text"].code == 1, runs["scan-text"].output
    for name in ("deps-text", "deps-json", "sbom-cyclonedx-json", "sbom-spdx-json"):
        assert runs[name].code == 0, (name, runs[name].output)
    stderr = runs["deps-text"].stderr
    for line in (1, 2, 3, 4):  # /dev/stdin is /proc/self/fd/0: outside too
        assert (
            f"src/requirements.txt:{line}:1: included file (-r at line {line}) is outside "
            "the scanned root; it is not read"
        ) in stderr
    assert "requests 2.31.0" in runs["deps-text"].stdout  # the file itself is still read
    _assert_absent(runs, ENV_SECRET, "root:x:0:0", "/bin/bash", "/usr/sbin/nologin")


def test_requirements_self_includes_and_fifos_end_quickly(
    run_faasguard: Callable[..., Any], tmp_path: Path
) -> None:
    root = _app(tmp_path / "repo", "-r requirements.txt\n-r requirements.txt\n-r pipe.txt\n")
    src = root / "src"
    # a file including itself twice at every level doubled the work per level
    for index in range(30):
        (src / f"r{index}.txt").write_text(f"-r r{index + 1}.txt\n-r r{index + 1}.txt\n")
    (src / "r30.txt").write_text("-r r0.txt\nrequests==2.31.0\n")
    (src / "requirements.txt").write_text("-r requirements.txt\n-r r0.txt\n-r pipe.txt\n")
    os.mkfifo(src / "pipe.txt")
    run = run_faasguard("deps", str(root), "-f", "json", seconds=60, memory_mb=1024)
    assert run.code == 0, run.output
    assert "(-r at line 3) is not a regular file; it is not read" in run.stderr
    assert '"requests"' in run.stdout


def test_credentials_in_dependency_urls_are_redacted_everywhere(
    run_faasguard: Callable[..., Any], tmp_path: Path
) -> None:
    root = _app(
        tmp_path / "repo",
        f"--extra-index-url https://deploy:{PASSWORD}@pypi.example.com/simple\n"
        f"git+https://{GIT_TOKEN}@github.com/o/private.git@v1#egg=private\n"
        f"https://pkgs.example.com/tool-1.0.tar.gz?token={PASSWORD}\n"
        "requests==2.31.0\n",
    )
    runs = _every_output(run_faasguard, root)
    assert runs["scan-text"].code == 1
    scan = json.loads(runs["scan-json"].stdout)
    messages = " ".join(f["message"] for f in scan["findings"] if f["rule_id"] == "DEP005")
    assert "--extra-index-url https://***@pypi.example.com/simple adds a second index" in messages
    assert "git+https://***@github.com/o/private.git@v1#egg=private" in messages
    assert "git+https://***@github.com/o/lib.git#v1" in runs["deps-text"].stdout
    assert "***@github.com" in runs["sbom-spdx-json"].stdout
    _assert_absent(runs, PASSWORD, GIT_TOKEN, NPM_TOKEN, "deploy:")


def test_noecho_parameter_defaults_are_never_shown(
    run_faasguard: Callable[..., Any], tmp_path: Path
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(e, c):\n    return 1\n")
    (tmp_path / "template.yaml").write_text(
        f"""AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  ApiToken:
    Type: String
    NoEcho: true
    Default: {NOECHO_DEFAULT}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      CodeUri: src/
      Environment:
        Variables:
          API_TOKEN: !Ref ApiToken
      Policies:
        - Statement:
            - Effect: Allow
              Action: s3:GetObject
              Resource: !Sub "arn:aws:s3:::bucket-${{ApiToken}}/*"
"""
    )
    show = run_faasguard("iam", "show", str(tmp_path), "--no-cache")
    assert show.code == 0, show.output
    assert "s3:GetObject" in show.stdout
    scans = {
        fmt: run_faasguard("scan", str(tmp_path), "--no-cache", "-f", fmt)
        for fmt in ("text", "json", "sarif", "markdown")
    }
    assert scans["json"].code == 1
    # the literal default is still a plaintext secret in the template: CONF002 says so
    assert "API_TOKEN of function Fn holds a plaintext secret ([redacted secret]" in (
        scans["json"].stdout
    )
    for name, run in {"iam show": show, **scans}.items():
        assert NOECHO_DEFAULT not in run.output, name


def test_conf002_shows_no_character_and_no_length_of_a_secret(
    run_faasguard: Callable[..., Any], tmp_path: Path
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(e, c):\n    return 1\n")
    secret = "Zq9Passw0rdValue"
    (tmp_path / "template.yaml").write_text(
        SAM.split("  NodeFn:", maxsplit=1)[0]
        + f"      Environment:\n        Variables:\n          DB_PASSWORD: {secret}\n"
    )
    for fmt in ("text", "json", "sarif", "markdown"):
        run = run_faasguard("scan", str(tmp_path), "--no-cache", "-f", fmt)
        assert run.code == 1, run.output
        assert "[redacted secret]" in run.stdout, fmt
        assert secret[:2] + "…" not in run.stdout and "16 chars" not in run.stdout, fmt


def test_log018_evidence_shows_nothing_of_the_secrets_on_the_line(
    run_faasguard: Callable[..., Any], tmp_path: Path
) -> None:
    logs = tmp_path / "aws" / "lambda" / "payments"
    logs.mkdir(parents=True)
    (logs / "2024-05-01-02.log").write_text(
        "2024-05-01T02:42:06.452Z 176948b8-f8a7-490f-8f10-4fb3a419ceed DEBUG "
        f'login {{"password": "{LOG_PASSWORD}", "user": "bob"}} token=AKIAIOSFODNN7EXAMPLQ '
        f"key=-----BEGIN RSA PRIVATE KEY-----{KEY_BODY}\n"
    )
    for fmt in ("json", "text", "sarif", "markdown"):
        run = run_faasguard("logs", "analyze", str(tmp_path), "-f", fmt)
        assert run.code == 1, run.output
        assert "LOG018" in run.stdout, fmt
        for leaked in (KEY_BODY, "MIIE", LOG_PASSWORD, "AKIAIOSFODNN7EXAMPLQ", "AKIA…"):
            assert leaked not in run.output, (fmt, leaked)
    evidence = run_faasguard("logs", "analyze", str(tmp_path), "-f", "json").stdout
    assert 'login {[redacted password], \\"user\\": \\"bob\\"}' in evidence
    assert "token=[redacted aws-access-key]" in evidence
    assert "key=[redacted private key]" in evidence


@pytest.mark.parametrize("color", ["--no-color", "--color"])
def test_terminal_escapes_from_templates_never_reach_text_output(
    run_faasguard: Callable[..., Any], tmp_path: Path, color: str
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(e, c):\n    return 1\n")
    (tmp_path / "template.yaml").write_text(
        SAM.split("  NodeFn:", maxsplit=1)[0].replace(
            "      Handler: app.handler\n",
            '      FunctionName: "evil\\e]0;pwned\\a\\e[2J\\x9b31m\\u202eend"\n'
            "      Handler: app.handler\n",
        )
    )
    run = run_faasguard("scan", str(tmp_path), "--no-cache", color)
    assert run.code == 1, run.output
    assert "evil\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202eend" in run.stdout
    for raw in ("\x1b]", "\x07", "\x1b[2J", "\x9b", "\u202e"):
        assert raw not in run.stdout, repr(raw)
    if color == "--no-color":
        assert "\x1b" not in run.stdout
