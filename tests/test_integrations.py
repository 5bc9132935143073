"""The CI integrations the README offers: the GitHub Action (action.yml), the pre-commit
hook (.pre-commit-hooks.yaml) and the container image (Dockerfile) - checked for what can
go wrong without GitHub, pre-commit or Docker: inputs pasted into scripts, commands our CLI
does not accept, a README tag that is not the package version."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

import jsonschema
import yaml
from typer.testing import CliRunner

from faasguard.cli import app

REPO = Path(__file__).resolve().parents[1]
SHOP = REPO / "examples" / "shop"
runner = CliRunner()


def test_the_action_passes_inputs_as_environment_and_writes_valid_sarif(tmp_path: Path) -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    steps = action["runs"]["steps"]
    scripts = [s["run"] for s in steps if "run" in s]
    # ${{ inputs.x }} inside a script would let an input inject shell code
    assert scripts and not any("${{" in script for script in scripts)
    scan = next(s for s in steps if s.get("id") == "scan")
    assert 'faasguard scan "$FAASGUARD_PATH" --format sarif --output faasguard.sarif' in scan["run"]
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif") for s in steps)
    out = tmp_path / "faasguard.sarif"
    result = runner.invoke(
        app, ["scan", str(SHOP), "--format", "sarif", "--output", str(out), "--fail-on", "high"]
    )
    assert result.exit_code == 1  # findings at or above high: the step fails, after upload
    schema = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(json.loads(out.read_text()))


def test_the_pre_commit_hook_runs_and_the_readme_names_this_version() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    command, *arguments = shlex.split(hook["entry"])
    assert command in project["scripts"]
    result = runner.invoke(app, [*arguments, *hook["args"][:-1], str(SHOP), "-q"])
    assert result.exit_code == 1, result.output  # the example has findings: the hook fails
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    (rev,) = re.findall(r"rev: (v[\d.]+)", readme)
    assert rev == f"v{project['version']}"


def test_the_image_runs_faasguard_as_an_unprivileged_user() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert 'ENTRYPOINT ["faasguard"]' in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M)
    assert ".git" in (REPO / ".dockerignore").read_text().split()
