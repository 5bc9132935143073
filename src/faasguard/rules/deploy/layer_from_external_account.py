"""Layer published by another AWS account.

What it finds:
Function layers whose ARN names a literal 12-digit account id that is neither the app's own
nor a known AWS-published layer account. The heuristic is deliberately narrow: a layer ARN
built from `${AWS::AccountId}`, a variable or any other value that is not statically known
is considered the app's own; a literal account counts as the app's own when it also appears
in the ARN of one of the app's execution roles; accounts from which AWS publishes layers
(Lambda Insights, Powertools for AWS Lambda, AWS Distro for OpenTelemetry, the Parameters and
Secrets extension, the AppConfig extension, Lambda Web Adapter) are listed, with their
source, in `faasguard/data/aws_layer_accounts.json` and are not reported.

Why it matters:
A layer's code runs inside the function with all of its permissions and secrets. A layer
from someone else's account can be replaced by its owner with a new version at any time
(for `$LATEST`-style pinning by version number the old version stays, but you trust whoever
controls the account) and can be deleted, breaking deployments.

Example:

```yaml
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Layers:
        - arn:aws:lambda:eu-west-1:111122223333:layer:fast-json:3
```

How to fix:
Vendor the layer's content into your own account (publish it as your own layer version from
a reviewed artifact) or bundle the dependency in the deployment package. Keep third-party
layers only from vendors you trust, pinned to a version.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html
- https://docs.aws.amazon.com/lambda/latest/dg/permissions-layer-cross-account.html
- CWE-829: Inclusion of Functionality from Untrusted Control Sphere
- OWASP Serverless Top 10: SAS-6 Insecure Third-Party Dependencies
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from faasguard.data import load_json
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules._helpers import arn_account
from faasguard.rules.base import ALL_FORMATS, rule

_ACCOUNT = re.compile(r"^\d{12}$")


@cache
def aws_layer_accounts() -> frozenset[str]:
    """Accounts AWS publishes layers from (loaded lazily from the packaged data file)."""
    data = load_json("aws_layer_accounts.json")
    return frozenset(entry["account"] for entry in data["accounts"])


def _own_accounts(app: App) -> set[str]:
    accounts = set()
    for role in (*app.roles, *(fn.role for fn in app.functions if fn.role is not None)):
        account = arn_account(role.arn)
        if account:
            accounts.add(account)
    return accounts


@rule(
    id="DEPLOY003",
    name="layer-from-external-account",
    severity=Severity.MEDIUM,
    practice=Practice.P4,
    cwe=("CWE-829",),
    owasp=("SAS-6",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per (function, layer) taken from a foreign account."""
    own = _own_accounts(app)
    trusted = aws_layer_accounts()
    for fn in app.functions:
        for layer in fn.layers:
            account = arn_account(layer)
            if account is None or not _ACCOUNT.match(account):
                continue
            if account in own or account in trusted:
                continue
            yield Hit(
                message=(
                    f"function {fn.display_name} uses layer {layer} from AWS account {account}, "
                    "which is not this app's: its owner controls code that runs with the "
                    "function's permissions; publish the layer from your own account"
                ),
                location=fn.loc("layers"),
                function=fn.ref,
                key=str(layer),
            )
