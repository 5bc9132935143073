"""Discovery: what counts as an app, what is skipped."""

from __future__ import annotations

import os
from pathlib import Path

from faasguard.loaders.discovery import discover

SAM = (
    "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n"
)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_finds_each_format_and_skips_build_dirs(tmp_path: Path) -> None:
    _write(tmp_path / "sam" / "template.yaml", SAM)
    _write(tmp_path / "sls" / "serverless.yml", "service: x\n")
    _write(tmp_path / "tf" / "main.tf", 'resource "aws_lambda_function" "f" {}\n')
    _write(tmp_path / "tf" / "modules" / "m" / "main.tf", 'resource "aws_sqs_queue" "q" {}\n')
    _write(tmp_path / "tf" / "use.tf", 'module "m" {\n  source = "./modules/m"\n}\n')
    _write(tmp_path / "cdk" / "cdk.out" / "Stack.template.json", '{"Resources": {}}')
    _write(tmp_path / "cdk" / "cdk.out" / "manifest.json", '{"Resources": {"AWS::X::Y": 1}}')
    _write(tmp_path / "sam" / ".aws-sam" / "build" / "template.yaml", SAM)
    _write(tmp_path / "node_modules" / "pkg" / "serverless.yml", "service: y\n")
    _write(tmp_path / "venv1" / "pyvenv.cfg", "home = /usr\n")
    _write(tmp_path / "venv1" / "lib" / "template.yaml", SAM)
    _write(tmp_path / "notes.yaml", "just: data\n")
    found = {
        (c.format, Path(c.path).relative_to(tmp_path).as_posix()) for c in discover([tmp_path])
    }
    assert found == {
        ("cloudformation", "sam/template.yaml"),
        ("serverless", "sls/serverless.yml"),
        ("terraform", "tf"),
        ("cdk", "cdk/cdk.out/Stack.template.json"),
    }


def test_symlinks_out_of_root_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    _write(outside / "template.yaml", SAM)
    root = tmp_path / "root"
    root.mkdir()
    os.symlink(outside, root / "linked-dir")
    os.symlink(outside / "template.yaml", root / "linked.yaml")
    assert discover([root]) == []


def test_explicit_file_is_loaded_even_if_not_a_template(tmp_path: Path) -> None:
    notes = _write(tmp_path / "notes.yaml", "just: data\n")
    assert [c.format for c in discover([notes])] == ["cloudformation"]


def test_module_calls_in_comments_and_strings_hide_no_folder(tmp_path: Path) -> None:
    """Only a ``module`` block's ``source`` makes a folder a module (issue 12): a call in a
    comment, or the same text inside a string, used to hide the folder from every scan."""
    lambda_tf = 'resource "aws_lambda_function" "f" {}\n'
    _write(tmp_path / "main.tf", lambda_tf)
    _write(tmp_path / "used" / "main.tf", lambda_tf)
    _write(tmp_path / "commented" / "main.tf", lambda_tf)
    _write(tmp_path / "quoted" / "main.tf", lambda_tf)
    _write(
        tmp_path / "calls.tf",
        'module "used" {\n  source = "./used"\n}\n'
        '# module "old" {\n#   source = "./commented"\n# }\n'
        '/* source = "./commented" */\n'
        'locals {\n  note = "source = \\"./quoted\\""\n}\n',
    )
    roots = sorted(Path(c.path).relative_to(tmp_path).as_posix() for c in discover([tmp_path]))
    assert roots == [".", "commented", "quoted"]
