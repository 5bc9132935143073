"""Execution role differs from the signed manifest.

What it finds:
Deployed functions whose execution role is not the role the signed manifest pins for them
(`faasguard audit --manifest`). Role names are compared; a role CloudFormation named from
the template's logical id (`stack-LogicalId-SUFFIX`) is the same role.

Why it matters:
Swapping a function's role (`lambda:UpdateFunctionConfiguration` with `iam:PassRole`) is
the quietest privilege escalation in a serverless account: the code stays the same, the
template in git stays the same, and the function now acts with someone else's
permissions, often an administrator's.

Example:

```text
$ faasguard audit --manifest manifest.signed.json --trusted-key ci.pub
DEPLOY006 arn:aws:lambda:eu-west-1:123456789012:function:orders  (Role)
```

How to fix:
Put the approved role back (redeploy), find who changed it in CloudTrail
(`UpdateFunctionConfiguration20150331v2`), and restrict `iam:PassRole` for deployers to the
functions' own roles.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
- https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
- CWE-269: Improper Privilege Management
- OWASP Serverless Top 10: SAS-5 Over-Privileged Function Permissions and Roles
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.deploy._live import drift


@rule(
    id="DEPLOY006",
    name="role-swapped",
    severity=Severity.HIGH,
    practice=Practice.P4,
    cwe=("CWE-269",),
    owasp=("SAS-5",),
    formats=(),
    source=Source.LIVE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per deployed function whose role is not the pinned one."""
    for item, pin, changes in drift(app, ("role",)):
        yield Hit(
            message=(
                f"execution role of function {item.live.name} was swapped: {changes[0][1]} "
                f"(manifest {pin.manifest})"
            ),
            location=item.function.loc("role"),
            function=item.live.name,
        )
