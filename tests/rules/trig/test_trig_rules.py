"""Unit tests of the TRIG rules on hand-built models."""

from __future__ import annotations

from rulekit import app, fn, http, loc, run, trigger

from faasguard.findings import Severity
from faasguard.model import (
    Api,
    Cors,
    FunctionUrl,
    LambdaPermission,
    Stage,
    Throttling,
    TriggerKind,
    Unknown,
    WebAclAssociation,
)
from faasguard.rules import get_rule


def test_trig001_open_route_points_at_the_event() -> None:
    hits = run("TRIG001", app(fn("GetOrder", triggers=(http(line=21, path="/orders/{id}"),))))
    assert [(h.location.line, h.function) for h in hits] == [(21, "GetOrder")]
    assert "GET /orders/{id}" in hits[0].message
    assert "GetOrder" in hits[0].message


def test_trig001_quiet_for_auth_api_key_public_options_and_unknown() -> None:
    triggers = (
        http(authorization="COGNITO_USER_POOLS", authorizer="Pool"),
        http(authorization="AWS_IAM"),
        http(api_key_required=True),
        http(marked_public=True),
        http(method="options"),
        http(authorization=Unknown("!Ref AuthType")),
        http(TriggerKind.WEBSOCKET, path="sendmessage"),
    )
    assert run("TRIG001", app(fn(triggers=triggers))) == []


def test_trig002_rest_api_without_association_and_http_api_never_protectable() -> None:
    rest = Api(ref="ShopApi", type="AWS::Serverless::Api", kind="rest", location=loc(5))
    guarded = Api(ref="Guarded", type="x", kind="rest", stages=("GuardedProd",), location=loc(7))
    assoc = WebAclAssociation(
        ref="Assoc", type="x", web_acl="Acl", target="GuardedProd", location=loc(9)
    )
    h = Api(ref="HttpApi", type="x", kind="http", location=loc(11))
    hits = run("TRIG002", app(resources=(rest, guarded, assoc, h)))
    assert [x.location.line for x in hits] == [5, 11]
    assert "cannot be protected by AWS WAF" in hits[1].message


def test_trig002_implicit_api_reported_once_at_first_route() -> None:
    f1 = fn("A", triggers=(http(line=20), http(line=25)))
    f2 = fn("B", triggers=(http(line=40, waf=None),))
    hits = run("TRIG002", app(f1, f2))
    assert [x.location.line for x in hits] == [20]


def test_trig003_lists_kind_and_source() -> None:
    f = fn(triggers=(trigger(TriggerKind.S3, "Uploads"), trigger(TriggerKind.SQS, "Jobs"), http()))
    (hit,) = run("TRIG003", app(f))
    assert "s3 (Uploads), sqs (Jobs)" in hit.message
    assert run("TRIG003", app(fn(triggers=(http(),)))) == []


def test_trig004_rest_without_validation_only() -> None:
    f = fn(
        triggers=(
            http(line=20),
            http(line=22, request_validation=True),
            http(TriggerKind.API_HTTP, line=24),
        )
    )
    assert [h.location.line for h in run("TRIG004", app(f))] == [20]


def test_trig005_any_level_of_throttling_silences() -> None:
    throttled_stage = Stage(
        ref="Prod", type="x", api="Api2", throttling=Throttling(rate_limit=10), location=loc(8)
    )
    a1 = Api(ref="Api1", type="x", kind="rest", location=loc(5))
    a2 = Api(ref="Api2", type="x", kind="rest", stages=("Prod",), location=loc(6))
    hits = run("TRIG005", app(resources=(a1, a2, throttled_stage)))
    assert [h.resource for h in hits] == ["Api1"]
    assert "no throttling limit" in hits[0].message


def test_trig006_star_with_credentials() -> None:
    bad = http(line=20, cors=Cors(allow_origins=("'*'",), allow_credentials=True))
    ok = http(line=22, cors=Cors(allow_origins=("https://shop.example",), allow_credentials=True))
    nocred = http(line=24, cors=Cors(allow_origins=("*",)))
    assert [h.location.line for h in run("TRIG006", app(fn(triggers=(bad, ok, nocred))))] == [20]


def test_trig007_function_url_none() -> None:
    f = fn(url=FunctionUrl(auth_type="NONE", location=loc(15)))
    g = fn("G", url=FunctionUrl(auth_type="AWS_IAM", location=loc(25)))
    assert [h.location.line for h in run("TRIG007", app(f, g))] == [15]


def test_trig008_wildcard_principal_without_condition() -> None:
    open_ = LambdaPermission(ref="Open", type="x", function="Fn", principal="*", location=loc(3))
    scoped = LambdaPermission(
        ref="Scoped", type="x", function="Fn", principal="*", source_account="1", location=loc(4)
    )
    service = LambdaPermission(
        ref="S3", type="x", function="Fn", principal="s3.amazonaws.com", location=loc(5)
    )
    hits = run("TRIG008", app(fn(), resources=(open_, scoped, service)))
    assert [h.resource for h in hits] == ["Open"]
    assert hits[0].function == "Fn"


def test_trig003_is_informational() -> None:
    registered = get_rule("TRIG003")
    assert registered is not None and registered.severity is Severity.INFO
