"""Function able to modify infrastructure everywhere.

What it finds:
Functions whose role allows, on every resource, Write or Permissions-management actions of
infrastructure services: EC2 and VPC networking, Auto Scaling, CloudFormation, load
balancers, RDS, Route 53, EKS, ECS, ElastiCache, CloudFront, API Gateway, CloudTrail,
Config, GuardDuty, WAF, Organizations, ... (the service list is
`faasguard/data/iam_risk_actions.json`, after Cloudsplaining's infrastructure-modification
category). A narrowing condition lowers the severity.
The network-interface actions Lambda needs to attach a function to a VPC
(`ec2:CreateNetworkInterface`, `ec2:DeleteNetworkInterface`,
`ec2:AssignPrivateIpAddresses`, `ec2:UnassignPrivateIpAddresses`, as in the managed policy
`AWSLambdaVPCAccessExecutionRole`, which grants them on `*`) are not reported: they cannot
be scoped further and change no one else's infrastructure (PERM050 reports them when the
function is not in a VPC and never needs them).
Roles with administrator access are reported by PERM001 only.

Why it matters:
A function that can open security groups, delete stacks, stop CloudTrail or repoint DNS
turns one code-execution bug into an outage, a persistence foothold or a blind spot.

Example:

```yaml
- Effect: Allow
  Action: ec2:AuthorizeSecurityGroupIngress
  Resource: "*"
```

How to fix:
Infrastructure changes belong in deployment pipelines, not in function roles. Remove the
actions, or scope them to the resources the function owns (tags, ARNs).

References:
- https://github.com/salesforce/cloudsplaining#infrastructure-modification
- CWE-732: Incorrect Permission Assignment for Critical Resource
- OWASP Serverless Top 10: SAS-4 Over-Privileged Function Permissions and Roles
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.iam.catalog import catalog
from faasguard.model import App
from faasguard.rules.base import ALL_FORMATS, rule
from faasguard.rules.perm._effective_grants import Category, category_hits, risk_actions

LEVELS = frozenset({"Write", "Permissions management"})
#: What Lambda itself does with the role of a VPC-attached function (lower-cased).
VPC_ATTACHMENT_ACTIONS = frozenset(
    {
        "ec2:createnetworkinterface",
        "ec2:deletenetworkinterface",
        "ec2:assignprivateipaddresses",
        "ec2:unassignprivateipaddresses",
    }
)


@rule(
    id="PERM008",
    name="infrastructure-modification",
    severity=Severity.MEDIUM,
    practice=Practice.P1,
    cwe=("CWE-732",),
    owasp=("SAS-4",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per function and granting statement."""
    services = frozenset(risk_actions()["infrastructure_services"])
    cat = catalog()

    def matches(action: str) -> bool:
        return (
            action.partition(":")[0].lower() in services
            and cat.access_level(action) in LEVELS
            and action.lower() not in VPC_ATTACHMENT_ACTIONS
        )

    yield from category_hits(
        app,
        Category(
            label="modify infrastructure on every resource",
            advice="leave infrastructure changes to the deployment pipeline",
            matches=matches,
            severity=Severity.MEDIUM,
        ),
    )
