"""Who the deployment pipeline is, for the CloudTrail rules.

Configuration first: ``[logs.deployers]`` in ``faasguard.toml`` names principals (ARN or
principal id, ``*`` wildcards), roles (the role name of an assumed-role session), user agents
(substrings, e.g. ``Terraform``, ``aws-cdk``, ``SAM``, ``Serverless``) and source IPs or CIDR
ranges. A change made through CloudFormation (``userIdentity.invokedBy`` or
``sourceIPAddress`` ``cloudformation.amazonaws.com``) always counts as the pipeline.

Learned second: without configuration, the *signature* of a change — its principal and the
tool in its user agent (``arn:...:user/ci|Terraform``) — is the pipeline when it made at least
3 of the run's infrastructure changes and a quarter of them, or when an earlier run recorded
it. Keying on the tool too separates a person's Terraform runs from the same person's
hand-made calls, which the principal alone cannot.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from faasguard.errors import UsageError

_CLOUDFORMATION = "cloudformation.amazonaws.com"
_MIN_EVENTS = 3
_SHARE = 0.25
#: The tool of a user agent: its first product token, without version or session suffix
#: (``APN/1.0 HashiCorp/1.0 Terraform/1.1.2`` → ``Terraform``; ``stratus-red-team_<uuid>``
#: → ``stratus-red-team``; ``aws-cli/2.13 Python/3.11`` → ``aws-cli``).
_KNOWN_TOOLS = re.compile(
    r"(Terraform|aws-cdk|AWSCloudFormation|cloudformation|aws-sam-cli|SAM CLI|serverless|Pulumi)",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[\[\s]*([A-Za-z][A-Za-z0-9.\-]*)")
_KEYS = ("principals", "roles", "user_agents", "source_ips")


def tool(user_agent: str) -> str:
    """The tool named by a user agent (see module doc), ``""`` when there is none."""
    known = _KNOWN_TOOLS.search(user_agent)
    if known:
        return known.group(1)
    match = _TOKEN.match(user_agent)
    return match.group(1).rstrip("-.") if match else ""


def signature(event: Mapping[str, Any]) -> str:
    """``principal|tool`` of a compact CloudTrail dict: what learning remembers."""
    return f"{event['principal']}|{tool(str(event.get('user_agent') or ''))}"


@dataclass(frozen=True, slots=True)
class Deployers:
    """The configured deployment pipeline (``[logs.deployers]``)."""

    principals: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    user_agents: tuple[str, ...] = ()
    source_ips: tuple[str, ...] = ()

    @property
    def configured(self) -> bool:
        return bool(self.principals or self.roles or self.user_agents or self.source_ips)

    @classmethod
    def from_table(cls, table: Mapping[str, Any], source: str) -> Deployers:
        """From the ``[logs.deployers]`` table; :class:`UsageError` naming ``source``."""
        unknown = sorted(set(table) - set(_KEYS))
        if unknown:
            raise UsageError(
                f"{source}: unknown key(s) in [logs.deployers]: {', '.join(unknown)} "
                f"(expected {', '.join(_KEYS)})"
            )
        values: dict[str, tuple[str, ...]] = {}
        for key in _KEYS:
            value = table.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise UsageError(f"{source}: [logs.deployers] {key} must be a list of strings")
            values[key] = tuple(value)
        for ip in values["source_ips"]:
            try:
                ipaddress.ip_network(ip, strict=False)
            except ValueError:
                raise UsageError(
                    f"{source}: [logs.deployers] source_ips: '{ip}' is not an IP or CIDR"
                ) from None
        return cls(**values)

    def matches(self, event: Mapping[str, Any]) -> bool:
        """Whether a compact CloudTrail dict was made by the configured pipeline."""
        principal = str(event["principal"])
        if any(fnmatch.fnmatchcase(principal, p) or principal == p for p in self.principals):
            return True
        role = role_of(principal)
        if role and any(fnmatch.fnmatchcase(role, r) for r in self.roles):
            return True
        agent = str(event.get("user_agent") or "").lower()
        if any(a.lower() in agent for a in self.user_agents):
            return True
        return _ip_in(str(event.get("source_ip") or ""), self.source_ips)


def role_of(principal: str) -> str:
    """The role name of an assumed-role session ARN or a role ARN, else ``""``."""
    if ":assumed-role/" in principal:
        return principal.split(":assumed-role/", 1)[1].split("/", 1)[0]
    if ":role/" in principal:
        return principal.rsplit("/", 1)[-1]
    return ""


def _ip_in(ip: str, networks: Iterable[str]) -> bool:
    if not ip or not networks:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n, strict=False) for n in networks)


def by_cloudformation(event: Mapping[str, Any]) -> bool:
    """A change CloudFormation made on a stack's behalf."""
    return _CLOUDFORMATION in (event.get("invoked_by"), event.get("source_ip"))


def learned(changes: Iterable[Mapping[str, Any]], known: Iterable[str] = ()) -> set[str]:
    """Signatures that make the usual share of the infrastructure changes, plus ``known``."""
    counts = Counter(signature(e) for e in changes)
    total = sum(counts.values())
    usual = {s for s, n in counts.items() if n >= _MIN_EVENTS and n >= _SHARE * total}
    return usual | set(known)
