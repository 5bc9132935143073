"""Unit tests of the DEPLOY rules on hand-built models."""

from __future__ import annotations

from rulekit import app, fn, loc, run

from faasguard.model import CodeLocation, CodeSigningConfig, Role


def test_deploy001_zip_without_signing() -> None:
    image = fn("Img", package_type="Image", code=CodeLocation(kind="image"))
    signed = fn("Signed", code_signing_config="Signing")
    hits = run("DEPLOY001", app(fn("Plain"), image, signed))
    assert [h.function for h in hits] == ["Plain"]


def test_deploy002_warn_and_default_policy() -> None:
    warn = CodeSigningConfig(ref="Warn", type="x", policy="Warn", location=loc(40))
    unset = CodeSigningConfig(ref="Unset", type="x", location=loc(45))
    enforce = CodeSigningConfig(ref="Enf", type="x", policy="Enforce", location=loc(50))
    f = fn("Api", code_signing_config="Warn")
    hits = run("DEPLOY002", app(f, resources=(warn, unset, enforce)))
    assert [(h.resource, h.location.line) for h in hits] == [("Warn", 40), ("Unset", 45)]
    assert "used by Api" in hits[0].message
    assert "defaults to Warn" in hits[1].message


def test_deploy003_external_account_only() -> None:
    layers = (
        "arn:aws:lambda:eu-west-1:111122223333:layer:fast-json:3",
        "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7",
        "arn:aws:lambda:eu-west-1:444455556666:layer:own:1",
        "arn:aws:lambda:eu-west-1:${AWS::AccountId}:layer:mine:1",
    )
    role = Role(ref="R", arn="arn:aws:iam::444455556666:role/exec", location=loc(1))
    f = fn("Api", layers=layers, role=role, field_lines={"layers": 18})
    hits = run("DEPLOY003", app(f))
    assert [(h.key, h.location.line) for h in hits] == [(layers[0], 18)]
    assert "111122223333" in hits[0].message
