"""S3 bucket that triggers a function is publicly writable.

What it finds:
Buckets declared in the app that send events to a function and either
(a) have the canned ACL `PublicReadWrite` (`public-read-write`),
(b) have a bucket policy (inline or a separate bucket policy resource) with an `Allow`
statement for the principal `*` on `s3:PutObject` (or `s3:Put*`, `s3:*`, `*`) without any
condition, or
(c) explicitly turn off a Block Public Access setting (`BlockPublicAcls`,
`IgnorePublicAcls`, `BlockPublicPolicy`, `RestrictPublicBuckets` set to `false`).
Buckets without a Block Public Access configuration are not reported for (c): since April
2023 S3 enables all four settings on new buckets by default. A public ACL is not reported
when `IgnorePublicAcls` or `BlockPublicAcls` is on, a public policy grant not when
`RestrictPublicBuckets` or `BlockPublicPolicy` is on: they cannot take effect.

Why it matters:
Whoever can write to the bucket controls the function's input: every uploaded object
invokes it (denial of wallet) and its key, metadata and content reach the handler unfiltered
(see TRIG003), the classic path to injection through file names or parsers.

Example:

```yaml
Resources:
  Uploads:
    Type: AWS::S3::Bucket
    Properties:
      AccessControl: PublicReadWrite
```

How to fix:
Remove the public ACL and the `*` principal, enable all four Block Public Access settings,
and let clients upload through pre-signed URLs issued after authentication.

References:
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/PresignedUrlUploadObject.html
- CWE-732: Incorrect Permission Assignment for Critical Resource
- OWASP Serverless Top 10: SAS-3 Insecure Serverless Deployment Configuration
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App, Bucket, Location, Statement
from faasguard.rules._helpers import join
from faasguard.rules.base import ALL_FORMATS, rule
from faasguard.rules.conf.bucket_public import (
    acls_reachable,
    policies_reachable,
    policy_statements,
    triggered_buckets,
)

_PUBLIC_WRITE_ACLS = frozenset({"publicreadwrite", "public-read-write"})
_WRITE_ACTIONS = frozenset({"s3:putobject", "s3:put*", "s3:*", "*"})
_BPA_FIELDS = (
    ("block_public_acls", "BlockPublicAcls"),
    ("ignore_public_acls", "IgnorePublicAcls"),
    ("block_public_policy", "BlockPublicPolicy"),
    ("restrict_public_buckets", "RestrictPublicBuckets"),
)


def _public_write(statement: Statement) -> bool:
    if not statement.allows or statement.conditions:
        return False
    anyone = "*" in statement.principals or "*" in statement.principals.get("AWS", ())
    actions = {a.lower() for a in statement.actions if isinstance(a, str)}
    return anyone and bool(actions & _WRITE_ACTIONS)


def _problems(app: App, bucket: Bucket) -> Iterator[tuple[str, Location]]:
    """Each reason the bucket is publicly writable, with the line where it is configured."""
    block = bucket.public_access_block
    if (
        isinstance(bucket.acl, str)
        and bucket.acl.lower() in _PUBLIC_WRITE_ACLS
        and acls_reachable(block)
    ):
        yield f"its ACL is {bucket.acl}", bucket.location
    # RestrictPublicBuckets (or BlockPublicPolicy) makes a public policy grant unreachable.
    if policies_reachable(block):
        for statement in policy_statements(app, bucket):
            if _public_write(statement):
                yield "its bucket policy lets anyone ('*') put objects", statement.location
    if block is not None:
        off = [label for attr, label in _BPA_FIELDS if getattr(block, attr) is False]
        if off:
            where = block.location or bucket.location
            yield f"Block Public Access is turned off ({', '.join(off)}: false)", where


@rule(
    id="CONF004",
    name="trigger-bucket-public-write",
    severity=Severity.HIGH,
    practice=Practice.P7,
    cwe=("CWE-732",),
    owasp=("SAS-3",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per problem of each publicly writable bucket that triggers functions."""
    triggered = triggered_buckets(app)
    for bucket, functions in triggered.values():
        name = bucket.name if isinstance(bucket.name, str) else bucket.ref
        for problem, location in _problems(app, bucket):
            yield Hit(
                message=(
                    f"bucket {name} triggers function {join(functions)} and {problem}: anyone "
                    "can upload objects that invoke the function; block public access and "
                    "use pre-signed URLs"
                ),
                location=location,
                resource=bucket.ref,
                key=problem.split(" ")[1],
            )
