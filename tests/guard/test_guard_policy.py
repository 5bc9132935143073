"""The policy file format (TOML/JSON/keyword arguments), its errors, and what the guard
package may import inside Lambda."""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from faasguard.guard import PolicyError, load_policy
from faasguard.guard.limits import Limits

POLICY = """\
triggers = ["apigw-v1", "sqs"]

[inspect]
mode = "monitor"
ignore_paths = ["$.headers.User-Agent"]

[shape]
schema = "order.json"

[network]
mode = "block"
allow = ["api.example.com:443", "*.amazonaws.com", "10.0.0.0/8"]

[timeout]
margin_ms = 800
"""


def test_toml_policy_with_a_schema_beside_it(tmp_path: Path) -> None:
    (tmp_path / "order.json").write_text('{"type": "object"}')
    (tmp_path / "guard.toml").write_text(POLICY)
    policy = load_policy(tmp_path / "guard.toml")
    assert policy.triggers == ("apigw-v1", "sqs")
    assert policy.inspect.mode == "monitor"
    assert policy.shape.schema == {"type": "object"} and policy.shape.active
    assert policy.network.allow[1] == "*.amazonaws.com"
    assert policy.timeout.margin_ms == 800
    assert policy.processes.mode == "monitor"  # the default for behaviour limits


def test_keyword_arguments_override_the_file(tmp_path: Path) -> None:
    (tmp_path / "guard.json").write_text(json.dumps({"inspect": {"mode": "monitor"}}))
    policy = load_policy(tmp_path / "guard.json", inspect="block", processes={"allow": ["git"]})
    assert policy.inspect.mode == "block"
    assert policy.processes.allow == ("git",)


def test_defaults_are_block_inspection_and_monitored_limits() -> None:
    policy = load_policy()
    assert policy.inspect.mode == "block"
    assert {policy.network.mode, policy.processes.mode, policy.environ.mode} == {"monitor"}
    assert not policy.shape.active


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[inspect]\nmode = "deny"\n', r"guard\.toml:2: \[inspect\] mode must be one of"),
        ('\n[netwerk]\nmode = "block"\n', r"guard\.toml:2: unknown guard policy key 'netwerk'"),
        ('[network]\nallow = ["http://x"]\n', r"guard\.toml:2: .*'http://x' is not a host name"),
        ('triggers = ["lambda"]\n', r"guard\.toml:1: unknown trigger kind\(s\) lambda"),
        ("[tmp]\nmax_mb = -1\n", r"guard\.toml:2: \[tmp\] max_mb must be a number >= 0"),
        ("[inspect\n", r"guard\.toml: invalid TOML"),
    ],
)
def test_bad_policy_names_file_line_and_key(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "guard.toml").write_text(text)
    with pytest.raises(PolicyError, match=message):
        load_policy(tmp_path / "guard.toml")


def test_bad_json_policy_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "guard.json").write_text('{\n  "inspect": {"mode": "block",}\n}')
    with pytest.raises(PolicyError, match=r"guard\.json:2: invalid JSON"):
        load_policy(tmp_path / "guard.json")


def test_metadata_address_needs_an_exact_entry() -> None:
    metadata = ipaddress.ip_address("169.254.169.254")
    wide = Limits(load_policy(network={"allow": ["169.254.0.0/16", "0.0.0.0/0"]}))
    assert not wide.address_allowed(metadata, 80)
    assert wide.address_allowed(ipaddress.ip_address("169.254.1.1"), 80)
    exact = Limits(load_policy(network={"allow": ["169.254.169.254:80"]}))
    assert exact.address_allowed(metadata, 80)
    assert not exact.address_allowed(metadata, 8080)


def test_wildcard_names_match_subdomains_only() -> None:
    limits = Limits(load_policy(network={"allow": ["*.amazonaws.com"]}))
    assert limits.name_allowed("dynamodb.eu-west-1.amazonaws.com", 443)
    assert not limits.name_allowed("amazonaws.com.evil.test", 443)


def test_guard_imports_only_the_standard_library_payloads_and_secrets() -> None:
    # and the payload engine's optional native matchers, which it loads when installed
    code = textwrap.dedent(
        """
        import sys
        before = set(sys.modules)
        from faasguard.guard import guard
        guard(redaction="off")(lambda event, context: None)
        allowed = ("faasguard.guard", "faasguard.payloads", "faasguard.secrets",
                   "hyperscan", "libinjection", "_cython_", "cython_runtime")
        foreign = sorted(
            name for name in set(sys.modules) - before
            if name.partition(".")[0] not in sys.stdlib_module_names
            and name != "faasguard" and not name.startswith(allowed)
        )
        print(",".join(foreign))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == ""


def test_a_cold_start_imports_only_what_the_default_policy_uses() -> None:
    # What it imports, not a wall-clock time: a deterministic check of the cold start.
    # The default policy and a first benign invocation need no policy file (tomllib), no
    # shape validator, no socket resolution, no base64 or URL decoding of their own, and
    # the secret detectors wait for the first log line that holds a token-like word.
    code = textwrap.dedent(
        """
        import sys
        from faasguard.guard import guard
        handler = guard(tmp={"path": sys.argv[1]})(lambda event, context: {"statusCode": 200})
        handler({"version": "2.0", "routeKey": "GET /", "body": "{\\"q\\": \\"shoes\\"}"}, None)
        print(",".join(sorted(sys.modules)))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    done = subprocess.run(
        [sys.executable, "-c", code, str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    loaded = set(done.stdout.strip().split(","))
    assert "faasguard.payloads.engine" in loaded  # the engine is ready before the first event
    unused = {"tomllib", "fastjsonschema", "pydantic", "detect_secrets", "requests"}
    unused |= {"socket", "datetime", "base64"}
    assert loaded & unused == set()
