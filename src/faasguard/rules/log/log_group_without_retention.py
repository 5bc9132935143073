"""Function logs kept forever: no log group retention.

What it finds:
Functions whose log group (`/aws/lambda/<function name>`, or the group named in the
function's logging configuration) is declared without a retention period, and functions for
which no log group is declared at all, so Lambda creates one on first invocation that never
expires. Log groups are matched by name or by a reference to the function
(`!Sub /aws/lambda/${Fn}`, `/aws/lambda/${aws_lambda_function.fn.function_name}`). A
retention that is not statically known is not reported. Several functions with no declared
log group share one cause: they get one finding, at SAM `Globals.Function` or Serverless
`provider` when the app has that section (else at the first function), that names them and
lists their declarations as related locations. A declared log group without retention has
its own finding.

Why it matters:
Logs without retention accumulate forever: personal data and secrets that were logged by
mistake stay readable indefinitely (a compliance problem under GDPR and PCI DSS), and the
storage bill grows without bound. Declaring the log group also lets you encrypt it and
attach metric filters and subscriptions.

Example:

```yaml
Resources:
  ApiLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub /aws/lambda/${Api}
      # no RetentionInDays: kept forever
```

How to fix:
Declare the log group with `RetentionInDays` (`retention_in_days` in Terraform,
`provider.logRetentionInDays` in Serverless) matching your retention policy, e.g. 30 or 90.

References:
- https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention
- https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
- CWE-779: Logging of Excessive Data
- OWASP Serverless Top 10: SAS-5 Inadequate Function Monitoring and Logging
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules._causes import Missing, one_per_cause
from faasguard.rules._helpers import describe, expected_log_group, function_log_group
from faasguard.rules.base import ALL_FORMATS, rule


@rule(
    id="LOG001",
    name="log-group-without-retention",
    severity=Severity.LOW,
    practice=Practice.P6,
    cwe=("CWE-779",),
    owasp=("SAS-5",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per log group without retention; one for all functions with no log group."""
    undeclared: list[Missing] = []
    for fn in app.functions:
        group = function_log_group(app, fn)
        if group is None:
            expected = expected_log_group(fn)
            name = describe(expected) if expected is not None else f"/aws/lambda/{fn.ref}"
            hit = Hit(
                message=(
                    f"no log group is declared for function {fn.display_name}: Lambda creates "
                    f"{name} on first use with no retention (logs kept forever); declare it "
                    "with a retention period"
                ),
                location=fn.location,
                function=fn.ref,
            )
            undeclared.append(Missing(fn, hit))
        elif group.retention_days is None:
            yield Hit(
                message=(
                    f"log group {describe(group.log_group_name)} of function {fn.display_name} "
                    "has no retention (logs kept forever): set RetentionInDays"
                ),
                location=group.location,
                function=fn.ref,
                resource=group.ref,
            )
    fix = (
        "set provider.logRetentionInDays"
        if app.format == "serverless"
        else "declare their /aws/lambda/<name> log groups with a retention period"
    )
    problem = (
        "have no log group declared, so Lambda creates each on first use with no retention "
        "(logs kept forever)"
    )
    yield from one_per_cause(app, undeclared, problem, fix)
