"""Build the model from a (plain CloudFormation) template: functions, roles, triggers, resources.

:func:`build_parts` is shared: the CloudFormation/SAM/CDK loader calls it on the template
(after the SAM transform when there is one) and the Serverless Framework loader calls it on
its ``resources`` section. It resolves intrinsics itself (:mod:`.intrinsics`); how
resources link (by logical id, ``external`` resources included) is described in
:mod:`.template`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from faasguard.loaders.cloudformation.functions import build_function, build_layer
from faasguard.loaders.cloudformation.intrinsics import ExternalResource
from faasguard.loaders.cloudformation.resources import build_resources
from faasguard.loaders.cloudformation.roles import build_roles
from faasguard.loaders.cloudformation.template import Template
from faasguard.loaders.cloudformation.triggers import build_triggers
from faasguard.loaders.cloudformation.values import get, items
from faasguard.model import (
    CodeLocation,
    Diagnostic,
    DiagnosticLevel,
    Function,
    Layer,
    Location,
    Resource,
    Role,
    Suppression,
    Trigger,
)


@dataclass
class TemplateParts:
    """What :func:`build_parts` found in one template."""

    functions: list[Function]
    layers: list[Layer]
    roles: list[Role]
    resources: list[Resource]
    diagnostics: list[Diagnostic]
    suppressions: list[Suppression]
    #: triggers whose target function is not in ``functions`` (key = function logical id or
    #: name as referenced, e.g. ``HelloLambdaFunction`` for a Serverless function)
    extra_triggers: dict[str, list[Trigger]] = field(default_factory=dict)
    #: the template's parameters as resolved (override, else default, else Unknown)
    parameters: dict[str, Any] = field(default_factory=dict)


def build_parts(
    template: Mapping[str, Any],
    *,
    file: str,
    locate: Callable[[str], Location],
    parameters: Mapping[str, Any] | None = None,
    code_locations: Mapping[str, CodeLocation] | None = None,
    metadata: Mapping[str, Any] | None = None,
    external: Mapping[str, ExternalResource] | None = None,
) -> TemplateParts:
    """Build functions, layers, roles, resources and triggers from a CloudFormation template.

    ``template`` is unresolved (intrinsics are resolved here with ``parameters`` as
    overrides); ``locate`` maps a JSON pointer into it to the user's line.
    ``code_locations`` maps placeholder S3 URIs (``s3://bucket/key``) substituted for local
    paths back to the real code location; ``metadata`` overrides each resource's
    ``Metadata`` by logical id (for SAM, whose transform drops it). ``external`` declares
    resources created outside the template that it may reference (see
    :class:`ExternalResource`); a reference to an external function links to its
    ``model_ref`` (triggers, permissions, alarms). Never raises for bad input: problems
    become diagnostics.
    """
    state = Template(
        template, file, locate, parameters, code_locations or {}, metadata, external or {}
    )
    return build(state)


def build(t: Template) -> TemplateParts:
    roles = build_roles(t)
    resources = build_resources(t)
    build_triggers(t, resources)
    functions = [build_function(t, lid, roles) for lid in t.function_ids]
    layers = [build_layer(t, lid, props) for lid, props in t.of_type("AWS::Lambda::LayerVersion")]
    for lid in t.raw:
        read_suppressions(t, lid)
    by_target: dict[str, dict[str, str]] = {}
    for suppression in t.suppressions:
        if suppression.target is not None:
            by_target.setdefault(suppression.target, {})[suppression.rule_id] = suppression.reason
    functions = [
        replace(function, suppressions=by_target[function.ref])
        if function.ref in by_target
        else function
        for function in functions
    ]
    extra = {key: value for key, value in t.triggers.items() if key not in t.types}
    return TemplateParts(
        functions=functions,
        layers=layers,
        roles=list(roles.values()),
        resources=resources,
        diagnostics=t.diagnostics,
        suppressions=t.suppressions,
        extra_triggers=extra,
        parameters=dict(t.resolver.parameter_values),
    )


def read_suppressions(t: Template, lid: str) -> None:
    ignore = get(t.resource_metadata(lid), "faasguard", "ignore")
    for index, entry in enumerate(items(ignore)):
        location = t.loc(lid, "Metadata", "faasguard", "ignore", index)
        rule_id: Any = None
        reason: Any = None
        if isinstance(entry, Mapping):
            rule_id, reason = entry.get("id"), entry.get("reason")
        elif isinstance(entry, str):
            rule_id, _, reason = entry.strip().partition(" ")
        if not isinstance(rule_id, str) or not rule_id.strip():
            t.diagnostics.append(
                Diagnostic(
                    level=DiagnosticLevel.WARNING,
                    message=f"suppression on {lid} without a rule id; ignored",
                    location=location,
                    code="suppression",
                )
            )
            continue
        if not isinstance(reason, str) or not reason.strip():
            t.diagnostics.append(
                Diagnostic(
                    level=DiagnosticLevel.WARNING,
                    message=f"suppression of {rule_id} on {lid} has no reason; not accepted",
                    location=location,
                    code="suppression",
                )
            )
            continue
        t.suppressions.append(
            Suppression(
                rule_id=rule_id.strip(), reason=reason.strip(), target=lid, location=location
            )
        )
