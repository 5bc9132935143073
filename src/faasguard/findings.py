"""Severities, practices, findings and the report every reporter renders."""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from faasguard.model import Diagnostic, Location


class Severity(enum.IntEnum):
    """Finding severity, ordered so ``severity >= Severity.HIGH`` reads naturally."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        """Lower-case name used in every output format and on the command line."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Parse ``"high"``/``"HIGH"``; raise ``ValueError`` listing the valid names."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity '{text}' (expected one of: {names})") from None


class Practice(enum.StrEnum):
    """The seven serverless practices to avoid (see the README)."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"
    P5 = "P5"
    P6 = "P6"
    P7 = "P7"

    @property
    def title(self) -> str:  # type: ignore[override]  # StrEnum has no title attribute we need
        """The practice's short title."""
        return PRACTICE_TITLES[self]


PRACTICE_TITLES: Mapping[Practice, str] = {
    Practice.P1: "Careless function permissions",
    Practice.P2: "Trusting a WAF to protect everything",
    Practice.P3: "Reusing code without thought",
    Practice.P4: "Assuming full control over deployed functions",
    Practice.P5: "Excessive function runtime",
    Practice.P6: "Reading logs by hand",
    Practice.P7: "Ignoring best practices",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowStep:
    """One step of a data-flow path (for taint findings and SARIF ``codeFlows``)."""

    location: Location
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """The IAM principal a finding is about when it is not a function's: ``kind`` is
    ``role``, ``user``, ``group`` or ``policy``; ``name`` its ref (logical id, Terraform
    address); ``location`` its declaration."""

    kind: str
    name: str
    location: Location


@dataclass(frozen=True, slots=True, kw_only=True)
class Hit:
    """What a rule's check yields: the rule metadata is added by the engine.

    ``key`` distinguishes several hits of one rule on the same function or resource (the
    environment variable name, the trigger name, ...) and feeds the fingerprint, which must
    not depend on line numbers.
    """

    message: str
    location: Location
    function: str | None = None
    resource: str | None = None
    key: str = ""
    severity: Severity | None = None
    flow: tuple[FlowStep, ...] = ()
    properties: Mapping[str, Any] = field(default_factory=dict)
    principal: Principal | None = None
    #: Other places of the same cause (the other functions sharing a manifest): SARIF
    #: ``relatedLocations``.
    related: tuple[FlowStep, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """A security finding: a rule hit on one app, with its final severity and fingerprint."""

    rule_id: str
    title: str
    severity: Severity
    practice: Practice
    message: str
    app: str
    location: Location
    function: str | None = None
    resource: str | None = None
    fingerprint: str = ""
    flow: tuple[FlowStep, ...] = ()
    properties: Mapping[str, Any] = field(default_factory=dict)
    #: Set for findings about an IAM principal that is not a function's role.
    principal: Principal | None = None
    #: The app's root file relative to the scanned root: what tells apart apps of the same
    #: name (32 Terraform scenarios are all "terraform"); "" when not from an app.
    app_file: str = ""
    #: Other places of the same cause (see :attr:`Hit.related`).
    related: tuple[FlowStep, ...] = ()


def fingerprint(rule_id: str, app_file: str, subject: str, key: str) -> str:
    """A stable identity for a finding that survives line moves and message rewording."""
    # surrogatepass: a lone surrogate from a JSON escape in hostile input must not crash
    # the report; valid text hashes exactly as before.
    text = "\x1f".join((rule_id, app_file, subject, key))
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


@dataclass(frozen=True, slots=True, kw_only=True)
class AppSummary:
    """What was loaded: one entry per discovered app, for reports."""

    name: str
    format: str
    root_file: str
    functions: int


@dataclass(slots=True, kw_only=True)
class Report:
    """The result of a scan. ``root`` is the directory paths are shown relative to."""

    root: str
    findings: list[Finding] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    apps: list[AppSummary] = field(default_factory=list)
    suppressed: int = 0
    baselined: int = 0
    rules_run: int = 0
    duration_seconds: float = 0.0
