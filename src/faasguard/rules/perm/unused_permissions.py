"""Permissions granted to a function but never used by its code.

What it finds:
Statements of a function's execution role that grant actions the function never needs:
no SDK call of its handler code (found by faasguard's static analysis of the code
directory, see `faasguard iam suggest`) and nothing the Lambda service does with the role
(CloudWatch Logs, polling its SQS or stream trigger, its dead-letter target, VPC network
interfaces, X-Ray) needs them. For a role shared by several functions an action counts as
used when any of them needs it. The finding points at the granting statement (or the line
attaching a managed policy) and names the unused actions.

It reports only when the code analysis is complete: the handler file was found and
parsed, every imported module of the code directory too, no client or method name is
computed at run time, and no library that calls AWS on the code's behalf (AWS Lambda
Powertools parameters, awswrangler, PynamoDB, dynamoose, ...) is used. Otherwise the
scan says nothing here, rather than call a permission unused that the code may need.
CloudWatch Logs grants on the functions' own `/aws/lambda/` log groups are left to the LOG
rules (frameworks write them for every function).
Calls made by libraries outside the code directory are not seen; suppress the finding
with a reason when a dependency needs the permission.

Why it matters:
Every unused permission is attack surface: an injection or a compromised dependency in
the function acts with the role's rights, not with what the code was meant to do.
Unused write and permissions-management actions matter most (medium); unused reads
are low.

Example:

```yaml
CreateOrderFunction:
  Properties:
    Handler: app.handler      # calls only Table(...).put_item
    Policies:
      - DynamoDBCrudPolicy:   # grants Scan, DeleteItem, BatchWriteItem, ... too
          TableName: !Ref OrdersTable
```

How to fix:
Replace the statement with what the code needs: `faasguard iam suggest PATH --function
NAME` prints it in the app's format, scoped to the resources the code uses.

References:
- https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
- https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
- CWE-250: Execution with Unnecessary Privileges
- OWASP Serverless Top 10: SAS-4 Over-Privileged Function Permissions and Roles
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.iam.catalog import UNKNOWN_LEVEL, catalog
from faasguard.iam.effective import Grant
from faasguard.iam.usage import usage_of
from faasguard.model import App
from faasguard.rules.base import ALL_FORMATS, Source, rule
from faasguard.rules.perm._code_derived import short_list
from faasguard.rules.perm._effective_grants import (
    grant_sources,
    granted_by,
    granting_statements,
    permissions,
    roles_with_functions,
)

#: Access levels whose unused actions raise the severity to medium.
_RISKY_LEVELS = frozenset({"Write", "Permissions management"})


def _own_log_group(action: str, resource: str) -> bool:
    """CloudWatch Logs grants on Lambda log groups: written by the framework for every
    function (Serverless adds ``logs:TagResource``), judged by the LOG rules, not here."""
    return action.lower().startswith("logs:") and ":log-group:/aws/lambda/" in resource


def _access_levels(grants: Iterable[Grant]) -> dict[str, str]:
    """Access level per granted action, looked up once per action (not once per grant)."""
    cat = catalog()
    levels: dict[str, str] = {}
    for grant in grants:
        if grant.action not in levels:
            levels[grant.action] = cat.access_level(grant.action)
    return levels


@rule(
    id="PERM050",
    name="unused-permissions",
    severity=Severity.LOW,
    practice=Practice.P1,
    cwe=("CWE-250",),
    owasp=("SAS-4",),
    formats=ALL_FORMATS,
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per role statement granting actions no function of the role needs."""
    for role, functions in roles_with_functions(app):
        usages = [usage_of(f, app) for f in functions]
        if not all(u.complete for u in usages):
            continue  # an incomplete analysis cannot prove a permission unused
        used = {a.lower(): a for u in usages for a in u.actions()}
        perms = permissions(role, app)
        levels_of = _access_levels(perms.grants)
        grants = [
            g
            for g in perms.grants
            if g.action.lower() not in used
            and levels_of.get(g.action) != UNKNOWN_LEVEL
            and not _own_log_group(g.action, g.resource)
        ]
        names = ", ".join(f.display_name for f in functions)
        locate = perms.location_of
        for location, group in granting_statements(grants, locate).items():
            unused = sorted({g.action for g in group}, key=str.lower)
            levels = {levels_of[a] for a in unused}
            needed = sorted(used.values(), key=str.lower)
            yield Hit(
                message=(
                    f"role {role.ref} grants {len(unused)} action(s) the code of {names} "
                    f"never uses: {short_list(unused)}, through {granted_by(group, locate)}; "
                    f"the function(s) need only {short_list(needed, 8) or 'nothing'}; "
                    "'faasguard iam suggest' prints the least-privilege policy"
                ),
                location=location,
                function=functions[0].ref,
                resource=role.ref,
                key=f"{group[0].policy.name}:{short_list(unused, 50)}",
                severity=Severity.MEDIUM if levels & _RISKY_LEVELS else None,
                properties={"granted_by": grant_sources(group, locate)},
            )
