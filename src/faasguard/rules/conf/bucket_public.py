"""S3 bucket used by a function is public through its ACL or its bucket policy.

What it finds:
Buckets declared in the app that a function uses (it is triggered by the bucket, or its
environment names the bucket) and that anyone can read or list:

- a public canned ACL: `PublicRead`/`public-read`, `PublicReadWrite`/`public-read-write`,
  `AuthenticatedRead`/`authenticated-read` (every AWS account), set on the bucket
  (`AccessControl`, `acl`) or in a Terraform `aws_s3_bucket_acl`;
- a bucket policy (inline or a separate bucket policy resource) with an `Allow` statement
  for the principal `*` on a read or list action (`s3:GetObject`, `s3:Get*`, `s3:ListBucket`,
  `s3:*`, `*`) without a condition.

Block Public Access is read in full, setting by setting: a public ACL is not reachable when
`IgnorePublicAcls` (or `BlockPublicAcls`, which rejects it) is on, a public policy grant is
not reachable when `RestrictPublicBuckets` (or `BlockPublicPolicy`) is on. A bucket whose
settings are not declared is judged by its grants. Write access by anyone to a bucket that
triggers a function is CONF004.

Why it matters:
The bucket holds what the function reads and writes: uploads, exports, reports. Public
read or list hands it to anyone on the internet who guesses or enumerates the bucket name.

Example:

```yaml
Resources:
  Exports:
    Type: AWS::S3::Bucket
    Properties:
      AccessControl: PublicRead
```

How to fix:
Remove the public ACL and the `*` grant, turn on all four Block Public Access settings, and
give readers pre-signed URLs or a CloudFront distribution with origin access control.

References:
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl
- CWE-732: Incorrect Permission Assignment for Critical Resource
- OWASP Serverless Top 10: SAS-3 Insecure Serverless Deployment Configuration
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import (
    App,
    Bucket,
    Function,
    Location,
    PublicAccessBlock,
    ResourcePolicy,
    Statement,
    TriggerKind,
    Unknown,
)
from faasguard.rules._helpers import find_resource, join, mentions
from faasguard.rules.base import ALL_FORMATS, rule

#: Canned ACLs that grant reading to everyone (or every AWS account), lower-cased.
PUBLIC_ACLS = frozenset(
    {
        "publicread",
        "public-read",
        "publicreadwrite",
        "public-read-write",
        "authenticatedread",
        "authenticated-read",
    }
)
_READ_ACTIONS = frozenset(
    {"s3:getobject", "s3:getobjectversion", "s3:get*", "s3:listbucket", "s3:list*", "s3:*", "*"}
)


def acls_reachable(block: PublicAccessBlock | None) -> bool:
    """Whether a public ACL takes effect under these Block Public Access settings."""
    return block is None or not (
        block.ignore_public_acls is True or block.block_public_acls is True
    )


def policies_reachable(block: PublicAccessBlock | None) -> bool:
    """Whether a public bucket-policy grant takes effect under these settings."""
    return block is None or not (
        block.restrict_public_buckets is True or block.block_public_policy is True
    )


def _public_read(statement: Statement) -> bool:
    if not statement.allows or statement.conditions:
        return False
    anyone = "*" in statement.principals or "*" in statement.principals.get("AWS", ())
    actions = {a.lower() for a in statement.actions if isinstance(a, str)}
    return anyone and bool(actions & _READ_ACTIONS)


def _grants(app: App, bucket: Bucket) -> Iterator[tuple[str, Location]]:
    """Each reachable public grant of the bucket, with the line where it is written."""
    block = bucket.public_access_block
    if isinstance(bucket.acl, str) and bucket.acl.lower() in PUBLIC_ACLS and acls_reachable(block):
        yield f"its ACL is {bucket.acl}", bucket.location
    if not policies_reachable(block):
        return
    for statement in policy_statements(app, bucket):
        if _public_read(statement):
            yield "its bucket policy lets anyone ('*') read it", statement.location


def policy_statements(app: App, bucket: Bucket) -> list[Statement]:
    """The statements of the bucket's policy, inline or in a separate bucket policy resource
    (loaders may keep a linked one in both places: each statement once)."""
    policies = [bucket.policy] if bucket.policy is not None else []
    policies += [
        p.policy
        for p in app.of_type(ResourcePolicy)
        if bucket.ref in p.targets or (bucket.name is not None and bucket.name in p.targets)
    ]
    seen: list[Statement] = []
    for policy in policies:
        seen.extend(s for s in policy.statements if s not in seen)
    return seen


def triggered_buckets(app: App) -> dict[str, tuple[Bucket, list[str]]]:
    """Buckets that trigger functions of the app, with those functions' names."""
    found: dict[str, tuple[Bucket, list[str]]] = {}
    for fn in app.functions:
        for trigger in fn.triggers:
            if trigger.kind is TriggerKind.S3:
                bucket = find_resource(app, trigger.source, Bucket)
                if bucket is not None:
                    found.setdefault(bucket.ref, (bucket, []))[1].append(fn.display_name)
    return found


def _uses(fn: Function, bucket: Bucket) -> bool:
    """The function is triggered by the bucket or names it in its environment."""
    names = [bucket.ref, *([bucket.name] if isinstance(bucket.name, str) else [])]
    for value in fn.environment.values():
        text = _reference_text(value)
        if text is not None and any(text == n or mentions(text, n) for n in names):
            return True
    return False


def _reference_text(value: object) -> str | None:
    """What an environment value names: a string, an unresolved expression, or the target
    of an intrinsic left as written (``{"Ref": "Exports"}``, ``{"Fn::GetAtt": [...]}``)."""
    if isinstance(value, Mapping) and len(value) == 1:
        value = next(iter(value.values()))
        if isinstance(value, list) and value:
            value = value[0]
    if isinstance(value, Unknown):
        return value.expression
    return value if isinstance(value, str) else None


@rule(
    id="CONF006",
    name="bucket-public",
    severity=Severity.HIGH,
    practice=Practice.P7,
    cwe=("CWE-732",),
    owasp=("SAS-3",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per reachable public grant of each bucket the app's functions use."""
    used = triggered_buckets(app)
    for fn in app.functions:
        for bucket in app.of_type(Bucket):
            if _uses(fn, bucket):
                used.setdefault(bucket.ref, (bucket, []))[1].append(fn.display_name)
    for bucket, functions in used.values():
        name = bucket.name if isinstance(bucket.name, str) else bucket.ref
        for grant, location in _grants(app, bucket):
            yield Hit(
                message=(
                    f"bucket {name}, used by function {join(functions)}, is public: {grant} "
                    "and Block Public Access does not stop it; anyone can read what the "
                    "function stores there — remove the grant and turn on Block Public Access"
                ),
                location=location,
                resource=bucket.ref,
                key=grant.split(" ")[1],
            )
