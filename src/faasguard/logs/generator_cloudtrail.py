"""The CloudTrail files of ``faasguard logs generate``: management events (deploys, policy and
permission changes, the injected CloudTrail incidents) and Lambda ``Invoke`` data events."""

from __future__ import annotations

import datetime as dt
import json
import random
import zlib
from collections.abc import Callable
from typing import Any

from faasguard.logs.generator_world import (
    ACCOUNT,
    DEPLOYER_ARN,
    EXEC_ROLE,
    FOREIGN_ACCOUNT,
    FUNCTIONS,
    FUNCTIONS_BY_NAME,
    REGION,
    START,
    GeneratorState,
    Incident,
    iso_s,
    minute_time,
)


def write_cloudtrail(gen: GeneratorState) -> None:
    """The CloudTrail management events of the plan's incidents and the normal deploys."""
    rng = gen.rng
    records: list[dict[str, Any]] = []
    minutes = gen.plan.minutes

    def event(m: int, name: str, source: str, arn: str, params: dict[str, Any]) -> None:
        when = minute_time(m) + dt.timedelta(seconds=rng.randrange(60))
        user = arn.rsplit("/", 2)
        records.append(
            {
                "eventVersion": "1.09",
                "userIdentity": {
                    "type": "AssumedRole",
                    "arn": arn,
                    "principalId": f"AROA{zlib.crc32(arn.encode()):012d}:{user[-1]}",
                    "accountId": ACCOUNT,
                },
                "eventTime": iso_s(when),
                "eventSource": source,
                "eventName": name,
                "awsRegion": REGION,
                "sourceIPAddress": "203.0.113.10",
                "userAgent": "aws-cli/2.15.0",
                "requestParameters": params,
                "responseElements": None,
                "eventID": f"{rng.getrandbits(128):032x}",
                "readOnly": False,
                "eventType": "AwsApiCall",
                "recipientAccountId": ACCOUNT,
            }
        )

    lam = "lambda.amazonaws.com"
    for m in range(5, minutes, 45):  # the pipeline deploys regularly
        fn = FUNCTIONS[(m // 45) % len(FUNCTIONS)].name
        event(
            m,
            "UpdateFunctionCode20150331v2",
            lam,
            DEPLOYER_ARN,
            {"functionName": fn, "s3Bucket": "shop-artifacts", "s3Key": f"{fn}.zip"},
        )
        event(
            m,
            "UpdateFunctionConfiguration20150331v2",
            lam,
            DEPLOYER_ARN,
            {"functionName": fn, "timeout": FUNCTIONS_BY_NAME[fn].timeout},
        )
        event(
            m,
            "GetFunction20150331v2",
            lam,
            f"arn:aws:sts::{ACCOUNT}:assumed-role/readonly/auditor",
            {"functionName": fn},
        )
    event(
        20,
        "AddPermission20150331v2",
        lam,
        DEPLOYER_ARN,
        {
            "functionName": "orders-api",
            "statementId": "apigw",
            "action": "lambda:InvokeFunction",
            "principal": "apigateway.amazonaws.com",
            "sourceArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc123/*",
        },
    )
    event(
        25,
        "CreateFunction20150331",
        lam,
        DEPLOYER_ARN,
        {"functionName": "notify", "runtime": "nodejs20.x"},
    )
    rogue = f"arn:aws:sts::{ACCOUNT}:assumed-role/dev-admin/mallory"

    def incident(
        kind: str,
        rule_id: str,
        fn: str,
        m: int,
        name: str,
        source: str,
        params: dict[str, Any],
        arn: str = rogue,
    ) -> None:
        event(m, name, source, arn, params)
        gen.incidents.append(Incident(kind, rule_id, fn, minute_time(m), minute_time(m + 1)))

    def when(low: float, high: float) -> int:
        return int(minutes * rng.uniform(low, high))

    incident(
        "code-changed-by-unusual-principal",
        "LOG030",
        "checkout",
        when(0.4, 0.9),
        "UpdateFunctionCode20150331v2",
        lam,
        {"functionName": "checkout", "zipFile": "<binary>"},
    )
    incident(
        "permission-to-anyone",
        "LOG031",
        "payments",
        when(0.4, 0.9),
        "AddPermission20150331v2",
        lam,
        {
            "functionName": "payments",
            "statementId": "open",
            "action": "lambda:InvokeFunction",
            "principal": "*",
        },
        DEPLOYER_ARN,
    )
    incident(
        "function-url-no-auth",
        "LOG032",
        "orders-api",
        when(0.4, 0.9),
        "CreateFunctionUrlConfig20211031",
        lam,
        {"functionName": "orders-api", "authType": "NONE"},
        DEPLOYER_ARN,
    )
    incident(
        "foreign-layer",
        "LOG033",
        "image-resize",
        when(0.4, 0.9),
        "UpdateFunctionConfiguration20150331v2",
        lam,
        {
            "functionName": "image-resize",
            "layers": [f"arn:aws:lambda:{REGION}:{FOREIGN_ACCOUNT}:layer:fast-png:3"],
        },
        DEPLOYER_ARN,
    )
    incident(
        "concurrency-zero",
        "LOG034",
        "notify",
        when(0.4, 0.9),
        "PutFunctionConcurrency20171031",
        lam,
        {"functionName": "notify", "reservedConcurrentExecutions": 0},
    )
    incident(
        "role-policy-changed",
        "LOG035",
        EXEC_ROLE,
        when(0.4, 0.9),
        "PutRolePolicy",
        "iam.amazonaws.com",
        {
            "roleName": EXEC_ROLE,
            "policyName": "inline-admin",
            "policyDocument": '{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
        },
    )
    incident(
        "logging-stopped",
        "LOG036",
        "trail/management",
        when(0.4, 0.9),
        "StopLogging",
        "cloudtrail.amazonaws.com",
        {"name": f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/management"},
    )
    incident(
        "function-created-outside-pipeline",
        "LOG037",
        "crypto-miner",
        when(0.4, 0.9),
        "CreateFunction20150331",
        lam,
        {"functionName": "crypto-miner", "runtime": "python3.12"},
    )

    def write_trail(trail: str, trail_records: list[dict[str, Any]], bits: random.Random) -> None:
        trail_records.sort(key=lambda r: str(r["eventTime"]))
        for hour in range(0, gen.hours, 2):
            low = iso_s(START + dt.timedelta(hours=hour))
            high = iso_s(START + dt.timedelta(hours=hour + 2))
            chunk = [r for r in trail_records if low <= r["eventTime"] < high]
            if not chunk:
                continue
            stamp = (START + dt.timedelta(hours=hour)).strftime("%Y%m%dT%H%MZ")
            day = (START + dt.timedelta(hours=hour)).strftime("%Y/%m/%d")
            path = (
                gen.out
                / trail
                / "AWSLogs"
                / ACCOUNT
                / "CloudTrail"
                / REGION
                / day
                / f"{ACCOUNT}_CloudTrail_{REGION}_{stamp}_{bits.getrandbits(32):08X}.json.gz"
            )
            gen.emit(path, json.dumps({"Records": chunk}).encode(), compress=True)

    write_trail("cloudtrail", records, rng)
    _write_invoke_data_events(gen, write_trail)


def _write_invoke_data_events(
    gen: GeneratorState, write_trail: Callable[[str, list[dict[str, Any]], random.Random], None]
) -> None:
    """Lambda ``Invoke`` data events (LOG020), in a trail of their own.

    Ordinary successful calls at a low rate (service-to-service invokes of ``payments``
    and ``report-export``) and one throttling burst against ``payments``, recorded as a
    LOG020 incident. Data events usually go to a dedicated trail; here that also keeps the
    management files, and the record indices their evidence names, as they were. The
    events draw from their own generator (seeded from the run's seed), so neither the
    Lambda logs nor the management events move.
    """
    rng = random.Random(f"invoke-data-events-{gen.seed}")
    records: list[dict[str, Any]] = []
    caller = f"arn:aws:sts::{ACCOUNT}:assumed-role/{EXEC_ROLE}/checkout"

    def invoke(at: dt.datetime, fn: str, form: int, throttled: bool = False) -> None:
        arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{fn}"
        # Every way callers name a function: name, qualified ARN, partial ARN, and no
        # request parameters at all (then only ``resources`` names it).
        names = (fn, f"{arn}:live", f"{ACCOUNT}:function:{fn}", None)
        name = names[form % len(names)]
        params = None if name is None else {"functionName": name}
        record: dict[str, Any] = {
            "eventVersion": "1.09",
            "userIdentity": {
                "type": "AssumedRole",
                "arn": caller,
                "principalId": f"AROA{zlib.crc32(caller.encode()):012d}:checkout",
                "accountId": ACCOUNT,
            },
            "eventTime": iso_s(at),
            "eventSource": "lambda.amazonaws.com",
            "eventName": "Invoke",
            "awsRegion": REGION,
            "sourceIPAddress": "lambda.amazonaws.com",
            "userAgent": "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux lang/python#3.12",
            "requestParameters": params,
            "responseElements": None,
            "additionalEventData": {"functionVersion": f"{arn}:$LATEST"},
            "requestID": f"{rng.getrandbits(128):032x}",
            "eventID": f"{rng.getrandbits(128):032x}",
            "readOnly": False,
            "resources": [{"accountId": ACCOUNT, "type": "AWS::Lambda::Function", "ARN": arn}],
            "eventType": "AwsApiCall",
            "managementEvent": False,
            "recipientAccountId": ACCOUNT,
            "eventCategory": "Data",
        }
        if throttled:
            record["errorCode"] = "TooManyRequestsException"
            record["errorMessage"] = "Rate Exceeded."
        records.append(record)

    minutes = gen.plan.minutes
    for m in range(minutes):
        for fn in ("payments", "report-export"):
            if rng.random() < 0.5:
                invoke(minute_time(m) + dt.timedelta(seconds=rng.randrange(60)), fn, m)
    m = int(minutes * rng.uniform(0.3, 0.9))
    m -= m % 5
    throttled = 30
    for index in range(throttled + 12):
        at = minute_time(m + 1) + dt.timedelta(seconds=rng.randrange(180))
        invoke(at, "payments", index, throttled=index < throttled)
    gen.incidents.append(
        Incident(
            "invocations-throttled",
            "LOG020",
            "payments",
            minute_time(m),
            minute_time(m + 5),
            f"{throttled} Invoke calls throttled (TooManyRequestsException)",
        )
    )
    write_trail("cloudtrail-data-events", records, rng)
