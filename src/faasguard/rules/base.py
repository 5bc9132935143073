"""The rule framework: one module per rule, a pure check from the model to hits.

A rule module looks like this (see ``docs/rules`` and the README for the full guide)::

    \"\"\"Function URL without authentication.

    What it finds: ...
    Why it matters: ...
    Example: ...
    How to fix: ...
    References: ...
    \"\"\"

    from faasguard.rules.base import rule

    @rule(id="TRIG007", name="function-url-no-auth", severity=Severity.HIGH,
          practice=Practice.P2, cwe=("CWE-306",), formats=ALL_FORMATS)
    def check(app: App) -> Iterator[Hit]:
        ...

The module docstring is the rule's documentation: its first line is the title, the rest
is rendered by ``faasguard rules ID`` and into ``docs/rules/ID.md``. A rule with tunable
numbers declares them once with :func:`thresholds` and passes them as ``thresholds=``; its
check reads them from that mapping, the generated page lists them under "Thresholds", and
the docstring says "see Thresholds" instead of repeating them.
"""

from __future__ import annotations

import enum
import inspect
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, TypeVar

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App

if TYPE_CHECKING:
    from faasguard.logs.facts import Detect

Check = Callable[[App], Iterable[Hit]]

#: A threshold's value: a number a rule compares with, or a word (a unit, a mode).
ThresholdValue = int | float | str
_V = TypeVar("_V", bound=ThresholdValue)

_NO_THRESHOLDS: Mapping[str, ThresholdValue] = MappingProxyType({})


def thresholds(**values: _V) -> Mapping[str, _V]:
    """A rule's tunable numbers as a read-only mapping, written once in the rule module.

    The module passes it to :func:`rule` (which renders it in the rule's documentation)
    and its check reads the numbers from it, so neither the code nor the docstring repeats
    them::

        LIMITS = thresholds(max_timeout_seconds=900)

        @rule(id="TIME002", ..., thresholds=LIMITS)
        def check(app: App) -> Iterator[Hit]:
            if function.timeout >= LIMITS["max_timeout_seconds"]: ...

    Keys are snake_case names that say the unit (``_seconds``, ``_mb``, ``_percent``).
    Values of one type keep that type for the check (``Mapping[str, int]`` above); a mix
    of numbers and words needs the annotation ``Mapping[str, ThresholdValue]``.
    """
    for key in values:
        if not _THRESHOLD_KEY.match(key):
            raise ValueError(f"threshold name {key!r} must be snake_case")
    return MappingProxyType(dict(values))


class Source(enum.StrEnum):
    """What a rule reads. The engine runs ``TEMPLATE``, ``CODE`` and ``DEPENDENCIES`` rules
    on every scanned app; ``LAMBDA_LOGS`` and ``CLOUDTRAIL`` rules run in ``faasguard logs``
    over log data; ``LIVE`` rules over a snapshot of a live account."""

    TEMPLATE = "template"
    CODE = "code"
    DEPENDENCIES = "dependencies"
    LAMBDA_LOGS = "lambda-logs"
    CLOUDTRAIL = "cloudtrail"
    LIVE = "live"


#: The sources ``faasguard logs`` reads; rules reading them are ``@log_rule`` detections and
#: live in ``rules/log/`` (the catalog test checks it), so log analysis imports that family only.
LOG_SOURCES = frozenset({Source.LAMBDA_LOGS, Source.CLOUDTRAIL})

#: Source formats a rule can be checked against in fixtures.
ALL_FORMATS: tuple[str, ...] = ("sam", "serverless", "terraform")

_ID_PATTERN = re.compile(r"^(PERM|TRIG|DEP|DEPLOY|TIME|LOG|CODE|CONF)\d{3}$")
_THRESHOLD_KEY = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """A registered rule with its metadata and documentation."""

    id: str
    name: str
    title: str
    severity: Severity
    practice: Practice
    doc: str
    #: The template check (``None`` for log detections, which have ``detect`` instead).
    check: Check | None = None
    #: The log detection: ``detect(facts, thresholds)`` over the facts of a log analysis.
    detect: Detect | None = None
    cwe: tuple[str, ...] = ()
    owasp: tuple[str, ...] = ()
    formats: tuple[str, ...] = ALL_FORMATS
    source: Source = Source.TEMPLATE
    #: The rule's tunable numbers by name (read-only), rendered once in its documentation;
    #: a log detection gets them as its second argument.
    thresholds: Mapping[str, ThresholdValue] = field(
        default_factory=lambda: _NO_THRESHOLDS, hash=False
    )
    module: str = ""

    @property
    def help_uri(self) -> str:
        """Where the rule's generated documentation lives in the repository."""
        return f"https://github.com/faasguard/faasguard/blob/main/docs/rules/{self.id}.md"

    @property
    def family(self) -> str:
        """The id's family prefix (``TRIG``, ``TIME``, ...)."""
        return self.id.rstrip("0123456789")


def rule(
    *,
    id: str,
    name: str,
    severity: Severity,
    practice: Practice,
    cwe: tuple[str, ...] = (),
    owasp: tuple[str, ...] = (),
    formats: tuple[str, ...] = ALL_FORMATS,
    source: Source = Source.TEMPLATE,
    thresholds: Mapping[str, ThresholdValue] = _NO_THRESHOLDS,
) -> Callable[[Check], Check]:
    """Register ``check`` as a rule; the calling module's docstring is its documentation.

    ``thresholds`` are the rule's tunable numbers (build them with :func:`thresholds`);
    the check reads them from the same mapping and the docstring says "see Thresholds".
    """
    if source in LOG_SOURCES:
        raise ValueError(f"rule {id} reads {source}: register its detection with @log_rule")

    def decorate(check: Check) -> Check:
        _register(
            check.__module__,
            id=id,
            name=name,
            severity=severity,
            practice=practice,
            check=check,
            cwe=cwe,
            owasp=owasp,
            formats=formats,
            source=source,
            thresholds=thresholds,
        )
        return check

    return decorate


def log_rule(
    *,
    id: str,
    name: str,
    severity: Severity,
    practice: Practice,
    source: Source,
    cwe: tuple[str, ...] = (),
    owasp: tuple[str, ...] = (),
    thresholds: Mapping[str, ThresholdValue] = _NO_THRESHOLDS,
) -> Callable[[Detect], Detect]:
    """Register ``detect`` as the detection of a rule over log data (``source`` is
    ``LAMBDA_LOGS`` or ``CLOUDTRAIL``). ``faasguard logs`` calls ``detect(facts, thresholds)``
    with the facts of the analysis and this rule's ``thresholds``; the alerts it yields get
    the rule's id. Log rules have no template fixtures (no ``formats``)."""
    if source not in LOG_SOURCES:
        raise ValueError(f"log rule {id} must read {' or '.join(sorted(LOG_SOURCES))}")

    def decorate(detect: Detect) -> Detect:
        _register(
            detect.__module__,
            id=id,
            name=name,
            severity=severity,
            practice=practice,
            detect=detect,
            thresholds=thresholds,
            cwe=cwe,
            owasp=owasp,
            formats=(),
            source=source,
        )
        return detect

    return decorate


def _register(
    module_name: str,
    *,
    id: str,
    name: str,
    severity: Severity,
    practice: Practice,
    check: Check | None = None,
    detect: Detect | None = None,
    thresholds: Mapping[str, ThresholdValue],
    cwe: tuple[str, ...],
    owasp: tuple[str, ...],
    formats: tuple[str, ...],
    source: Source,
) -> None:
    if not _ID_PATTERN.match(id):
        raise ValueError(f"rule id {id!r} must be a family prefix and three digits")
    bad_keys = [key for key in thresholds if not _THRESHOLD_KEY.match(key)]
    if bad_keys:
        raise ValueError(f"rule {id}: threshold names {bad_keys} must be snake_case")
    doc = inspect.cleandoc(sys.modules[module_name].__doc__ or "")
    if not doc:
        raise ValueError(f"rule {id} ({module_name}) has no module docstring")
    title = doc.splitlines()[0].strip().rstrip(".")
    registered = Rule(
        id=id,
        name=name,
        title=title,
        severity=severity,
        practice=practice,
        check=check,
        detect=detect,
        thresholds=MappingProxyType(dict(thresholds)) if thresholds else _NO_THRESHOLDS,
        doc=doc,
        cwe=cwe,
        owasp=owasp,
        formats=formats,
        source=source,
        module=module_name,
    )
    if id in _REGISTRY and _REGISTRY[id].module != registered.module:
        raise ValueError(f"rule id {id} registered twice ({_REGISTRY[id].module})")
    _REGISTRY[id] = registered


_REGISTRY: dict[str, Rule] = {}
