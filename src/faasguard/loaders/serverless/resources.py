"""``resources`` of a Serverless service: CloudFormation built with the CloudFormation
builder, the resources the framework generates (as ``resources`` may reference them), and
the properties the user adds to generated resources (``extensions`` or a ``Resources`` entry
without ``Type``)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from faasguard.loaders.cloudformation.build import build_parts
from faasguard.loaders.cloudformation.intrinsics import ACCOUNT_ID, ExternalResource
from faasguard.loaders.documents import pointer_join
from faasguard.loaders.serverless.common import (
    Context,
    as_str,
    function_entries,
    joined,
    mapping,
    normalized_function_name,
)
from faasguard.loaders.serverless.events import (
    HTTP_API,
    HTTP_STAGE,
    REST_API,
    REST_STAGE,
    WEBSOCKET_API,
    WEBSOCKET_STAGE,
)
from faasguard.loaders.serverless.iam import DEFAULT_ROLE
from faasguard.model import (
    Function,
    Layer,
    Location,
    Resource,
    Role,
    Suppression,
    Trigger,
    Unknown,
    WebAclAssociation,
)
from faasguard.model.iam import MaybeStr


@dataclass(slots=True)
class Override:
    """Properties the user adds to a generated resource, with the pointer of each."""

    properties: dict[str, Any] = field(default_factory=dict)
    pointers: dict[str, str] = field(default_factory=dict)
    #: per property: deep-merged (a ``Resources`` entry) or replacing (an extension)
    deep: dict[str, bool] = field(default_factory=dict)


@dataclass(slots=True)
class ServiceResources:
    """What the service deploys besides its ``functions:``, filled in as it is built."""

    ctx: Context
    functions: list[Function] = field(default_factory=list)
    layers: list[Layer] = field(default_factory=list)
    roles: dict[str, Role] = field(default_factory=dict)
    resources: list[Resource] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    extra_triggers: dict[str, list[Trigger]] = field(default_factory=dict)
    cfn_roles: dict[str, Role] = field(default_factory=dict)
    #: framework resources the user extends in ``resources`` (``extensions``, or an entry
    #: without ``Type``): logical id → the properties added
    overrides: dict[str, Override] = field(default_factory=dict)

    def load(self) -> None:
        """Merge ``resources.Resources`` and build it with the CloudFormation builder."""
        raw = self.ctx.config.get("resources")
        sections: list[tuple[Any, str]] = []
        if isinstance(raw, dict):
            sections.append((raw, "/resources"))
        elif isinstance(raw, list):
            sections += [(item, pointer_join("/resources", i)) for i, item in enumerate(raw)]
        elif raw is not None and not isinstance(raw, Unknown):
            self.ctx.warn("resources must be a mapping or a list of mappings", "/resources")
        merged: dict[str, Any] = {}
        pointers: dict[str, str] = {}
        for section, pointer in sections:
            self._read_extensions(section, pointer)
            resources = mapping(section).get("Resources")
            if resources is None:
                continue
            if not isinstance(resources, dict):
                self.ctx.warn("resources.Resources must be a mapping", pointer + "/Resources")
                continue
            for logical_id, body in resources.items():
                body_pointer = pointer_join(pointer + "/Resources", logical_id)
                if isinstance(body, dict) and "Type" not in body:
                    # Extends a resource the framework generates (e.g. a log group); the
                    # framework deep-merges such an entry into the generated one.
                    self._add_override(str(logical_id), body, body_pointer, deep=True)
                    continue
                merged[str(logical_id)] = body
                pointers[str(logical_id)] = body_pointer
        self.ctx.raw_resources = merged
        self.ctx.external = self._generated_resources()
        if not merged:
            return

        def locate(pointer: str) -> Location:
            parts = pointer.split("/", 3)
            if len(parts) >= 3 and parts[1] == "Resources":
                logical = parts[2].replace("~1", "/").replace("~0", "~")
                base = pointers.get(logical)
                if base is not None:
                    rest = "/" + parts[3] if len(parts) > 3 else ""
                    return self.ctx.locate(base + rest)
            return self.ctx.locate("/resources")

        parts = build_parts(
            {"Resources": merged},
            file=self.ctx.file,
            locate=locate,
            external=self.ctx.external,
        )
        self.functions.extend(parts.functions)
        self.layers.extend(parts.layers)
        for role in parts.roles:
            self.cfn_roles[role.ref] = role
            self.roles[role.ref] = role
        self.resources.extend(parts.resources)
        self.ctx.diagnostics.extend(parts.diagnostics)
        self.suppressions.extend(parts.suppressions)
        self.extra_triggers = {k: list(v) for k, v in parts.extra_triggers.items()}
        self.ctx.cfn_resources = {resource.ref: resource for resource in parts.resources}

    def _read_extensions(self, section: Any, pointer: str) -> None:
        """``resources.extensions.<LogicalId>``: properties added to a generated resource."""
        extensions = mapping(section).get("extensions")
        if extensions is None:
            return
        if not isinstance(extensions, dict):
            self.ctx.warn("resources.extensions must be a mapping", pointer + "/extensions")
            return
        for logical_id, body in extensions.items():
            if isinstance(body, dict):
                # The framework merges an extension's Properties shallowly (a key replaces
                # the generated value as a whole).
                body_pointer = pointer_join(pointer + "/extensions", logical_id)
                self._add_override(str(logical_id), body, body_pointer, deep=False)

    def _add_override(
        self, logical_id: str, body: dict[str, Any], pointer: str, *, deep: bool
    ) -> None:
        properties = body.get("Properties")
        if not isinstance(properties, dict):
            return
        override = self.overrides.setdefault(logical_id, Override())
        for name, value in properties.items():
            override.properties[str(name)] = value
            override.pointers[str(name)] = pointer_join(pointer + "/Properties", name)
            override.deep[str(name)] = deep

    def _generated_resources(self) -> dict[str, ExternalResource]:
        """The resources the framework generates, as ``resources`` may reference them.

        ``Ref`` of a function gives its deployed name and ``GetAtt Arn`` its ARN (what
        CloudFormation gives), both linking back to the function key; a log group's ``Ref``
        gives its name. Other generated resources resolve to their logical id, which is also
        their ref in the model.
        """
        ctx = self.ctx
        region = ctx.region if isinstance(ctx.region, str) else "us-east-1"
        generated: dict[str, ExternalResource] = {
            DEFAULT_ROLE: ExternalResource(type="AWS::IAM::Role"),
            REST_API: ExternalResource(type="AWS::ApiGateway::RestApi"),
            REST_STAGE: ExternalResource(type="AWS::ApiGateway::Stage"),
            HTTP_API: ExternalResource(type="AWS::ApiGatewayV2::Api"),
            HTTP_STAGE: ExternalResource(type="AWS::ApiGatewayV2::Stage"),
            WEBSOCKET_API: ExternalResource(type="AWS::ApiGatewayV2::Api"),
            WEBSOCKET_STAGE: ExternalResource(type="AWS::ApiGatewayV2::Stage"),
            "ServerlessDeploymentBucket": ExternalResource(type="AWS::S3::Bucket"),
        }
        for key, raw, _ in function_entries(self.ctx):
            if not isinstance(raw, dict):
                continue
            deployed = raw.get("name")
            name = as_str(deployed) if deployed is not None else joined(ctx.service, ctx.stage, key)
            static = name if isinstance(name, str) else None
            normalized = normalized_function_name(key)
            generated[normalized + "LambdaFunction"] = ExternalResource(
                type="AWS::Lambda::Function",
                ref=static,
                attributes={"Arn": f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{static}"}
                if static is not None
                else {},
                model_ref=key,
            )
            group = f"/aws/lambda/{static}" if static is not None else None
            generated[normalized + "LogGroup"] = ExternalResource(
                type="AWS::Logs::LogGroup",
                ref=group,
                attributes={"Arn": f"arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:{group}:*"}
                if group is not None
                else {},
            )
            if raw.get("iamRoleStatements") is not None:
                generated[normalized + "IamRoleLambdaExecution"] = ExternalResource(
                    type="AWS::IAM::Role"
                )
        return generated

    def waf_name(self) -> MaybeStr | None:
        """The WAF web ACL associated with the REST API stage, if any."""
        associate = mapping(self.ctx.custom.get("associateWaf"))
        name = as_str(associate.get("name"))
        if name is not None:
            self.resources.append(
                WebAclAssociation(
                    ref="AssociateWafRestApiStage",
                    type="Custom::serverless-associate-waf",
                    web_acl=name,
                    target=REST_STAGE,
                    location=self.ctx.locate("/custom/associateWaf"),
                )
            )
            return name
        # A WAFv2 association in resources that targets the framework's REST API stage.
        for resource in list(self.resources):
            if isinstance(resource, WebAclAssociation):
                raw = json.dumps(resource.properties, default=str)
                if REST_API in raw:
                    index = self.resources.index(resource)
                    self.resources[index] = dataclasses.replace(resource, target=REST_STAGE)
                    return resource.web_acl
        return None
