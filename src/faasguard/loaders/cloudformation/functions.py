"""Functions and layers of a template (``AWS::Lambda::Function``, ``AWS::Lambda::LayerVersion``),
with what other resources add to a function: URL, alias concurrency, failure destination.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faasguard.loaders.cloudformation.intrinsics import expression_text
from faasguard.loaders.cloudformation.roles import function_role
from faasguard.loaders.cloudformation.template import Template
from faasguard.loaders.cloudformation.values import (
    as_int,
    as_str,
    as_str_tuple,
    cors_from,
    get,
    mapping,
    tags,
)
from faasguard.model import (
    CodeLocation,
    Function,
    FunctionUrl,
    Layer,
    Location,
    LoggingConfig,
    MaybeStr,
    Role,
    Unknown,
    VpcConfig,
)

#: function model field → CloudFormation property path (for ``field_locations``)
FUNCTION_FIELDS: Mapping[str, str] = {
    "runtime": "Runtime",
    "handler": "Handler",
    "memory": "MemorySize",
    "timeout": "Timeout",
    "architectures": "Architectures",
    "environment": "Environment",
    "kms_key": "KmsKeyArn",
    "role": "Role",
    "layers": "Layers",
    "reserved_concurrency": "ReservedConcurrentExecutions",
    "tracing": "TracingConfig",
    "dead_letter_target": "DeadLetterConfig",
    "vpc": "VpcConfig",
    "code_signing_config": "CodeSigningConfigArn",
    "logging": "LoggingConfig",
    "tags": "Tags",
    "name": "FunctionName",
    "code": "Code",
}


def code_location(t: Template, lid: str, code: Any) -> CodeLocation:
    if isinstance(code, str):
        # `aws cloudformation package` style: a local path in place of the S3 location
        kind = "zip" if code.lower().endswith((".zip", ".jar")) else "directory"
        return CodeLocation(kind=kind, path=code)
    data = mapping(code)
    if "ZipFile" in data:
        return CodeLocation(kind="inline")
    if "ImageUri" in data:
        local = t.code_locations.get(f"image:{lid}")
        return local or CodeLocation(kind="image", uri=as_str(data["ImageUri"]))
    bucket, key = data.get("S3Bucket"), data.get("S3Key")
    if isinstance(bucket, str) and isinstance(key, str):
        uri = f"s3://{bucket}/{key}"
        if uri in t.code_locations:
            return t.code_locations[uri]
        return CodeLocation(kind="s3", uri=uri)
    if bucket is not None or key is not None:
        return CodeLocation(kind="s3", uri=Unknown(expression_text(data)))
    return CodeLocation(kind="unknown")


def build_function(t: Template, lid: str, roles: Mapping[str, Role]) -> Function:
    props = t.props[lid]
    field_locations: dict[str, Location] = {}
    own = t.loc(lid)
    for field_name, prop in FUNCTION_FIELDS.items():
        where = t.field_location(lid, prop)
        # A property the user did not write (added by the SAM transform) maps back to
        # the resource itself: that is the fallback anyway, so it is not recorded.
        if where is not None and where.pointer != own.pointer:
            field_locations[field_name] = where
    environment = mapping(get(props, "Environment", "Variables"))
    raw_variables = mapping(get(t.raw[lid], "Properties", "Environment", "Variables"))
    for name in environment:
        if name in raw_variables:
            field_locations[f"environment.{name}"] = t.loc(
                lid, "Properties", "Environment", "Variables", name
            )
    vpc = props.get("VpcConfig")
    logging = props.get("LoggingConfig")
    url: FunctionUrl | None = None
    provisioned: int | Unknown | None = None
    on_failure: MaybeStr | None = None
    for other, other_props in t.of_type(
        "AWS::Lambda::Url",
        "AWS::Lambda::Alias",
        "AWS::Lambda::Version",
        "AWS::Lambda::EventInvokeConfig",
    ):
        kind = t.types[other]
        if kind == "AWS::Lambda::Url":
            if t.function_ref(other_props.get("TargetFunctionArn")) == lid:
                url = FunctionUrl(
                    auth_type=as_str(other_props.get("AuthType")) or "AWS_IAM",
                    cors=cors_from(other_props.get("Cors")),
                    location=t.loc(other),
                )
                field_locations.setdefault("url", t.loc(other))
        elif kind == "AWS::Lambda::EventInvokeConfig":
            if t.function_ref(other_props.get("FunctionName")) == lid:
                destination = get(other_props, "DestinationConfig", "OnFailure", "Destination")
                if destination is not None:
                    on_failure = t.ref_or_value(destination)
                    field_locations.setdefault(
                        "on_failure_destination",
                        t.loc(other, "Properties", "DestinationConfig", "OnFailure"),
                    )
        elif t.function_aliases.get(other) == lid:
            value = get(
                other_props, "ProvisionedConcurrencyConfig", "ProvisionedConcurrentExecutions"
            )
            if value is not None:
                provisioned = as_int(value)
                field_locations.setdefault(
                    "provisioned_concurrency",
                    t.loc(other, "Properties", "ProvisionedConcurrencyConfig"),
                )
    dead_letter = get(props, "DeadLetterConfig", "TargetArn")
    signing = props.get("CodeSigningConfigArn")
    return Function(
        ref=lid,
        name=as_str(props.get("FunctionName")),
        runtime=as_str(props.get("Runtime")),
        handler=as_str(props.get("Handler")),
        code=code_location(t, lid, props.get("Code")),
        package_type=str(props.get("PackageType") or "Zip"),
        memory=as_int(props.get("MemorySize")),
        timeout=as_int(props.get("Timeout")),
        architectures=as_str_tuple(props.get("Architectures")),
        environment=dict(environment),
        kms_key=t.ref_or_value(props.get("KmsKeyArn")),
        role=function_role(t, props.get("Role"), roles, t.loc(lid, "Properties", "Role")),
        layers=as_str_tuple(props.get("Layers")),
        reserved_concurrency=as_int(props.get("ReservedConcurrentExecutions")),
        provisioned_concurrency=provisioned,
        tracing=as_str(get(props, "TracingConfig", "Mode")),
        dead_letter_target=t.ref_or_value(dead_letter) if dead_letter is not None else None,
        on_failure_destination=on_failure,
        vpc=VpcConfig(
            subnet_ids=as_str_tuple(get(vpc, "SubnetIds")),
            security_group_ids=as_str_tuple(get(vpc, "SecurityGroupIds")),
        )
        if isinstance(vpc, Mapping)
        else None,
        url=url,
        code_signing_config=t.ref_or_value(signing) if signing is not None else None,
        logging=LoggingConfig(
            log_group=t.ref_or_value(logging.get("LogGroup"))
            if logging.get("LogGroup") is not None
            else None,
            log_format=as_str(logging.get("LogFormat")),
            application_log_level=as_str(logging.get("ApplicationLogLevel")),
            system_log_level=as_str(logging.get("SystemLogLevel")),
        )
        if isinstance(logging, Mapping)
        else None,
        tags=tags(props.get("Tags")),
        triggers=tuple(t.triggers.get(lid, ())),
        field_locations=field_locations,
        location=t.loc(lid),
    )


def build_layer(t: Template, lid: str, props: Mapping[str, Any]) -> Layer:
    return Layer(
        ref=lid,
        name=as_str(props.get("LayerName")),
        content=code_location(t, lid, props.get("Content")),
        compatible_runtimes=as_str_tuple(props.get("CompatibleRuntimes")),
        location=t.loc(lid),
    )
