"""Serverless Framework variable resolution, as a user sees it in the loaded model."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from faasguard.config import LoadOptions
from faasguard.loaders.serverless import load
from faasguard.model import App, DiagnosticLevel, Unknown


def _load(tmp_path: Path, text: str, **options: object) -> App:
    path = tmp_path / "serverless.yml"
    path.write_text(textwrap.dedent(text))
    return load(str(path), LoadOptions(**options))  # type: ignore[arg-type]


def _env(app: App, function: str = "fn") -> dict[str, object]:
    found = app.function(function)
    assert found is not None
    return dict(found.environment)


BASE = """
service: shop
provider:
  name: aws
  runtime: python3.12
  stage: ${opt:stage, 'dev'}
functions:
  fn:
    handler: h.main
    environment:
"""


def test_self_opt_sls_and_defaults(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        BASE
        + """
      SERVICE: ${self:service}
      STAGE: ${sls:stage}
      OPT: ${opt:stage}
      REGION: ${opt:region, 'eu-west-1'}
      MIXED: "prefix-${self:service}-${sls:stage}-suffix"
""",
    )
    env = _env(app)
    assert env["SERVICE"] == "shop"
    assert env["STAGE"] == "dev"
    assert isinstance(env["OPT"], Unknown)
    assert env["REGION"] == "eu-west-1"
    assert env["MIXED"] == "prefix-shop-dev-suffix"
    assert app.function("fn") is not None
    assert app.function("fn").name == "shop-dev-fn"  # type: ignore[union-attr]


def test_stage_and_vars_options(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        BASE
        + """
      STAGE: ${sls:stage}
      OPT: ${opt:stage}
      DB: ${env:DB_HOST, 'localhost'}
      KEY: ${env:API_KEY}
      P: ${param:domain}
      R: ${opt:region}
""",
        stage="prod",
        variables={
            "DB_HOST": "db.internal",
            "env:API_KEY": "k",
            "domain": "x.io",
            "region": "eu-west-3",
        },
    )
    env = _env(app)
    assert env == {
        "STAGE": "prod",
        "OPT": "prod",
        "DB": "db.internal",
        "KEY": "k",
        "P": "x.io",
        "R": "eu-west-3",
    }
    assert app.function("fn").name == "shop-prod-fn"  # type: ignore[union-attr]


def test_env_is_never_read_from_the_process(tmp_path: Path) -> None:
    os.environ["FAASGUARD_TEST_SECRET"] = "leaked"
    try:
        app = _load(tmp_path, BASE + "      S: ${env:FAASGUARD_TEST_SECRET, 'default'}\n")
    finally:
        del os.environ["FAASGUARD_TEST_SECRET"]
    assert _env(app)["S"] == "default"


def test_missing_env_without_default_is_unknown_with_info(tmp_path: Path) -> None:
    app = _load(tmp_path, BASE + "      S: ${env:NOPE}\n")
    value = _env(app)["S"]
    assert isinstance(value, Unknown) and value.expression == "${env:NOPE}"
    [diag] = [d for d in app.diagnostics if "NOPE" in d.message]
    assert diag.level is DiagnosticLevel.INFO
    assert diag.location is not None and diag.location.line == 11


def test_param_from_params_section(tmp_path: Path) -> None:
    text = BASE.replace(
        "functions:", "params:\n  default:\n    d: fallback\n  prod:\n    d: prodval\nfunctions:"
    )
    app = _load(tmp_path, text + "      D: ${param:d}\n")
    assert _env(app)["D"] == "fallback"
    app = _load(tmp_path, text + "      D: ${param:d}\n", stage="prod")
    assert _env(app)["D"] == "prodval"


def test_nested_recursive_and_fallback_chains(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        BASE
        + """
      NESTED: ${self:custom.${sls:stage}.memory}
      RECURSIVE: ${self:custom.alias}
      CHAIN: ${env:A, ${env:B, ${self:custom.missing, 'lit'}}}
      CHAIN2: ${env:A, ${self:custom.dev.memory}}
      NUMBER: ${env:A, 42}
custom:
  dev:
    memory: 512
  alias: ${self:custom.target}
  target: ${self:custom.dev.memory}
""",
    )
    env = _env(app)
    assert env["NESTED"] == 512
    assert env["RECURSIVE"] == 512
    assert env["CHAIN"] == "lit"
    assert env["CHAIN2"] == 512
    assert env["NUMBER"] == 42


def test_whole_variable_keeps_type_mapping_and_number(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        """
        service: s
        provider:
          name: aws
          memorySize: ${self:custom.mem}
          environment: ${self:custom.env}
        custom:
          mem: 256
          env:
            A: "1"
            B: two
        functions:
          fn:
            handler: h.main
        """,
    )
    fn = app.function("fn")
    assert fn is not None
    assert fn.memory == 256
    assert dict(fn.environment) == {"A": "1", "B": "two"}
    # a mapping taken from elsewhere points at where its entries are written
    assert fn.loc("environment.B").line == 11


def test_symbolic_sources_stay_unknown(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        BASE
        + """
      SSM: ${ssm:/db/password}
      CF: ${cf:other-stack.Output}
      S3: ${s3:bucket/key}
      AWS: ${aws:accountId}
      ID: ${sls:instanceId}
      PLUGIN: ${myplugin:thing}
      MIX: "postgres://${ssm:/db/user}@host"
""",
    )
    env = _env(app)
    for name, expression in {
        "SSM": "${ssm:/db/password}",
        "CF": "${cf:other-stack.Output}",
        "S3": "${s3:bucket/key}",
        "AWS": "${aws:accountId}",
        "ID": "${sls:instanceId}",
        "PLUGIN": "${myplugin:thing}",
        "MIX": "postgres://${ssm:/db/user}@host",
    }.items():
        value = env[name]
        assert isinstance(value, Unknown), name
        assert value.expression == expression


def test_cloudformation_sub_placeholders_are_kept(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        BASE + '      ARN: !Sub "arn:aws:s3:::${AWS::Region}-${MyBucket}-${self:service}"\n',
    )
    assert _env(app)["ARN"] == {"Fn::Sub": "arn:aws:s3:::${AWS::Region}-${MyBucket}-shop"}


def test_cycle_is_unknown_with_warning(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        BASE
        + """
      A: ${self:custom.a}
custom:
  a: ${self:custom.b}
  b: ${self:custom.a}
""",
    )
    assert isinstance(_env(app)["A"], Unknown)
    warnings = [d for d in app.diagnostics if "cycle" in d.message]
    assert warnings and warnings[0].level is DiagnosticLevel.WARNING
    assert warnings[0].location is not None and warnings[0].location.line in (13, 14)


def test_missing_self_reference_warns(tmp_path: Path) -> None:
    app = _load(tmp_path, BASE + "      A: ${self:custom.nothing}\n")
    assert isinstance(_env(app)["A"], Unknown)
    [diag] = [d for d in app.diagnostics if "custom.nothing" in d.message]
    assert diag.level is DiagnosticLevel.WARNING


def test_file_includes_with_lines_in_the_included_file(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "dev.yml").write_text(
        "memory: 2048\nenv:\n  TABLE: orders\n  KEY: ${self:service}\n"
    )
    (tmp_path / "extra.json").write_text('{\n  "timeout": 30\n}\n')
    app = _load(
        tmp_path,
        """
        service: s
        provider:
          name: aws
          memorySize: ${file(./config/${sls:stage}.yml):memory}
          timeout: ${file(./extra.json):timeout}
        custom: ${file(./config/dev.yml)}
        functions:
          fn:
            handler: h.main
            environment: ${self:custom.env}
        """,
    )
    fn = app.function("fn")
    assert fn is not None
    assert fn.memory == 2048
    assert fn.timeout == 30
    assert dict(fn.environment) == {"TABLE": "orders", "KEY": "s"}
    included = str(tmp_path / "config" / "dev.yml")
    assert app.files[0] == str(tmp_path / "serverless.yml")
    assert included in app.files and str(tmp_path / "extra.json") in app.files
    assert fn.loc("memory").file == included and fn.loc("memory").line == 1
    assert fn.loc("timeout").line == 2
    assert fn.loc("environment.TABLE").file == included
    assert fn.loc("environment.TABLE").line == 3


def test_file_outside_the_app_and_code_files_are_refused(tmp_path: Path) -> None:
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    (tmp_path / "secret.yml").write_text("x: 1\n")
    (app_dir / "vars.js").write_text("module.exports = () => require('child_process')\n")
    app = _load(
        app_dir,
        BASE + "      OUT: ${file(../secret.yml):x}\n      JS: ${file(./vars.js):value}\n",
    )
    env = _env(app)
    assert isinstance(env["OUT"], Unknown) and isinstance(env["JS"], Unknown)
    messages = {d.message: d for d in app.diagnostics}
    outside = next(d for m, d in messages.items() if "outside the application" in m)
    assert outside.level is DiagnosticLevel.ERROR
    assert outside.location is not None and outside.location.line == 11
    assert any("does not execute" in m for m in messages)
    assert str(tmp_path / "secret.yml") not in app.files


def test_escaped_cycle_through_files_terminates(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("x: ${file(./b.yml):y}\n")
    (tmp_path / "b.yml").write_text("y: ${file(./a.yml):x}\n")
    app = _load(tmp_path, BASE + "      X: ${file(./a.yml):x}\n")
    assert isinstance(_env(app)["X"], Unknown)
    assert any("cycle" in d.message for d in app.diagnostics)


def test_deep_reference_chain_is_bounded(tmp_path: Path) -> None:
    chain = "\n".join(f"  v{i}: ${{self:custom.v{i + 1}}}" for i in range(300))
    app = _load(
        tmp_path, BASE + "      X: ${self:custom.v0}\ncustom:\n" + chain + "\n  v300: end\n"
    )
    assert isinstance(_env(app)["X"], Unknown)
    assert any("deeper than" in d.message for d in app.diagnostics)
