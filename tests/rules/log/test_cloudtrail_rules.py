"""CloudTrail LOG03x rules on hand-written records: who the pipeline is, and what a change
means (positive and negative cases for each)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from faasguard.cli.root import app
from faasguard.errors import UsageError
from faasguard.logs import cloudtrail
from faasguard.logs.deployers import Deployers, tool
from faasguard.logs.detectors import PartialState
from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.facts import LogFacts, detect_all
from faasguard.logs.pricing import price
from faasguard.rules import log_rules

ACCOUNT = "111122223333"
HUMAN = f"arn:aws:iam::{ACCOUNT}:user/mallory"
runner = CliRunner()
CI = f"arn:aws:sts::{ACCOUNT}:assumed-role/github-deploy/run-1"
TERRAFORM = "APN/1.0 HashiCorp/1.0 Terraform/1.5.7 (+https://www.terraform.io)"


def _record(name: str, source: str, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
    who = extra.pop("arn", HUMAN)
    identity: dict[str, Any] = {"type": "IAMUser", "arn": who, "accountId": ACCOUNT}
    if "invoked_by" in extra:
        identity["invokedBy"] = extra.pop("invoked_by")
    return {
        "eventTime": extra.pop("time", "2024-05-01T10:00:00Z"),
        "eventSource": f"{source}.amazonaws.com",
        "eventName": name,
        "eventID": extra.pop("event_id", name),
        "userIdentity": identity,
        "userAgent": extra.pop("agent", "aws-cli/2.15.0"),
        "sourceIPAddress": extra.pop("ip", "198.51.100.7"),
        "recipientAccountId": ACCOUNT,
        "requestParameters": params,
        **extra,
    }


def _deploys(n: int = 4) -> list[dict[str, Any]]:
    """``n`` Terraform changes by the CI role: enough to learn it as the pipeline."""
    return [
        _record(
            "UpdateFunctionCode20150331v2",
            "lambda",
            {"functionName": f"fn{i}"},
            arn=CI,
            agent=TERRAFORM,
            event_id=f"deploy{i}",
        )
        for i in range(n)
    ]


def _alerts(
    tmp_path: Path, records: list[dict[str, Any]], deployers: Deployers | None = None
) -> tuple[list[tuple[str, str]], DiagnosticCounter]:
    path = tmp_path / "trail.json"
    path.write_text(json.dumps({"Records": records}))
    diagnostics = DiagnosticCounter()
    events = cloudtrail.read(str(path), diagnostics)
    trail = cloudtrail.trail_facts(events, (), deployers)
    facts = LogFacts(
        state=PartialState(), trail=trail, price=price(None, None), compute_windows=list
    )
    found = detect_all(facts, [r for r in log_rules() if r.id.startswith("LOG03")])
    return [(a.rule_id, a.message) for a in found], diagnostics


def _ids(alerts: list[tuple[str, str]]) -> list[str]:
    return [rule for rule, _ in alerts]


def test_code_change_outside_the_learned_pipeline_is_flagged_and_the_pipeline_is_not(
    tmp_path: Path,
) -> None:
    change = _record("UpdateFunctionCode20150331v2", "lambda", {"functionName": "orders"})
    alerts, _ = _alerts(tmp_path, [*_deploys(), change])
    assert alerts == [
        (
            "LOG030",
            f"UpdateFunctionCode on orders by {HUMAN}, outside the deployment pipeline "
            f"({CI}|Terraform)",
        )
    ]


def test_same_principal_by_hand_is_not_the_pipeline_its_terraform_runs_are(
    tmp_path: Path,
) -> None:
    by_hand = _record("UpdateFunctionCode20150331v2", "lambda", {"functionName": "orders"}, arn=CI)
    alerts, _ = _alerts(tmp_path, [*_deploys(), by_hand])
    assert _ids(alerts) == ["LOG030"] and CI in alerts[0][1]


def test_no_deployer_known_is_said_once_instead_of_flagging_every_change(
    tmp_path: Path,
) -> None:
    changes = [
        _record(
            "UpdateFunctionCode20150331v2", "lambda", {"functionName": f"f{i}"}, event_id=str(i)
        )
        for i in range(2)
    ]
    changes.append(_record("DeleteFunction20150331", "lambda", {"functionName": "f0"}))
    alerts, _ = _alerts(tmp_path, changes)
    assert alerts == []  # the CLI test below sees the one "no deployer known" diagnostic


def test_configured_deployers_by_user_agent_role_and_ip(tmp_path: Path) -> None:
    deployers = Deployers(
        user_agents=("terraform",), roles=("github-*",), source_ips=("10.0.0.0/8",)
    )
    records = [
        _record("DeleteFunction20150331", "lambda", {"functionName": "a"}, agent=TERRAFORM),
        _record("DeleteFunction20150331", "lambda", {"functionName": "b"}, arn=CI, event_id="b"),
        _record(
            "DeleteFunction20150331", "lambda", {"functionName": "c"}, ip="10.1.2.3", event_id="c"
        ),
        _record("DeleteFunction20150331", "lambda", {"functionName": "d"}, event_id="d"),
    ]
    alerts, _ = _alerts(tmp_path, records, deployers)
    assert alerts == [
        (
            "LOG037",
            f"function d was deleted by {HUMAN}, outside the deployment pipeline "
            "(IP 10.0.0.0/8, role github-*, user agent terraform)",
        )
    ]


def test_cloudformation_counts_as_the_pipeline(tmp_path: Path) -> None:
    record = _record(
        "CreateFunction20150331",
        "lambda",
        {"functionName": "stack-fn"},
        invoked_by="cloudformation.amazonaws.com",
    )
    alerts, _ = _alerts(tmp_path, [*_deploys(), record])
    assert alerts == []


def test_deployers_table_errors_name_the_file() -> None:
    with pytest.raises(
        UsageError, match=r"faasguard.toml: unknown key\(s\) in \[logs.deployers\]: who"
    ):
        Deployers.from_table({"who": ["x"]}, "faasguard.toml")
    with pytest.raises(UsageError, match="'not-an-ip' is not an IP or CIDR"):
        Deployers.from_table({"source_ips": ["not-an-ip"]}, "faasguard.toml")
    assert tool("stratus-red-team_1e5be608-6e03") == "stratus-red-team"
    assert tool(f"[{TERRAFORM}]") == "Terraform"


def test_event_selectors_only_when_they_drop_management_or_lambda_events(tmp_path: Path) -> None:
    keep = {
        "trailName": "main",
        "eventSelectors": [{"readWriteType": "All", "includeManagementEvents": True}],
    }
    drop = {
        "trailName": "main",
        "eventSelectors": [{"readWriteType": "All", "includeManagementEvents": False}],
    }
    with_lambda = {
        "trailName": "main",
        "eventSelectors": [
            {
                "readWriteType": "All",
                "includeManagementEvents": True,
                "dataResources": [{"type": "AWS::Lambda::Function", "values": ["arn:aws:lambda"]}],
            }
        ],
    }
    records = [
        _record(
            "PutEventSelectors",
            "cloudtrail",
            with_lambda,
            event_id="1",
            time="2024-05-01T09:00:00Z",
        ),
        _record("PutEventSelectors", "cloudtrail", keep, event_id="2", agent="Boto3/1.34"),
        _record("PutEventSelectors", "cloudtrail", drop, event_id="3", time="2024-05-01T11:00:00Z"),
    ]
    alerts, _ = _alerts(tmp_path, records)  # no deployer known: content decides
    assert alerts == [
        (
            "LOG036",
            f"PutEventSelectors on main by {HUMAN}: the trail no longer records Lambda data events",
        ),
        (
            "LOG036",
            f"PutEventSelectors on main by {HUMAN}: the trail no longer records management "
            "events (writes) and Lambda data events",
        ),
    ]


def _expire(bucket: str) -> dict[str, Any]:
    rule = {"Rule": {"Expiration": {"Days": 1}}}
    params = {"bucketName": bucket, "LifecycleConfiguration": rule}
    return _record("PutBucketLifecycle", "s3", params, event_id=f"lc-{bucket}")


def test_failed_stop_logging_is_an_attempt_and_pipeline_trail_work_is_not(tmp_path: Path) -> None:
    records = [
        *_deploys(),
        _record(
            "CreateTrail",
            "cloudtrail",
            {"name": "t", "s3BucketName": "logs-b"},
            arn=CI,
            agent=TERRAFORM,
        ),
        _record("DeleteTrail", "cloudtrail", {"name": "old"}, arn=CI, agent=TERRAFORM),
        _record("StopLogging", "cloudtrail", {"name": "t"}, errorCode="TrailNotFoundException"),
        *(_expire(bucket) for bucket in ("logs-b", "other")),
    ]
    alerts, _ = _alerts(tmp_path, records)
    assert alerts == [
        (
            "LOG036",
            f"PutBucketLifecycle on logs-b by {HUMAN}: a lifecycle rule now expires the trail's "
            "log files in its bucket",
        ),
        (
            "LOG036",
            f"StopLogging on t by {HUMAN} (attempt, failed: TrailNotFoundException): logging or "
            "auditing was switched off or weakened",
        ),
    ]


@pytest.mark.parametrize(
    ("params", "public"),
    [
        ({"functionName": "f", "principal": "*", "statementId": "s"}, True),
        ({"functionName": "f", "principal": {"AWS": "*"}, "statementId": "s"}, True),
        ({"functionName": "f", "principal": "arn:aws:iam::*:root", "statementId": "s"}, True),
        (
            {"functionName": "f", "principal": "*", "principalOrgID": "o-abc", "statementId": "s"},
            False,
        ),
        (
            {"functionName": "f", "principal": "s3.amazonaws.com", "sourceArn": "arn:aws:s3:::b"},
            False,
        ),
    ],
)
def test_add_permission_principal_forms(
    tmp_path: Path, params: dict[str, Any], public: bool
) -> None:
    alerts, _ = _alerts(tmp_path, [_record("AddPermission20150331v2", "lambda", params)])
    assert _ids(alerts) == (["LOG031"] if public else [])


def test_layer_permission_to_anyone(tmp_path: Path) -> None:
    params = {"layerName": "shared", "versionNumber": 3, "principal": "*", "statementId": "p"}
    alerts, _ = _alerts(tmp_path, [_record("AddLayerVersionPermission20181031", "lambda", params)])
    assert alerts == [
        (
            "LOG031",
            "AddLayerVersionPermission opened layer shared version 3 to any principal ('*') "
            f"(statement p, by {HUMAN})",
        )
    ]


def _trust(principal: object) -> str:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_iam_changes_are_read_for_their_content(tmp_path: Path) -> None:
    admin = json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    escalate = json.dumps(
        {"Statement": [{"Effect": "Allow", "Action": ["iam:CreatePolicyVersion"], "Resource": "*"}]}
    )
    narrow = json.dumps(
        {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    )
    records = [
        _record(
            "CreateFunction20150331",
            "lambda",
            {"functionName": "f", "role": f"arn:aws:iam::{ACCOUNT}:role/fn-role"},
            arn=CI,
            agent=TERRAFORM,
            event_id="cf",
        ),
        _record(
            "PutRolePolicy", "iam", {"roleName": "fn-role", "policyDocument": admin}, event_id="a"
        ),
        _record(
            "PutUserPolicy", "iam", {"userName": "bob", "policyDocument": escalate}, event_id="b"
        ),
        _record(
            "UpdateAssumeRolePolicy",
            "iam",
            {
                "roleName": "ops",
                "policyDocument": _trust({"AWS": "arn:aws:iam::444455556666:root"}),
            },
            event_id="c",
        ),
        _record(
            "UpdateAssumeRolePolicy",
            "iam",
            {"roleName": "ops2", "policyDocument": _trust({"Service": "lambda.amazonaws.com"})},
            event_id="d",
        ),
        _record(
            "PutGroupPolicy", "iam", {"groupName": "devs", "policyDocument": narrow}, event_id="e"
        ),
        _record(
            "PutRolePolicy",
            "iam",
            {"roleName": "fn-role", "policyDocument": admin},
            arn=CI,
            agent=TERRAFORM,
            event_id="f",
        ),
    ]
    terraform = Deployers(user_agents=("Terraform",))
    messages = [m for rule, m in _alerts(tmp_path, records, terraform)[0] if rule == "LOG035"]
    # Sorted by subject; with the pipeline known, every change outside it is flagged, the
    # dangerous ones say why; the pipeline's own admin grant is not flagged.
    assert messages == [
        f"PutUserPolicy on user bob by {HUMAN}, outside the deployment pipeline: it allows "
        "privilege escalation (Create a new default version of a managed policy)",
        f"PutGroupPolicy on group devs by {HUMAN}, outside the deployment pipeline",
        f"PutRolePolicy on function execution role fn-role by {HUMAN}, outside the deployment "
        "pipeline: it now grants administrator access ('*' on '*')",
        f"UpdateAssumeRolePolicy on role ops by {HUMAN}, outside the deployment pipeline: the "
        "trust policy lets arn:aws:iam::444455556666:root assume it",
        f"UpdateAssumeRolePolicy on role ops2 by {HUMAN}, outside the deployment pipeline",
    ]
    # Without any deployer known, only the dangerous content is flagged (not ops2, devs).
    # (each by another tool: no signature is learned).
    alone = [{**r, "userAgent": f"tool{n}/1"} for n, r in enumerate(records[1:6])]
    without = [m for rule, m in _alerts(tmp_path, alone)[0] if rule == "LOG035"]
    assert len(without) == 3


def test_cli_reads_logs_deployers_and_says_no_deployer_known(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    change = _record("UpdateFunctionCode20150331v2", "lambda", {"functionName": "orders"})
    (tmp_path / "trail.json").write_text(json.dumps({"Records": [change]}))
    monkeypatch.chdir(tmp_path)
    command = ["logs", "analyze", "trail.json", "--no-history", "-f", "json", "--jobs", "1"]
    bare = runner.invoke(app, command)
    report = json.loads(bare.stdout)
    assert report["findings"] == []
    assert [d["message"].split(":")[0] for d in report["diagnostics"]] == ["1 x no deployer known"]
    (tmp_path / "faasguard.toml").write_text('[logs.deployers]\nroles = ["deploy"]\n')
    configured = runner.invoke(app, command)
    assert [f["rule_id"] for f in json.loads(configured.stdout)["findings"]] == ["LOG030"]
    assert configured.exit_code == 1
    (tmp_path / "faasguard.toml").write_text('[logs.deployers]\nroles = "deploy"\n')
    bad = runner.invoke(app, command)
    assert bad.exit_code == 2
    assert "[logs.deployers] roles must be a list of strings" in bad.stderr


def test_history_of_bare_principals_still_names_the_pipeline(tmp_path: Path) -> None:
    path = tmp_path / "trail.json"
    change = _record("UpdateFunctionCode20150331v2", "lambda", {"functionName": "orders"})
    path.write_text(json.dumps({"Records": [change]}))
    events = cloudtrail.read(str(path), DiagnosticCounter())
    assert cloudtrail.trail_facts(events, [HUMAN]).changes[0].by_pipeline is True
    assert cloudtrail.trail_facts(events, [CI]).changes[0].by_pipeline is False
