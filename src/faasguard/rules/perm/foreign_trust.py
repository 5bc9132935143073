"""Execution role trusted by principals other than the Lambda service.

What it finds:
Allow statements of a function's execution role trust policy (`AssumeRolePolicyDocument`,
`assume_role_policy`) whose principal is anything but the Lambda service
(`lambda.amazonaws.com`, or `edgelambda.amazonaws.com` for Lambda@Edge): another AWS
service, an account, a user or role, a federated provider, and above all a wildcard
(`"*"`, `AWS: "*"`), which is critical. A narrowing condition (`aws:PrincipalOrgID`,
`sts:ExternalId`, `aws:SourceArn`) lowers the severity one step. Unresolved principals are
reported as not statically known.

Why it matters:
Whoever the trust policy lets in gets the function's permissions without touching the
function: a wildcard lets any AWS account in the world assume the role, a second service
widens who acts with it, and a shared role muddles every audit trail.

Example:

```yaml
AssumeRolePolicyDocument:
  Statement:
    - Effect: Allow
      Principal:
        AWS: "*"
      Action: sts:AssumeRole
```

How to fix:
Trust only `lambda.amazonaws.com` (add `aws:SourceAccount`/`aws:SourceArn` conditions);
give other principals their own role.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
- https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
- CWE-284: Improper Access Control
- OWASP Serverless Top 10: SAS-4 Over-Privileged Function Permissions and Roles
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.context import current_config
from faasguard.findings import Hit, Practice, Severity
from faasguard.iam.conditions import ConditionEffect, classify
from faasguard.model import App
from faasguard.rules.base import ALL_FORMATS, rule
from faasguard.rules.perm._effective_grants import lowered, roles_with_functions

LAMBDA_PRINCIPALS = frozenset({"lambda.amazonaws.com", "edgelambda.amazonaws.com"})
SEVERITY = Severity.HIGH


def _foreign(principals: dict[str, tuple[object, ...]]) -> list[str]:
    found: list[str] = []
    for kind, values in principals.items():
        for value in values:
            text = str(value)
            if kind == "Service" and isinstance(value, str) and value.lower() in LAMBDA_PRINCIPALS:
                continue
            found.append(text if kind == "*" else f"{kind}: {text}")
    return found


@rule(
    id="PERM011",
    name="foreign-trust",
    severity=SEVERITY,
    practice=Practice.P1,
    cwe=("CWE-284",),
    owasp=("SAS-4",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per trust statement of an execution role letting in another principal."""
    today = current_config().today
    for role, users in roles_with_functions(app):
        ref = role.ref
        trust = role.assume_role_policy
        if trust is None:
            continue
        for statement in trust.statements:
            if not statement.allows:
                continue
            foreign = _foreign(dict(statement.principals))
            if not foreign:
                continue
            wildcard = any(p in ("*", "AWS: *") for p in foreign)
            severity = Severity.CRITICAL if wildcard else SEVERITY
            effect = classify(statement.conditions, today=today)
            if effect is ConditionEffect.IMPOSSIBLE:
                continue
            narrowed = effect is ConditionEffect.NARROWING
            yield Hit(
                message=(
                    f"execution role {ref} of {', '.join(f.display_name for f in users)} is "
                    f"trusted by "
                    f"{', '.join(foreign)}{' (anyone)' if wildcard else ''}"
                    f"{' under a narrowing condition' if narrowed else ''}: they can assume "
                    "it and act with the function's permissions; trust only "
                    "lambda.amazonaws.com"
                ),
                location=statement.location,
                function=users[0].ref,
                resource=ref,
                key=",".join(sorted(foreign)),
                severity=lowered(severity) if narrowed else severity,
            )
