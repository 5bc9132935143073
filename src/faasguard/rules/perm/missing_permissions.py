"""Permissions a function's code needs that its role does not grant.

What it finds:
SDK calls of a function's handler code (found by faasguard's static analysis of the code
directory, see `faasguard iam suggest`) whose IAM actions the function's execution role
does not allow, and actions the Lambda service needs the role to have for the function's
event source (SQS, DynamoDB or Kinesis stream, Kafka, MQ), dead-letter target or VPC.
The finding points at the role's declaration — the function's `Policies` (SAM), the
`iam.role` the function uses (Serverless Framework), the `aws_iam_role` (Terraform) —
because that is what you edit; the message names each missing action and the `file:line`
of the call that needs it.

Nothing is reported when the role's policies are not all known statically (a role
declared outside the app, a managed policy faasguard does not know, an `Action` that is
not a static string, a Terraform policy attachment whose role or policy cannot be linked):
the permission may be granted there. For event sources only the minimum the event source
mapping needs counts (SQS `ReceiveMessage`/`DeleteMessage`/`GetQueueAttributes`; stream
`DescribeStream`/`GetRecords`/`GetShardIterator`/`ListStreams`; VPC network-interface
create/describe/delete); `iam suggest` also lists what the AWS managed policies add.
Calls faasguard cannot see (code outside the code directory, dynamic client names) are not judged.

Why it matters:
The call fails with `AccessDenied` at run time, on the code path that makes it, often
one that tests do not exercise (an error handler, a nightly job). Teams then "fix" it with
a wildcard, which is how over-broad roles are born.

Example:

```yaml
OrderWorkerFunction:
  Properties:
    Handler: app.handler    # store.py calls dynamodb.update_item on ORDERS_TABLE
    Policies:
      - SQSPollerPolicy:    # nothing grants dynamodb:UpdateItem
          QueueName: !GetAtt OrderQueue.QueueName
```

How to fix:
Grant exactly the missing actions on the resources the code uses (`faasguard iam suggest
PATH --function NAME` prints the statement), or remove the call.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
- https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
- CWE-703: Improper Check or Handling of Exceptional Conditions
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.iam.usage import usage_of
from faasguard.model import App
from faasguard.rules.base import ALL_FORMATS, Source, rule
from faasguard.rules.perm._code_derived import policies_fully_known, runtime_needs, short_list
from faasguard.rules.perm._effective_grants import permissions


@rule(
    id="PERM051",
    name="missing-permissions",
    severity=Severity.HIGH,
    practice=Practice.P1,
    cwe=("CWE-703",),
    formats=ALL_FORMATS,
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per function whose role lacks actions its code or event sources need."""
    for function in app.functions:
        role = function.role
        if role is None or not policies_fully_known(role, app):
            continue
        perms = permissions(role, app)
        missing: dict[str, list[str]] = {}
        for need in runtime_needs(usage_of(function, app)):
            if not perms.allowed(need.action):
                reasons = missing.setdefault(need.action, [])
                if need.reason not in reasons:
                    reasons.append(need.reason)
        if not missing:
            continue
        details = [f"{action} ({', '.join(why)})" for action, why in sorted(missing.items())]
        yield Hit(
            message=(
                f"function {function.display_name} needs {short_list(details, 8)}, which its "
                f"role {role.ref} does not grant: the call fails with AccessDenied at run "
                "time; 'faasguard iam suggest' prints the statement to add"
            ),
            location=role.location,
            function=function.ref,
            resource=role.ref,
            key=",".join(sorted(missing)),
        )
