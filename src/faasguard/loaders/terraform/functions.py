"""Terraform functions and layers (``aws_lambda_function``, ``aws_lambda_layer_version``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from faasguard.loaders.terraform.records import (
    ROLE_TYPES,
    Builder,
    TfResource,
    as_int,
    as_str,
    as_strs,
    first_block,
)
from faasguard.model import (
    CodeLocation,
    Function,
    Layer,
    Location,
    LoggingConfig,
    Role,
    Unknown,
    VpcConfig,
)

_FIELD_ATTRIBUTES = {
    "runtime": ("runtime",),
    "handler": ("handler",),
    "memory": ("memory_size",),
    "timeout": ("timeout",),
    "architectures": ("architectures",),
    "environment": ("environment",),
    "kms_key": ("kms_key_arn",),
    "role": ("role",),
    "layers": ("layers",),
    "reserved_concurrency": ("reserved_concurrent_executions",),
    "tracing": ("tracing_config",),
    "dead_letter_target": ("dead_letter_config",),
    "vpc": ("vpc_config",),
    "code_signing_config": ("code_signing_config_arn",),
    "logging": ("logging_config",),
    "tags": ("tags",),
}


def build_function(
    b: Builder, record: TfResource, roles: Mapping[str, Role], extra_roles: dict[str, Role]
) -> Function:
    values = record.values
    extra = b.function_fields.get(record.address, {})
    field_locations: dict[str, Location] = {}
    for field_name, path in _FIELD_ATTRIBUTES.items():
        if path[0] in values:
            field_locations[field_name] = b.loc(record, *path)
    environment: dict[str, Any] = {}
    env_block = first_block(values, "environment")
    variables = env_block.get("variables") if env_block is not None else None
    if isinstance(variables, dict):
        environment = dict(variables)
        for key in variables:
            field_locations[f"environment.{key}"] = b.where(
                variables, key, field_locations.get("environment", record.location)
            )
    elif isinstance(variables, Unknown):
        environment = {"*": variables}
    for key in ("provisioned_concurrency", "on_failure_destination", "url"):
        if f"{key}_location" in extra:
            field_locations[key] = extra[f"{key}_location"]
    reserved = as_int(values.get("reserved_concurrent_executions"))
    if reserved == -1:
        reserved = None  # -1 is the provider's "no reservation" default
    tracing = first_block(values, "tracing_config")
    dead_letter = first_block(values, "dead_letter_config")
    vpc = first_block(values, "vpc_config")
    logging = first_block(values, "logging_config")
    tags = values.get("tags")
    architectures = values.get("architectures")
    package_type = values.get("package_type")
    return Function(
        ref=record.address,
        name=as_str(values.get("function_name")),
        runtime=as_str(values.get("runtime")),
        handler=as_str(values.get("handler")),
        code=_code(b, record),
        package_type=package_type if isinstance(package_type, str) else "Zip",
        memory=as_int(values.get("memory_size")),
        timeout=as_int(values.get("timeout")),
        architectures=as_strs(architectures) if architectures is not None else (),
        environment=environment,
        kms_key=as_str(values.get("kms_key_arn")),
        role=_function_role(b, values.get("role"), roles, extra_roles, record),
        layers=as_strs(values.get("layers")),
        reserved_concurrency=reserved,
        provisioned_concurrency=extra.get("provisioned_concurrency"),
        tracing=as_str(tracing.get("mode")) if tracing else None,
        dead_letter_target=as_str(dead_letter.get("target_arn")) if dead_letter else None,
        on_failure_destination=extra.get("on_failure_destination"),
        vpc=VpcConfig(
            subnet_ids=as_strs(vpc.get("subnet_ids")),
            security_group_ids=as_strs(vpc.get("security_group_ids")),
        )
        if vpc
        else None,
        url=extra.get("url"),
        code_signing_config=as_str(values.get("code_signing_config_arn")),
        logging=LoggingConfig(
            log_group=as_str(logging.get("log_group")),
            log_format=as_str(logging.get("log_format")),
            application_log_level=as_str(logging.get("application_log_level")),
            system_log_level=as_str(logging.get("system_log_level")),
        )
        if logging
        else None,
        tags=dict(tags) if isinstance(tags, dict) else {},
        triggers=tuple(b.triggers.get(record.address, [])),
        field_locations=field_locations,
        location=record.location,
    )


def _function_role(
    b: Builder,
    value: Any,
    roles: Mapping[str, Role],
    extra_roles: dict[str, Role],
    record: TfResource,
) -> Role | None:
    if value is None:
        return None
    address = b.link(value, ROLE_TYPES)
    if address is not None and address in roles:
        return roles[address]
    if isinstance(value, str):
        # ``arn:aws:iam::123:role/path/name`` of a role declared in this module by name.
        role_name = value.rsplit("/", 1)[-1]
        for role in roles.values():
            if role.name == role_name or role.arn == value:
                return role
    ref = value if isinstance(value, str) else getattr(value, "expression", "")
    if not ref:
        return None
    if ref not in extra_roles:
        extra_roles[ref] = Role(
            ref=ref,
            arn=value if isinstance(value, str | Unknown) else None,
            external=True,
            location=b.loc(record, "role"),
        )
    return extra_roles[ref]


def _join_path(module_dir: str, value: Any, root_dir: str = "") -> str | None:
    """``value`` as Terraform resolves it: relative to the working directory (the root module).

    Modules usually write ``${path.module}/...`` (already absolute here); a bare relative path
    in a child module is resolved against the root, as Terraform does, unless only the
    module-relative path exists.
    """
    if not isinstance(value, str) or not value:
        return None
    if os.path.isabs(value):
        return os.path.normpath(value)
    in_module = os.path.normpath(os.path.join(module_dir, value))
    if root_dir and os.path.normpath(root_dir) != os.path.normpath(module_dir):
        in_root = os.path.normpath(os.path.join(root_dir, value))
        if os.path.exists(in_root) or not os.path.exists(in_module):
            return in_root
    return in_module


def _code(b: Builder, record: TfResource) -> CodeLocation:
    values = record.values
    image = values.get("image_uri")
    if image is not None:
        return CodeLocation(kind="image", uri=as_str(image))
    filename = values.get("filename")
    if filename is not None:
        archive = b.record(b.link(filename, ("archive_file",)))
        if archive is None and isinstance(filename, str):
            # ``output_path`` is an argument, so the reference was resolved to its value.
            archive = next(
                (
                    r
                    for r in b.records
                    if r.type == "archive_file" and r.values.get("output_path") == filename
                ),
                None,
            )
        if archive is None:
            for address in b.addresses(filename):
                found = b.record(address)
                if found is not None and found.type == "archive_file":
                    archive = found
                    break
        if archive is not None:
            source_dir = archive.values.get("source_dir")
            if isinstance(source_dir, str):
                return CodeLocation(
                    kind="directory",
                    path=_join_path(archive.module_dir, source_dir, b.root_dir),
                    uri=as_str(filename),
                )
            source_file = archive.values.get("source_file")
            if isinstance(source_file, str):
                return CodeLocation(
                    kind="directory",
                    path=os.path.dirname(
                        _join_path(archive.module_dir, source_file, b.root_dir) or ""
                    ),
                    uri=source_file,
                )
        path = _join_path(record.module_dir, filename, b.root_dir)
        if path is not None:
            return CodeLocation(kind="zip", path=path)
        return CodeLocation(kind="unknown", uri=as_str(filename))
    bucket = values.get("s3_bucket")
    if bucket is not None:
        key = values.get("s3_key")
        if isinstance(bucket, str) and isinstance(key, str):
            return CodeLocation(kind="s3", uri=f"s3://{bucket}/{key}")
        return CodeLocation(
            kind="s3", uri=Unknown(expression=f"s3://{bucket}/{key}", reason="not static")
        )
    return CodeLocation(kind="unknown")


def build_layer(b: Builder, record: TfResource) -> Layer:
    values = record.values
    content = CodeLocation(kind="unknown")
    if values.get("filename") is not None:
        path = _join_path(record.module_dir, values.get("filename"), b.root_dir)
        content = (
            CodeLocation(kind="zip", path=path)
            if path
            else CodeLocation(kind="unknown", uri=as_str(values.get("filename")))
        )
    elif values.get("s3_bucket") is not None:
        content = CodeLocation(
            kind="s3",
            uri=as_str(f"s3://{values.get('s3_bucket')}/{values.get('s3_key')}"),
        )
    return Layer(
        ref=record.address,
        name=as_str(values.get("layer_name")),
        content=content,
        compatible_runtimes=as_strs(values.get("compatible_runtimes")),
        location=record.location,
    )
