"""Lambda permission lets any principal invoke the function.

What it finds:
`AWS::Lambda::Permission` / `aws_lambda_permission` statements whose principal is `*` with no
`SourceArn`, `SourceAccount` or `PrincipalOrgID` to narrow who may call. Permissions for
function URLs with `FunctionUrlAuthType: NONE`, and `lambda:InvokeFunction` permissions
limited to calls through the function URL (`InvokedViaFunctionUrl: true`, which the SAM
transform adds for public URLs), are left to TRIG007, which reports the URL.

Why it matters:
The function's resource policy then allows every AWS account in the world to invoke it
directly (`aws lambda invoke`), bypassing the API, its authorizer and its throttling.

Example:

```yaml
Resources:
  OpenInvoke:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Worker
      Action: lambda:InvokeFunction
      Principal: "*"
```

How to fix:
Name the service or account that must invoke the function as `Principal`
(`s3.amazonaws.com`, `sns.amazonaws.com`, an account id) and add `SourceArn` (and
`SourceAccount` for S3) or `PrincipalOrgID`.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
- https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-permission.html
- CWE-284: Improper Access Control
- OWASP Serverless Top 10: SAS-3 Insecure Serverless Deployment Configuration
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App, LambdaPermission
from faasguard.rules._helpers import describe
from faasguard.rules.base import ALL_FORMATS, rule


@rule(
    id="TRIG008",
    name="lambda-permission-any-principal",
    severity=Severity.HIGH,
    practice=Practice.P2,
    cwe=("CWE-284",),
    owasp=("SAS-3",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per unconditioned wildcard-principal Lambda permission."""
    for permission in app.of_type(LambdaPermission):
        if permission.principal != "*":
            continue
        if any(
            v is not None
            for v in (permission.source_arn, permission.source_account, permission.principal_org_id)
        ):
            continue
        props = permission.properties
        if True in (props.get("InvokedViaFunctionUrl"), props.get("invoked_via_function_url")):
            continue  # scoped by the lambda:InvokedViaFunctionUrl condition to the URL
        url_auth = permission.function_url_auth_type
        if isinstance(url_auth, str) and url_auth.upper() == "NONE":
            continue  # a public function URL: TRIG007 reports it
        fn = app.function(permission.function)
        target = fn.display_name if fn is not None else describe(permission.function)
        yield Hit(
            message=(
                f"permission {permission.ref} lets any principal ('*') call "
                f"{describe(permission.action)} on function {target} with no SourceArn, "
                "SourceAccount or PrincipalOrgID condition: name the calling service or account"
            ),
            location=permission.location,
            resource=permission.ref,
            function=fn.ref if fn is not None else None,
        )
