"""Function without CloudWatch alarms on errors, throttles or duration.

What it finds:
Functions for which the app declares no CloudWatch alarm on the `AWS/Lambda` metrics
`Errors`, `Throttles` or `Duration` with the dimension `FunctionName` set to the function
(by name, or by a reference such as `!Ref Fn` or `aws_lambda_function.fn.function_name`).
Several unwatched functions of one app give one finding, at SAM `Globals.Function` or
Serverless `provider` when the app has that section (else at the first function), that names
them and lists their declarations as related locations.

Why it matters:
Nobody reads logs by hand in time. A spike of errors is often the first sign of an attack
(injection probes, malformed events), throttles and duration spikes the sign of a flood or a
denial-of-wallet attempt. Without an alarm they are discovered on the bill.

Example:

```yaml
Resources:
  Checkout:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
  # no AWS::CloudWatch::Alarm with Namespace AWS/Lambda, Dimensions FunctionName: !Ref Checkout
```

How to fix:
Declare at least an `Errors` alarm (and `Throttles`, and `Duration` near the timeout) per
function, with an SNS action that reaches someone.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
- https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
- CWE-778: Insufficient Logging
- OWASP Serverless Top 10: SAS-5 Inadequate Function Monitoring and Logging
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import Alarm, App, Function
from faasguard.rules._causes import Missing, one_per_cause
from faasguard.rules._helpers import refers_to_function
from faasguard.rules.base import ALL_FORMATS, rule

WATCHED_METRICS = frozenset({"Errors", "Throttles", "Duration"})


def _watches(alarm: Alarm, fn: Function) -> bool:
    if alarm.namespace != "AWS/Lambda" or alarm.metric_name not in WATCHED_METRICS:
        return False
    return refers_to_function(alarm.dimensions.get("FunctionName"), fn)


@rule(
    id="LOG003",
    name="no-function-alarms",
    severity=Severity.LOW,
    practice=Practice.P6,
    cwe=("CWE-778",),
    owasp=("SAS-5",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit for the functions no alarm watches."""
    alarms = list(app.of_type(Alarm))
    unwatched: list[Missing] = []
    for fn in app.functions:
        if any(_watches(alarm, fn) for alarm in alarms):
            continue
        hit = Hit(
            message=(
                f"no CloudWatch alarm watches the Errors, Throttles or Duration metrics of "
                f"function {fn.display_name}: add at least an Errors alarm"
            ),
            location=fn.location,
            function=fn.ref,
        )
        unwatched.append(Missing(fn, hit))
    problem = "have no CloudWatch alarm on their Errors, Throttles or Duration metrics"
    yield from one_per_cause(app, unwatched, problem, "add at least an Errors alarm for each")
