"""A Cognito user pool that the app's functions trust, open to account abuse.

What it finds:
Cognito user pools (`AWS::Cognito::UserPool` in SAM, CloudFormation and Serverless
`resources`; Terraform `aws_cognito_user_pool`) that the app's functions are behind or use —
the app authorizes HTTP routes with Cognito user pools, a function is one of the pool's
triggers, or a function's environment names the pool — with one finding per cause:

- **self sign-up with writable privileged attributes** (high): anyone may sign up
  (`AdminCreateUserConfig.AllowAdminCreateUserOnly` / `allow_admin_create_user_only` not
  true) and a custom attribute named like an authorization attribute (`custom:role`,
  `custom:isAdmin`, `custom:tenant`, `custom:group`, `custom:permissions`, ...) is writable
  by an app client (`WriteAttributes` / `write_attributes` lists it, or is not set: every
  attribute is writable by default; a pool with no client in the app is writable by
  default too);
- **unverified e-mail as identity** (medium): e-mail is a username or an alias
  (`UsernameAttributes` / `AliasAttributes`) but not auto-verified
  (`AutoVerifiedAttributes`);
- **weak password policy** (medium): a password policy with a minimum length under 8, or
  requiring none of lowercase, uppercase, numbers and symbols;
- **no MFA** (low): `MfaConfiguration` / `mfa_configuration` set to `OFF` explicitly.

Why it matters:
Tokens of the pool carry the user's attributes, and functions (or the API's authorizer)
decide from them. If a user can write `custom:role` at sign-up, they sign up as an admin or
into another tenant. Unverified e-mail identities let an attacker claim someone else's
address; weak passwords and no MFA make credential stuffing easy.

Example:

```yaml
Users:
  Type: AWS::Cognito::UserPool
  Properties:
    Schema:
      - Name: role
        AttributeDataType: String
UsersClient:
  Type: AWS::Cognito::UserPoolClient
  Properties:
    UserPoolId: !Ref Users
```

How to fix:
Set the app client's `WriteAttributes` to the attributes users may edit (never the ones
authorization reads) and set privileged attributes from the back end (admin API, a
pre-token-generation trigger, or groups); auto-verify e-mail; require 8+ characters with
character classes; turn MFA on (`OPTIONAL` at least).

References:
- https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html#user-pool-settings-attribute-permissions-and-scopes
- https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-policies.html
- CWE-269: Improper Privilege Management
- CWE-521: Weak Password Requirements
- CWE-308: Use of Single-factor Authentication
- OWASP Serverless Top 10: SAS-2 Broken Authentication
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App, Resource, TriggerKind, UserPool
from faasguard.rules._helpers import mentions
from faasguard.rules.base import ALL_FORMATS, rule

_PRIVILEGED = re.compile(
    r"role|admin|tenant|group|permission|scope|privilege|owner|account_?type|plan|tier|level",
    re.IGNORECASE,
)
_CLIENT_TYPES = ("AWS::Cognito::UserPoolClient", "aws_cognito_user_pool_client")


@rule(
    id="CONF007",
    name="user-pool-weak",
    severity=Severity.MEDIUM,
    practice=Practice.P7,
    cwe=("CWE-269", "CWE-521", "CWE-308"),
    owasp=("SAS-2",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per cause per user pool the app's functions are behind or use."""
    for pool in app.of_type(UserPool):
        if not _used(app, pool):
            continue
        props = _Props(pool.properties)
        for key, severity, message in _causes(app, pool, props):
            name = pool.name if isinstance(pool.name, str) else pool.ref
            yield Hit(
                message=f"user pool {name}: {message}",
                location=pool.location,
                resource=pool.ref,
                key=key,
                severity=severity,
            )


def _text(value: object) -> str:
    return value.expression if hasattr(value, "expression") else str(value)


def _used(app: App, pool: UserPool) -> bool:
    """Functions are behind the pool (Cognito authorization, a trigger) or name it."""
    for fn in app.functions:
        for trigger in fn.triggers:
            if trigger.kind is TriggerKind.COGNITO and mentions(_text(trigger.source), pool.ref):
                return True
            http = trigger.http
            if http is not None and http.authorization == "COGNITO_USER_POOLS":
                return True
        if any(mentions(_text(v), pool.ref) for v in fn.environment.values()):
            return True
    return False


class _Props:
    """A pool's settings under their CloudFormation or Terraform names."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw

    def get(self, cfn: str, tf: str) -> Any:
        value = self.raw.get(cfn, self.raw.get(tf))
        if isinstance(value, list) and len(value) == 1 and isinstance(value[0], Mapping):
            return value[0]  # a Terraform block
        return value

    def names(self, cfn: str, tf: str) -> set[str]:
        value = self.get(cfn, tf)
        return {str(v).lower() for v in value} if isinstance(value, list) else set()


def _truthy(value: object) -> bool:
    return value is True or str(value).lower() == "true"


def _causes(app: App, pool: UserPool, props: _Props) -> Iterator[tuple[str, Severity, str]]:
    admin_only = props.get("AdminCreateUserConfig", "admin_create_user_config") or {}
    if not _truthy(
        admin_only.get("AllowAdminCreateUserOnly", admin_only.get("allow_admin_create_user_only"))
    ):
        writable = _writable_privileged(app, pool, props)
        if writable:
            yield (
                "self-sign-up-privileged-attributes",
                Severity.HIGH,
                f"anyone can sign up and write {', '.join(writable)}, which reads like an "
                "authorization attribute: a user signs up with the role or tenant they want; "
                "restrict the app client's WriteAttributes and set these from the back end",
            )
    identity = props.names("UsernameAttributes", "username_attributes") | props.names(
        "AliasAttributes", "alias_attributes"
    )
    if "email" in identity and "email" not in props.names(
        "AutoVerifiedAttributes", "auto_verified_attributes"
    ):
        yield (
            "unverified-email-identity",
            Severity.MEDIUM,
            "e-mail is a sign-in identity but is not verified (AutoVerifiedAttributes): "
            "anyone can register someone else's address; auto-verify e-mail",
        )
    yield from _password(props)
    if str(props.get("MfaConfiguration", "mfa_configuration")).upper() == "OFF":
        yield (
            "mfa-off",
            Severity.LOW,
            "MFA is turned off (MfaConfiguration OFF): a stolen password is enough; set it "
            "to OPTIONAL or ON",
        )


def _password(props: _Props) -> Iterator[tuple[str, Severity, str]]:
    policies = props.get("Policies", "password_policy") or {}
    policy = policies.get("PasswordPolicy", policies) if isinstance(policies, Mapping) else {}
    if not isinstance(policy, Mapping) or not policy:
        return  # not set: Cognito's default (8 characters, all classes)
    length = policy.get("MinimumLength", policy.get("minimum_length"))
    classes = [
        policy.get(cfn, policy.get(tf))
        for cfn, tf in (
            ("RequireLowercase", "require_lowercase"),
            ("RequireUppercase", "require_uppercase"),
            ("RequireNumbers", "require_numbers"),
            ("RequireSymbols", "require_symbols"),
        )
    ]
    weak = []
    if isinstance(length, int | str) and str(length).isdigit() and int(length) < 8:
        weak.append(f"a minimum length of {length}")
    if not any(_truthy(c) for c in classes):
        weak.append("no character classes required")
    if weak:
        yield (
            "weak-password-policy",
            Severity.MEDIUM,
            f"the password policy allows weak passwords ({' and '.join(weak)}): require at "
            "least 8 characters with lowercase, uppercase, numbers and symbols",
        )


def _writable_privileged(app: App, pool: UserPool, props: _Props) -> list[str]:
    """The privileged custom attributes an app client (or the default) lets users write."""
    schema = props.get("Schema", "schema")
    attributes = schema if isinstance(schema, list) else [schema] if schema else []
    privileged = [
        f"custom:{name}"
        for attribute in attributes
        if isinstance(attribute, Mapping)
        and isinstance(name := attribute.get("Name", attribute.get("name")), str)
        and _PRIVILEGED.search(name)
    ]
    if not privileged:
        return []
    clients = [c for c in _clients(app) if mentions(_client_pool(c), pool.ref)]
    if not clients:
        return privileged  # every client created elsewhere may write every attribute
    writable: list[str] = []
    for client in clients:
        allowed = client.properties.get(
            "WriteAttributes", client.properties.get("write_attributes")
        )
        if not isinstance(allowed, list):
            return privileged
        writable += [a for a in privileged if a in allowed and a not in writable]
    return writable


def _clients(app: App) -> Iterator[Resource]:
    for resource in app.resources:
        if resource.type in _CLIENT_TYPES:
            yield resource


def _client_pool(client: Resource) -> str:
    value = client.properties.get("UserPoolId", client.properties.get("user_pool_id"))
    if isinstance(value, Mapping):
        return str(value.get("Ref", value))
    return _text(value)
