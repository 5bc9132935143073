"""Terraform resources → the one model, shared by the HCL and the plan-JSON front ends.

Both front ends hand over :class:`TfResource` records whose ``values`` are already
evaluated (HCL expressions through :mod:`faasguard.loaders.terraform.hcl`, plan values as they
are); nested blocks are lists of dicts in both. References that are not static are
:class:`Unknown` values whose expression keeps the target address
(``aws_sqs_queue.orders.arn``), which is how functions are linked to roles, triggers to
their sources and alarms to functions. A :class:`~faasguard.loaders.terraform.hcl.LineIndex`
gives the line of any key, so field locations and policy statements point at the line
the user wrote.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from faasguard.loaders.terraform.functions import build_function, build_layer
from faasguard.loaders.terraform.hcl import LineIndex
from faasguard.loaders.terraform.records import Builder, TfResource
from faasguard.loaders.terraform.resources import map_resources
from faasguard.loaders.terraform.roles import build_roles
from faasguard.loaders.terraform.triggers import map_triggers
from faasguard.model import (
    App,
    Diagnostic,
    DiagnosticLevel,
    Function,
    Role,
    Suppression,
)


def build_app(
    *,
    name: str,
    root_file: str,
    resources: list[TfResource],
    lines: LineIndex,
    files: tuple[str, ...],
    diagnostics: list[Diagnostic],
    suppressions: tuple[Suppression, ...] = (),
    parameters: Mapping[str, Any] | None = None,
) -> App:
    """Map Terraform records to an :class:`App` (``format == "terraform"``)."""
    builder = Builder(resources, lines)
    builder.root_dir = root_file if os.path.isdir(root_file) else os.path.dirname(root_file)
    roles = build_roles(builder)
    role_by_address = {role.ref: role for role in roles}
    mapped: set[str] = set()
    map_resources(builder, mapped)
    map_triggers(builder)
    layers = tuple(build_layer(builder, r) for r in builder.typed("aws_lambda_layer_version"))
    functions: list[Function] = []
    extra_roles: dict[str, Role] = {}
    for record in builder.typed("aws_lambda_function"):
        try:
            functions.append(build_function(builder, record, role_by_address, extra_roles))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # A mapping bug must not lose the whole app: report it and go on.
            builder.diagnostics.append(
                Diagnostic(
                    level=DiagnosticLevel.ERROR,
                    message=f"cannot map {record.address}: {exc}",
                    location=record.location,
                    code="terraform-map",
                )
            )
    return App(
        name=name,
        format="terraform",
        root_file=root_file,
        functions=tuple(functions),
        layers=layers,
        roles=(*roles, *extra_roles.values()),
        resources=tuple(builder.resources),
        diagnostics=(*diagnostics, *builder.diagnostics),
        suppressions=suppressions,
        files=files,
        parameters=dict(parameters or {}),
    )
