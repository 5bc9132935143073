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
is rendered by ``faasguard rules ID`` and into ``docs/rules/ID.md``.
"""

from __future__ import annotations

import enum
import inspect
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App

Check = Callable[[App], Iterable[Hit]]


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


#: Source formats a rule can be checked against in fixtures.
ALL_FORMATS: tuple[str, ...] = ("sam", "serverless", "terraform")

_ID_PATTERN = re.compile(r"^(PERM|TRIG|DEP|DEPLOY|TIME|LOG|CODE|CONF)\d{3}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """A registered rule with its metadata and documentation."""

    id: str
    name: str
    title: str
    severity: Severity
    practice: Practice
    check: Check
    doc: str
    cwe: tuple[str, ...] = ()
    owasp: tuple[str, ...] = ()
    formats: tuple[str, ...] = ALL_FORMATS
    source: Source = Source.TEMPLATE
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
) -> Callable[[Check], Check]:
    """Register ``check`` as a rule; the calling module's docstring is its documentation."""
    if not _ID_PATTERN.match(id):
        raise ValueError(f"rule id {id!r} must be a family prefix and three digits")

    def decorate(check: Check) -> Check:
        module = sys.modules[check.__module__]
        doc = inspect.cleandoc(module.__doc__ or "")
        if not doc:
            raise ValueError(f"rule {id} ({check.__module__}) has no module docstring")
        title = doc.splitlines()[0].strip().rstrip(".")
        registered = Rule(
            id=id,
            name=name,
            title=title,
            severity=severity,
            practice=practice,
            check=check,
            doc=doc,
            cwe=cwe,
            owasp=owasp,
            formats=formats,
            source=source,
            module=check.__module__,
        )
        if id in _REGISTRY and _REGISTRY[id].module != registered.module:
            raise ValueError(f"rule id {id} registered twice ({_REGISTRY[id].module})")
        _REGISTRY[id] = registered
        return check

    return decorate


_REGISTRY: dict[str, Rule] = {}
