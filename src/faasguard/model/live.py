"""What an audit of a live account adds to the model: the deployed functions' identity and
code hash, and what the templates and the signed manifest say should be there.

An :class:`~faasguard.model.App` built from a snapshot (``format == "live"``) carries a
:class:`LiveState`; the drift rules read it and do nothing on apps loaded from templates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from faasguard.model.location import Location


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveFunction:
    """A function as deployed: its ARN, code hash (of ``$LATEST`` and of the version each
    alias points at) and the signature on its code."""

    name: str
    arn: str
    code_sha256: str
    package_type: str = "Zip"
    signing_profile_version_arn: str | None = None
    #: The AWS Signer profile behind that signature, as ``GetSigningProfile`` reads it:
    #: ``Active``, ``Canceled`` or ``Revoked`` (``None``: unsigned, or not readable).
    signing_profile_status: str | None = None
    #: For a revoked profile: from when its signatures are invalid (ISO 8601), and by whom.
    signing_revoked_from: str | None = None
    signing_revoked_by: str | None = None
    #: The code hash each alias invokes (alias name → ``CodeSha256`` of its version).
    aliases: Mapping[str, str] = field(default_factory=dict)
    location: Location


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclaredFunction:
    """A function some template or manifest declares: its static name (``None`` when the
    deployment tool generates it from the ref, as CloudFormation does) and where."""

    ref: str
    name: str | None = None
    location: Location


@dataclass(frozen=True, slots=True, kw_only=True)
class PinnedFunction:
    """What a verified, signed manifest pins for a function."""

    ref: str
    name: str
    code_sha256: str | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    manifest: str = ""


def _generated(ref: str) -> re.Pattern[str]:
    """CloudFormation's physical name of a resource without one: ``stack-Ref-SUFFIX``."""
    return re.compile(rf"^.+-{re.escape(ref)}-[A-Za-z0-9]+$")


def deployed_as(name: str, ref: str, declared_name: str | None) -> bool:
    """True when the deployed function ``name`` is the declared function ``ref``."""
    if declared_name is not None and declared_name != ref:
        return name == declared_name
    return name == ref or bool(_generated(ref).match(name))


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveState:
    """The live part of an audited account and region.

    ``inventory`` is true when templates or a manifest were given, so that a function
    nobody declares is a finding; ``pinned`` is empty without a manifest.
    """

    account: str
    region: str
    functions: tuple[LiveFunction, ...] = ()
    declared: tuple[DeclaredFunction, ...] = ()
    pinned: tuple[PinnedFunction, ...] = ()
    inventory: bool = False
    manifest: str = ""

    def function(self, name: str) -> LiveFunction | None:
        """The deployed function named ``name``."""
        return next((fn for fn in self.functions if fn.name == name), None)

    def declaration(self, name: str) -> DeclaredFunction | None:
        """The template or manifest declaration of the deployed function ``name``."""
        return next((d for d in self.declared if deployed_as(name, d.ref, d.name)), None)

    def pin(self, name: str) -> PinnedFunction | None:
        """What the manifest pins for the deployed function ``name``."""
        return next((p for p in self.pinned if deployed_as(name, p.ref, p.name)), None)
