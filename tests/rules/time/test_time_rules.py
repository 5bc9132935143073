"""Unit tests of the TIME rules on hand-built models."""

from __future__ import annotations

from rulekit import app, fn, http, loc, run, trigger

from faasguard.findings import Severity
from faasguard.model import Queue, TriggerKind, Unknown


def test_time001_names_the_limit_and_points_at_timeout() -> None:
    f = fn("Search", timeout=300, field_lines={"timeout": 12}, triggers=(http(),))
    (hit,) = run("TIME001", app(f))
    assert hit.location.line == 12
    assert "300 s" in hit.message and "29 s" in hit.message


def test_time001_strictest_trigger_and_quiet_cases() -> None:
    cognito = fn("Pre", timeout=10, triggers=(trigger(TriggerKind.COGNITO), http()))
    assert "5 s" in run("TIME001", app(cognito))[0].message
    assert run("TIME001", app(fn(timeout=29, triggers=(http(),)))) == []
    assert run("TIME001", app(fn(timeout=Unknown("var.t"), triggers=(http(),)))) == []
    assert run("TIME001", app(fn(timeout=900, triggers=(trigger(TriggerKind.SQS),)))) == []


def test_time002_only_at_maximum() -> None:
    hits = run("TIME002", app(fn("A", timeout=900), fn("B", timeout=899), fn("C")))
    assert [h.function for h in hits] == ["A"]


def test_time003_default_visibility_and_six_times_advice() -> None:
    q = Queue(ref="Jobs", type="AWS::SQS::Queue", location=loc(3))
    f = fn("Worker", timeout=60, triggers=(trigger(TriggerKind.SQS, "Jobs"),))
    (hit,) = run("TIME003", app(f, resources=(q,)))
    assert "30 s" in hit.message and "360 s" in hit.message


def test_time003_quiet_when_visibility_is_larger_or_unknown_or_external() -> None:
    big = Queue(ref="Big", type="x", visibility_timeout=400, location=loc(3))
    unk = Queue(ref="Unk", type="x", visibility_timeout=Unknown("var.v"), location=loc(4))
    f = fn(
        timeout=60,
        triggers=(
            trigger(TriggerKind.SQS, "Big"),
            trigger(TriggerKind.SQS, "Unk"),
            trigger(TriggerKind.SQS, "arn:aws:sqs:eu-west-1:123456789012:other"),
        ),
    )
    assert run("TIME003", app(f, resources=(big, unk))) == []


def test_time003_uses_serverless_default_timeout() -> None:
    q = Queue(ref="Q", type="x", visibility_timeout=5, location=loc(3))
    f = fn(triggers=(trigger(TriggerKind.SQS, "Q"),))
    assert "6 s" in run("TIME003", app(f, resources=(q,), fmt="serverless"))[0].message


def test_time004_severity_by_exposure() -> None:
    web = fn("Web", triggers=(http(),))
    upload = fn("Upload", triggers=(trigger(TriggerKind.S3, "B"),))
    capped = fn("Capped", reserved_concurrency=5, triggers=(http(),))
    cron = fn("Cron", triggers=(trigger(TriggerKind.SCHEDULE),))
    hits = run("TIME004", app(web, upload, capped, cron))
    assert [(h.function, h.severity) for h in hits] == [
        ("Web", Severity.MEDIUM),
        ("Upload", Severity.LOW),
    ]


def test_time005_tag_silences() -> None:
    big = fn("Big", memory=10240, field_lines={"memory": 14})
    justified = fn("Ok", memory=10240, tags={"faasguard:memory-justification": "ffmpeg 4K"})
    hits = run("TIME005", app(big, justified, fn("Small", memory=128)))
    assert [(h.function, h.location.line) for h in hits] == [("Big", 14)]
