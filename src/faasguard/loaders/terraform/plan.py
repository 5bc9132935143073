"""``terraform show -json`` plan and state files → Terraform records → the model.

Values come from ``planned_values.root_module`` (plan) or ``values.root_module`` (state),
including ``child_modules``. Attributes only known after apply are absent from a plan, so
the references written in ``configuration`` (``"references": ["aws_iam_role.exec.arn",
...]``) are used as linkable placeholders for them, the same placeholders the HCL front
end produces. Lines come from the JSON pointer map of :func:`faasguard.loaders.documents.load_json`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from faasguard.config import LoadOptions
from faasguard.errors import LoadError
from faasguard.loaders.documents import Document, load_json, pointer_join
from faasguard.loaders.terraform.build import build_app
from faasguard.loaders.terraform.hcl import LineIndex
from faasguard.loaders.terraform.records import TfResource
from faasguard.model import App, Diagnostic, DiagnosticLevel, Location, Unknown

MAX_PLAN_BYTES = 100 * 1024 * 1024


def load_plan(path: str, options: LoadOptions) -> App:
    """Load a plan or state JSON file; never raises for bad input."""
    name = Path(os.path.abspath(path)).parent.name or Path(path).stem
    diagnostics: list[Diagnostic] = []
    lines = LineIndex()
    records: list[TfResource] = []
    try:
        if os.path.getsize(path) > MAX_PLAN_BYTES:
            raise LoadError("plan file too large", path)
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
        document = load_json(text, path)
    except LoadError as exc:
        diagnostics.append(
            Diagnostic(
                level=DiagnosticLevel.ERROR,
                message=exc.message,
                location=Location(file=path, line=exc.line, column=exc.column),
                code="terraform-plan",
            )
        )
        document = None
    except OSError as exc:
        diagnostics.append(
            Diagnostic(
                level=DiagnosticLevel.ERROR,
                message=f"cannot read file: {exc.strerror}",
                location=Location(file=path),
                code="terraform-plan",
            )
        )
        document = None
    if document is not None and isinstance(document.data, dict):
        data = document.data
        for key in ("planned_values", "values"):
            section = data.get(key)
            if isinstance(section, dict) and isinstance(section.get("root_module"), dict):
                config = data.get("configuration")
                root_config = config.get("root_module") if isinstance(config, dict) else None
                _walk_module(
                    document,
                    section["root_module"],
                    f"/{key}/root_module",
                    root_config if isinstance(root_config, dict) else {},
                    "",
                    os.path.dirname(path) or ".",
                    lines,
                    records,
                )
                break
        else:
            diagnostics.append(
                Diagnostic(
                    level=DiagnosticLevel.WARNING,
                    message="no planned_values or values in this Terraform JSON",
                    location=Location(file=path, line=1),
                    code="terraform-plan",
                )
            )
    return build_app(
        name=name,
        root_file=path,
        resources=records,
        lines=lines,
        files=(path,),
        diagnostics=diagnostics,
        parameters=dict(options.variables),
    )


def _walk_module(
    document: Document,
    module: dict[str, Any],
    pointer: str,
    config: dict[str, Any],
    prefix: str,
    directory: str,
    lines: LineIndex,
    records: list[TfResource],
) -> None:
    config_resources = {
        _local_address(r): r for r in config.get("resources", []) if isinstance(r, dict)
    }
    for index, resource in enumerate(module.get("resources") or []):
        if not isinstance(resource, dict):
            continue
        resource_pointer = pointer_join(pointer_join(pointer, "resources"), index)
        values = resource.get("values")
        values = dict(values) if isinstance(values, dict) else {}
        kind = "data" if resource.get("mode") == "data" else "managed"
        local = f"{'data.' if kind == 'data' else ''}{resource.get('type')}.{resource.get('name')}"
        expressions = config_resources.get(local, {}).get("expressions")
        if isinstance(expressions, dict):
            _overlay_references(values, expressions, prefix)
        values_pointer = pointer_join(resource_pointer, "values")
        _record_lines(document, values, values_pointer, lines, 0)
        line, column = document.line_of(resource_pointer)
        address = str(resource.get("address") or f"{prefix}{local}")
        records.append(
            TfResource(
                address=address,
                type=str(resource.get("type")),
                name=str(resource.get("name")),
                mode=kind,
                values=values,
                location=Location(file=document.file, line=line, column=column, pointer=address),
                module_dir=directory,
                notes={"index": resource["index"]} if "index" in resource else {},
            )
        )
    module_calls = config.get("module_calls") if isinstance(config, dict) else None
    for index, child in enumerate(module.get("child_modules") or []):
        if not isinstance(child, dict):
            continue
        child_address = str(child.get("address") or "")
        call_name = child_address.rsplit("module.", 1)[-1].split("[", 1)[0]
        call = module_calls.get(call_name) if isinstance(module_calls, dict) else None
        child_config = call.get("module") if isinstance(call, dict) else None
        _walk_module(
            document,
            child,
            pointer_join(pointer_join(pointer, "child_modules"), index),
            child_config if isinstance(child_config, dict) else {},
            f"{child_address}.",
            directory,
            lines,
            records,
        )


def _local_address(resource: dict[str, Any]) -> str:
    data = "data." if resource.get("mode") == "data" else ""
    return f"{data}{resource.get('type')}.{resource.get('name')}"


def _overlay_references(values: dict[str, Any], expressions: dict[str, Any], prefix: str) -> None:
    # Attributes known only after apply are missing (or null) in a plan: the configuration's
    # references make them linkable placeholders, as the HCL front end does.
    for key, expression in expressions.items():
        current = values.get(key)
        if isinstance(expression, dict) and "references" in expression:
            references = expression.get("references") or []
            if references and (current is None or current == ""):
                values[key] = Unknown(
                    expression=f"{prefix}{references[0]}", reason="known after apply"
                )
        elif isinstance(expression, list) and isinstance(current, list):
            for block_values, block_expr in zip(current, expression, strict=False):
                if isinstance(block_values, dict) and isinstance(block_expr, dict):
                    _overlay_references(block_values, block_expr, prefix)


def _record_lines(
    document: Document, value: Any, pointer: str, lines: LineIndex, depth: int
) -> None:
    if depth > 32:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            child = pointer_join(pointer, key)
            found = document.lines.get(child)
            if found is not None:
                lines.record(value, key, document.file, found[0])
            _record_lines(document, item, child, lines, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            child = pointer_join(pointer, index)
            found = document.lines.get(child)
            if found is not None:
                lines.record(value, index, document.file, found[0])
            _record_lines(document, item, child, lines, depth + 1)
