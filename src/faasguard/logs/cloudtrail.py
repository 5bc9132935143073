"""CloudTrail events on Lambda, IAM and logging: reading them and the facts they give.

Management events are few (one record per API call), so they are read with ``json`` and
reduced to compact dicts holding only what the rules need. Lambda ``Invoke`` *data*
events can be millions a day: they are never kept one by one but folded, per file, into one
compact dict per (function, 5-minute window) — the number of calls, the number throttled
and the evidence of the first few throttled ones. Both kinds travel in
``PartialState.cloudtrail`` (a list, merged by concatenation across workers and Spark
partitions); :func:`trail_facts` sums the window dicts of every file and turns the
management events into :class:`TrailEvent` values. Which event is an incident is the LOG
rules' decision, not this module's.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from faasguard.logs import deployers as pipeline
from faasguard.logs.alerts import Alert, Evidence
from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.facts import MAX_EVIDENCE, WINDOW_MINUTES
from faasguard.logs.ingest import json_items

_KEPT_SOURCES = {
    "lambda.amazonaws.com",
    "iam.amazonaws.com",
    "cloudtrail.amazonaws.com",
    "logs.amazonaws.com",
    "s3.amazonaws.com",
}
#: The S3 calls kept (the rest of S3 is not about the trail): a lifecycle rule can expire
#: the trail's bucket.
_S3_KEPT = frozenset({"PutBucketLifecycle", "PutBucketLifecycleConfiguration"})

#: The Lambda data events that are calls to run a function: CloudTrail writes ``Invoke``;
#: the SDK operation names (``Invoke20150331``, ``InvokeAsync``, ``InvokeWithResponseStream``)
#: are accepted too. ``InvokeExecution`` (Lambda running a queued asynchronous event) is not
#: a call: counting it would count asynchronous invocations twice.
_INVOKE = re.compile(r"^(?:Invoke|InvokeAsync|InvokeWithResponseStream)(?:\d{8}(?:v\d+)?)?$")
_THROTTLED = "TooManyRequestsException"
_WINDOW_MS = WINDOW_MINUTES * 60_000
#: Marks the per-window dicts of Invoke data events among the management-event dicts.
_INVOKES = "invokes"


def read(path: str, diagnostics: DiagnosticCounter) -> list[dict[str, Any]]:
    """The relevant events of one CloudTrail file, as compact dicts.

    Management events on Lambda, IAM, CloudTrail and CloudWatch Logs give one dict each;
    Lambda Invoke data events give one dict per (function, window) with their counts and the
    first throttled ones (``kind`` ``"invokes"``). Other data events are skipped.
    """
    out: list[dict[str, Any]] = []
    invokes: dict[tuple[str, int], dict[str, Any]] = {}
    # Streamed record by record: a trail file of data events can be large.
    for index, record in json_items(path, "Records", diagnostics, scrub=True):
        if not isinstance(record, dict):
            diagnostics.add("invalid-json", path, f"/Records/{index}")
            continue
        source = record.get("eventSource")
        if not isinstance(source, str) or source not in _KEPT_SOURCES:
            continue
        name = record.get("eventName")
        if source == "lambda.amazonaws.com" and isinstance(name, str) and _INVOKE.match(name):
            _count_invoke(record, index, path, invokes, diagnostics)
            continue
        if record.get("eventCategory") == "Data" or record.get("managementEvent") is False:
            continue  # other data events (InvokeExecution, ...): high volume, no detection
        if record.get("readOnly") is True:
            continue
        if source == "s3.amazonaws.com" and name not in _S3_KEPT:
            continue
        identity = record.get("userIdentity")
        identity = identity if isinstance(identity, dict) else {}
        params = record.get("requestParameters")
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
                "params": params if isinstance(params, dict) else {},
                "error": record.get("errorCode"),
                "user_agent": str(record.get("userAgent") or ""),
                "source_ip": str(record.get("sourceIPAddress") or ""),
                "invoked_by": str(identity.get("invokedBy") or ""),
            }
        )
    out.extend(invokes[key] for key in sorted(invokes))
    return out


def _count_invoke(
    record: dict[str, Any],
    index: int,
    path: str,
    invokes: dict[tuple[str, int], dict[str, Any]],
    diagnostics: DiagnosticCounter,
) -> None:
    """Fold one Invoke data event into its (function, window) dict of this file."""
    function = invoked_function(record)
    if not function:
        diagnostics.add("unknown-function", path, f"/Records/{index}")
        return
    when = _parse_time(record.get("eventTime"))
    if when is None:
        diagnostics.add("bad-timestamp", path, f"/Records/{index}")
        return
    ms = int(when.timestamp() * 1000)
    window = ms - ms % _WINDOW_MS
    slot = invokes.get((function, window))
    if slot is None:
        slot = invokes[(function, window)] = {
            "kind": _INVOKES,
            "function": function,
            "window": window,
            "calls": 0,
            "throttled": 0,
            "evidence": [],
        }
    slot["calls"] += 1
    if record.get("errorCode") != _THROTTLED:
        return
    slot["throttled"] += 1
    identity = record.get("userIdentity")
    identity = identity if isinstance(identity, dict) else {}
    who = identity.get("arn") or identity.get("invokedBy") or identity.get("principalId") or "?"
    message = record.get("errorMessage")
    event = {
        "source": path,
        "index": index,
        "event_id": str(record.get("eventID", "")),
        "time": str(record.get("eventTime", "")),
        "text": f"{record.get('eventName')} of {function} by {who}: {_THROTTLED}"
        + (f" ({str(message)[:120]})" if message else ""),
        "message": str(message)[:120] if message else "",
    }
    # Keep the earliest few only (by time, then place): any merge order keeps the same ones.
    slot["evidence"] = sorted([*slot["evidence"], event], key=_evidence_order)[:MAX_EVIDENCE]


def _evidence_order(event: dict[str, Any]) -> tuple[str, str, int, str]:
    return (event["time"], event["source"], event["index"], event["event_id"])


def _parse_time(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def function_name(value: object) -> str:
    """The bare function name of a ``FunctionName`` value, or ``""``.

    Lambda accepts a name (``my-fn``), a name with a qualifier (``my-fn:live``), a partial
    ARN (``123456789012:function:my-fn``) or a full ARN
    (``arn:aws:lambda:us-east-1:123456789012:function:my-fn:7``); all four name ``my-fn``.
    """
    if not isinstance(value, str) or not value:
        return ""
    parts = value.split(":")
    if parts[0] == "arn":
        return parts[6] if len(parts) > 6 and parts[5] == "function" else ""
    if len(parts) > 2 and parts[1] == "function":
        return parts[2]
    return parts[0]


def invoked_function(record: dict[str, Any]) -> str:
    """The function an Invoke data event is about: ``requestParameters.functionName``,
    else the ``AWS::Lambda::Function`` entry of ``resources`` (synchronous invokes by other
    services may log ``requestParameters: null``), else ``""``."""
    params = record.get("requestParameters")
    if isinstance(params, dict):
        name = function_name(params.get("functionName"))
        if name:
            return name
    resources = record.get("resources")
    if isinstance(resources, list):
        for resource in resources:
            if isinstance(resource, dict):
                name = function_name(resource.get("ARN"))
                if name:
                    return name
    return ""


def _management(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e.get("kind") != _INVOKES]


@dataclass(frozen=True, slots=True)
class InvokeWindow:
    """The Invoke data events of one function in one 5-minute window, over every file."""

    function: str
    #: The window's start, epoch ms.
    window_ms: int
    start: dt.datetime
    end: dt.datetime
    calls: int
    #: Calls refused with ``TooManyRequestsException``.
    throttled: int
    #: The earliest throttled calls (at most ``MAX_EVIDENCE``).
    evidence: tuple[Evidence, ...]
    #: The distinct error messages of those calls, sorted.
    error_messages: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TrailEvent:
    """One successful management event (a denied call changed nothing)."""

    name: str
    event_source: str
    principal: str
    account: str
    params: dict[str, Any]
    #: What the event changed: a function's bare name, a role name, a trail name.
    subject: str
    when: dt.datetime
    event_id: str
    evidence: Evidence
    #: Made by the deployment pipeline (configured, learned, or CloudFormation).
    by_pipeline: bool = False
    #: The ``errorCode`` of a failed call, ``""`` when it succeeded.
    error: str = ""

    def alert(self, message: str, key: str = "") -> Alert:
        """An alert about this event (keyed by its id unless ``key``), not filtered by
        ``--function``: its subject may be a role or a trail."""
        return Alert(
            function=self.subject,
            start=self.when,
            end=self.when + dt.timedelta(seconds=1),
            message=message,
            key=key or self.event_id,
            evidence=(self.evidence,),
            properties={"principal": self.principal, "event": self.name},
            by_function=False,
        )


@dataclass(frozen=True, slots=True)
class TrailFacts:
    """What the CloudTrail files of an analysis say."""

    #: Successful management events, by time.
    changes: tuple[TrailEvent, ...]
    #: Invoke data events per (function, window), by function and window.
    invokes: tuple[InvokeWindow, ...]
    #: The pipeline as messages name it: the configured deployers, else the learned
    #: ``principal|tool`` signatures (this run and the history); empty when none is known.
    usual_deployers: frozenset[str]
    #: Failed calls (``errorCode`` set), by time: a failed attempt to stop logging still
    #: tells of an intent.
    failed: tuple[TrailEvent, ...] = ()
    #: S3 buckets that receive a trail (``s3BucketName`` of CreateTrail/UpdateTrail).
    trail_buckets: frozenset[str] = frozenset()
    #: Roles that run functions (the ``role`` of CreateFunction/UpdateFunctionConfiguration,
    #: or created with a ``lambda.amazonaws.com`` trust).
    function_roles: frozenset[str] = frozenset()

    @property
    def deployer_known(self) -> bool:
        return bool(self.usual_deployers)


def trail_facts(
    events: list[dict[str, Any]],
    known_deployers: Iterable[str] = (),
    configured: pipeline.Deployers | None = None,
) -> TrailFacts:
    """The facts of the merged CloudTrail dicts of every file.

    ``configured``: the ``[logs.deployers]`` configuration; when it names anyone it alone
    decides who the pipeline is, else the learned signatures (``known_deployers`` from the
    history and this run's) do.
    """
    management = sorted(_management(events), key=lambda e: e["time"])
    if configured is not None and configured.configured:
        usual = frozenset(_configured_names(configured))
        is_pipeline: Callable[[dict[str, Any]], bool] = configured.matches
    else:
        usual = frozenset(deployers(events, known_deployers))

        def is_pipeline(event: dict[str, Any]) -> bool:
            # A bare principal is what histories written before signatures recorded.
            return pipeline.signature(event) in usual or event["principal"] in usual

    built = [_trail_event(e, pipeline.by_cloudformation(e) or is_pipeline(e)) for e in management]
    changes = tuple(e for e in built if not e.error)
    return TrailFacts(
        changes=changes,
        invokes=_invoke_windows(events),
        usual_deployers=usual,
        failed=tuple(e for e in built if e.error),
        trail_buckets=frozenset(
            str(e.params["s3BucketName"])
            for e in changes
            if e.name in ("CreateTrail", "UpdateTrail") and e.params.get("s3BucketName")
        ),
        function_roles=frozenset(_function_roles(changes)),
    )


def _configured_names(configured: pipeline.Deployers) -> list[str]:
    return [
        *configured.principals,
        *(f"role {r}" for r in configured.roles),
        *(f"user agent {a}" for a in configured.user_agents),
        *(f"IP {ip}" for ip in configured.source_ips),
    ]


def _function_roles(changes: Iterable[TrailEvent]) -> Iterable[str]:
    for event in changes:
        role = event.params.get("role")
        if event.name.startswith(("CreateFunction", "UpdateFunctionConfiguration")) and role:
            yield str(role).rsplit("/", 1)[-1]
        trust = str(event.params.get("assumeRolePolicyDocument") or "")
        if event.name == "CreateRole" and "lambda.amazonaws.com" in trust:
            yield str(event.params.get("roleName", ""))


def _invoke_windows(events: Iterable[dict[str, Any]]) -> tuple[InvokeWindow, ...]:
    merged: dict[tuple[str, int], dict[str, Any]] = {}
    for event in events:
        if event.get("kind") != _INVOKES:
            continue
        key = (event["function"], event["window"])
        slot = merged.setdefault(key, {"calls": 0, "throttled": 0, "evidence": []})
        slot["calls"] += event["calls"]
        slot["throttled"] += event["throttled"]
        slot["evidence"].extend(event["evidence"])
    windows = []
    for (function, window), slot in sorted(merged.items()):
        start = dt.datetime.fromtimestamp(window / 1000, dt.UTC)
        kept = sorted(slot["evidence"], key=_evidence_order)[:MAX_EVIDENCE]
        windows.append(
            InvokeWindow(
                function=function,
                window_ms=window,
                start=start,
                end=start + dt.timedelta(minutes=WINDOW_MINUTES),
                calls=slot["calls"],
                throttled=slot["throttled"],
                evidence=tuple(
                    Evidence(
                        source=e["source"],
                        event_id=e["event_id"],
                        stream=f"Records[{e['index']}]",
                        timestamp=e["time"],
                        text=e["text"],
                    )
                    for e in kept
                ),
                error_messages=tuple(sorted({e["message"] for e in kept if e["message"]})),
            )
        )
    return tuple(windows)


def _trail_event(event: dict[str, Any], by_pipeline: bool = False) -> TrailEvent:
    params = json.dumps(event["params"], sort_keys=True)[:240]
    return TrailEvent(
        name=event["name"],
        event_source=str(event["event_source"]),
        principal=event["principal"],
        account=event["account"],
        params=event["params"],
        subject=_subject(event),
        when=_when(event),
        event_id=event["event_id"],
        evidence=Evidence(
            source=event["source"],
            event_id=event["event_id"],
            stream=f"Records[{event['index']}]",
            timestamp=event["time"],
            text=f"{event['name']} by {event['principal']}: {params}",
        ),
        by_pipeline=by_pipeline,
        error=str(event["error"] or ""),
    )


def _when(event: dict[str, Any]) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    except ValueError:
        return dt.datetime.fromtimestamp(0, dt.UTC)


def _subject(event: dict[str, Any]) -> str:
    params = event["params"]
    name = (
        function_name_in(params)
        or params.get("roleName")
        or params.get("userName")
        or params.get("groupName")
        or params.get("name")
        or params.get("trailName")
        or params.get("bucketName")
        or params.get("layerName")
        or "?"
    )
    name = str(name)
    # ARNs name the function last: arn:aws:lambda:region:acct:function:NAME[:qualifier]
    if name.startswith("arn:aws:lambda:"):
        parts = name.split(":")
        return parts[6] if len(parts) > 6 else name
    if name.startswith("arn:aws:cloudtrail:"):
        return name.split(":", 5)[-1]
    return name


def function_name_in(params: dict[str, Any]) -> str:
    """The function a Lambda request names: ``functionName``, or the ``relativeId`` of the
    ``fullyQualifiedArn`` form newer records use for UpdateFunctionCode."""
    name = params.get("functionName")
    if not name:
        arn = params.get("fullyQualifiedArn")
        relative = arn.get("relativeId") if isinstance(arn, dict) else None
        name = relative.get("functionName") if isinstance(relative, dict) else None
    return str(name) if name else ""


def deployers(events: Iterable[dict[str, Any]], known: Iterable[str] = ()) -> set[str]:
    """The learned pipeline: ``principal|tool`` signatures that make the usual share of
    the successful infrastructure changes (Lambda, IAM, CloudTrail), plus ``known``."""
    return pipeline.learned(
        (
            e
            for e in _management(events)
            if not e["error"] and e["event_source"] != "s3.amazonaws.com"
        ),
        known,
    )
