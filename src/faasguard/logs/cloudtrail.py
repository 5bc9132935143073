"""CloudTrail management events on Lambda, IAM and logging: reading and detections.

CloudTrail volume is small next to function logs (one record per API call), so records are
read with ``json`` and reduced to compact dicts holding only what the detections need.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.ingest import read_document
from faasguard.logs.model import Alert, Evidence

_LAMBDA_CHANGES = re.compile(
    r"^(UpdateFunctionCode|UpdateFunctionConfiguration|CreateFunction|DeleteFunction|"
    r"AddPermission|RemovePermission|PutFunctionConcurrency|DeleteFunctionConcurrency|"
    r"CreateFunctionUrlConfig|UpdateFunctionUrlConfig|PublishLayerVersion|"
    r"AddLayerVersionPermission|PutFunctionCodeSigningConfig|"
    r"DeleteFunctionCodeSigningConfig|CreateEventSourceMapping|UpdateEventSourceMapping)"
)
_IAM_ROLE_CHANGES = {
    "PutRolePolicy",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "DeleteRolePolicy",
    "UpdateAssumeRolePolicy",
    "CreatePolicyVersion",
    "SetDefaultPolicyVersion",
}
_LOGGING_OFF = {
    "StopLogging",
    "DeleteTrail",
    "UpdateTrail",
    "PutEventSelectors",
    "DeleteLogGroup",
    "DeleteLogStream",
    "PutRetentionPolicy",
    "DeleteSubscriptionFilter",
}
_KEPT_SOURCES = {
    "lambda.amazonaws.com",
    "iam.amazonaws.com",
    "cloudtrail.amazonaws.com",
    "logs.amazonaws.com",
}
_MIN_DEPLOYER_EVENTS = 3
_DEPLOYER_SHARE = 0.25


def read(path: str, diagnostics: DiagnosticCounter) -> list[dict[str, Any]]:
    """The relevant management events of one CloudTrail file, as compact dicts."""
    document = read_document(path, diagnostics)
    if document is None:
        return []
    try:
        body = json.loads(document)
    except (ValueError, RecursionError):
        diagnostics.add("invalid-json", path, "document")
        return []
    records = body.get("Records") if isinstance(body, dict) else None
    if not isinstance(records, list):
        diagnostics.add("invalid-json", path, "no Records list")
        return []
    out = []
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            diagnostics.add("invalid-json", path, f"/Records/{index}")
            continue
        if record.get("eventSource") not in _KEPT_SOURCES or record.get("readOnly") is True:
            continue
        identity = record.get("userIdentity") or {}
        out.append(
            {
                "source": path,
                "index": index,
                "event_id": str(record.get("eventID", "")),
                "time": str(record.get("eventTime", "")),
                "event_source": record.get("eventSource"),
                "name": str(record.get("eventName", "")),
                "principal": str(identity.get("arn") or identity.get("principalId") or "?"),
                "account": str(record.get("recipientAccountId") or identity.get("accountId") or ""),
                "params": record.get("requestParameters") or {},
                "error": record.get("errorCode"),
            }
        )
    return out


def _when(event: dict[str, Any]) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    except ValueError:
        return dt.datetime.fromtimestamp(0, dt.UTC)


def _evidence(event: dict[str, Any]) -> Evidence:
    params = json.dumps(event["params"], sort_keys=True)[:240]
    return Evidence(
        source=event["source"],
        event_id=event["event_id"],
        stream=f"Records[{event['index']}]",
        timestamp=event["time"],
        text=f"{event['name']} by {event['principal']}: {params}",
    )


def _function(event: dict[str, Any]) -> str:
    params = event["params"]
    name = params.get("functionName") or params.get("roleName") or params.get("name") or "?"
    name = str(name)
    # ARNs name the function last: arn:aws:lambda:region:acct:function:NAME[:qualifier]
    if name.startswith("arn:aws:lambda:"):
        parts = name.split(":")
        return parts[6] if len(parts) > 6 else name
    if name.startswith("arn:aws:cloudtrail:"):
        return name.split(":", 5)[-1]
    return name


def deployers(events: Iterable[dict[str, Any]], known: Iterable[str] = ()) -> set[str]:
    """Principals that make a large share of the Lambda changes (the usual pipeline)."""
    counts = Counter(
        e["principal"] for e in events if _LAMBDA_CHANGES.match(e["name"]) and not e["error"]
    )
    total = sum(counts.values())
    usual = {
        p for p, n in counts.items() if n >= _MIN_DEPLOYER_EVENTS and n >= _DEPLOYER_SHARE * total
    }
    return usual | set(known)


def detect(events: list[dict[str, Any]], known_deployers: Iterable[str] = ()) -> list[Alert]:
    """Every CloudTrail alert (LOG030-LOG037) over the merged events."""
    usual = deployers(events, known_deployers)
    alerts: list[Alert] = []

    def alert(rule_id: str, event: dict[str, Any], message: str, key: str = "") -> None:
        when = _when(event)
        alerts.append(
            Alert(
                rule_id=rule_id,
                function=_function(event),
                start=when,
                end=when + dt.timedelta(seconds=1),
                message=message,
                key=key or event["event_id"],
                evidence=(_evidence(event),),
                properties={"principal": event["principal"], "event": event["name"]},
            )
        )

    for event in sorted(events, key=lambda e: e["time"]):
        if event["error"]:
            continue  # a denied call changed nothing
        name, params, who = event["name"], event["params"], event["principal"]
        fn = _function(event)
        if name.startswith("CreateFunction") and not name.startswith("CreateFunctionUrl"):
            if who not in usual:
                alert(
                    "LOG037",
                    event,
                    f"function {fn} was created by {who}, not by the usual "
                    f"deployer ({', '.join(sorted(usual)) or 'none seen'})",
                )
        elif (
            _LAMBDA_CHANGES.match(name)
            and who not in usual
            and name.startswith(("UpdateFunctionCode", "UpdateFunctionConfiguration"))
        ):
            alert(
                "LOG030",
                event,
                f"{name.rstrip('0123456789v')} on {fn} by {who}, who is not "
                f"the usual deployer ({', '.join(sorted(usual)) or 'none seen'})",
            )
        if name.startswith("AddPermission") and str(params.get("principal")) == "*":
            alert(
                "LOG031",
                event,
                f"AddPermission opened {fn} to any principal ('*') "
                f"(statement {params.get('statementId', '?')}, by {who})",
            )
        if (
            name.startswith(("CreateFunctionUrlConfig", "UpdateFunctionUrlConfig"))
            and str(params.get("authType", "")).upper() == "NONE"
        ):
            alert(
                "LOG032",
                event,
                f"function URL of {fn} set to AuthType NONE by {who}: "
                "anyone on the internet can invoke it",
            )
        for layer in params.get("layers") or []:
            parts = str(layer).split(":")
            if len(parts) > 4 and parts[4] and event["account"] and parts[4] != event["account"]:
                alert(
                    "LOG033",
                    event,
                    f"{fn} now uses layer {layer} from foreign account {parts[4]} (set by {who})",
                    key=f"{event['event_id']}:{layer}",
                )
        if (
            name.startswith("PutFunctionConcurrency")
            and str(params.get("reservedConcurrentExecutions")) == "0"
        ):
            alert(
                "LOG034",
                event,
                f"reserved concurrency of {fn} set to 0 by {who}: the function is switched off",
            )
        if name in _IAM_ROLE_CHANGES and event["event_source"] == "iam.amazonaws.com":
            alert(
                "LOG035",
                event,
                f"{name} on {fn} by {who}: the permissions of a role "
                "changed outside the deployment",
            )
        if name in _LOGGING_OFF:
            alert(
                "LOG036",
                event,
                f"{name} on {fn} by {who}: logging or auditing was switched off or weakened",
            )
    return alerts
