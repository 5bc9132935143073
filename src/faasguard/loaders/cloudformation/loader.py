"""CloudFormation, AWS SAM and CDK output (``cdk.out/*.template.json``) loader.

The file is read safely with :mod:`faasguard.loaders.documents` (short-form tags become long
form, every value keeps its line). A SAM template is expanded with AWS's own transform
(:mod:`.sam`); the model is then built from the CloudFormation template by
:func:`.build.build_parts`, which resolves intrinsics (:mod:`.intrinsics` documents every
placeholder).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from faasguard.config import LoadOptions
from faasguard.errors import LoadError
from faasguard.loaders.cloudformation.build import TemplateParts, build_parts
from faasguard.loaders.cloudformation.sam import expand, is_sam, warm_up_translator
from faasguard.loaders.documents import Document, load_json, load_yaml, pointer_join
from faasguard.loaders.files import MAX_FILE_BYTES, UnreadableFileError, read_regular
from faasguard.model import App, CodeLocation, Diagnostic, DiagnosticLevel, Location

__all__ = [
    "LOADER",
    "CloudFormationLoader",
    "TemplateParts",
    "app_name",
    "build_parts",
    "load",
    "locator",
]

_MAX_BYTES = MAX_FILE_BYTES


def app_name(path: str, fmt: str) -> str:
    """A short, stable app name: ``<directory>/<stem>`` (``orders/template``)."""
    file = Path(path)
    stem = file.name
    for suffix in (".template.json", ".yaml", ".yml", ".json", ".template"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    parent = file.parent
    if fmt == "cdk" and parent.name == "cdk.out":
        parent = parent.parent
    return f"{parent.name}/{stem}" if parent.name else stem


def locator(doc: Document, file: str) -> Callable[[str], Location]:
    """A ``locate`` function for :func:`build_parts` over a document's own line map."""

    def locate(pointer: str) -> Location:
        line, column = doc.line_of(pointer)
        return Location(file=file, line=line, column=column, pointer=pointer)

    return locate


def _read(path: str) -> Document:
    raw = read_regular(path, _MAX_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LoadError("file is not valid UTF-8", path, line) from None
    if path.lower().endswith(".json") or text.lstrip().startswith("{"):
        return load_json(text, path)
    return load_yaml(text, path)


def _resources_problem(data: Mapping[Any, Any]) -> tuple[str, str]:
    """What is wrong with the ``Resources`` of a mapping that is no template, and the
    pointer to show: a misspelled key (``resources``, ``Resource``) is named."""
    if "Resources" in data:
        if data["Resources"] is None:
            return "'Resources' is empty", "/Resources"
        return "'Resources' is not a mapping", "/Resources"
    keys = [k for k in data if isinstance(k, str)]
    close = difflib.get_close_matches("Resources", keys, n=1, cutoff=0.7)
    close = close or [k for k in keys if k.lower() == "resources"]
    if close:
        return (
            f"no 'Resources' section ('{close[0]}' looks like a misspelling of it)",
            pointer_join("", close[0]),
        )
    declared = [k for k in ("AWSTemplateFormatVersion", "Transform") if k in data]
    why = f" although it declares {' and '.join(declared)}" if declared else ""
    return f"no 'Resources' section{why}", ""


def _has_sam_resources(resources: Mapping[str, Any]) -> bool:
    return any(
        isinstance(resource, Mapping)
        and str(resource.get("Type", "")).startswith("AWS::Serverless::")
        for resource in resources.values()
    )


def load(path: str, options: LoadOptions, *, fmt: str = "cloudformation") -> App:
    """Load one CloudFormation/SAM template or CDK output template into an :class:`App`.

    Never raises for bad input: a file that cannot be read yields an App with an error
    diagnostic (file and line); a SAM transform failure still yields the non-SAM resources.
    """
    base_format = "cdk" if fmt == "cdk" else "cloudformation"
    name = app_name(path, base_format)
    try:
        doc = _read(path)
    except LoadError as exc:
        return App(
            name=name,
            format=base_format,
            root_file=path,
            diagnostics=(
                Diagnostic(
                    level=DiagnosticLevel.ERROR,
                    message=exc.message,
                    location=Location(file=path, line=exc.line, column=exc.column),
                    code="load",
                ),
            ),
            # Not listed when it could not be read (a FIFO, over the size cap): nothing
            # downstream (comment suppressions, the cache) may read it again.
            files=() if isinstance(exc, UnreadableFileError) else (path,),
        )
    diagnostics = doc.warning_diagnostics(path)
    data = doc.data
    if not isinstance(data, Mapping) or not isinstance(data.get("Resources"), Mapping):
        what = "the top level is not a mapping"
        pointer = ""
        if isinstance(data, Mapping):
            what, pointer = _resources_problem(data)
        line, column = doc.line_of(pointer)
        diagnostics.append(
            Diagnostic(
                level=DiagnosticLevel.ERROR,
                message=f"not a CloudFormation template: {what}",
                location=Location(file=path, line=line, column=column),
                code="load",
            )
        )
        return App(
            name=name,
            format=base_format,
            root_file=path,
            diagnostics=tuple(diagnostics),
            files=(path,),
        )
    files = [path]
    template: Mapping[str, Any] = data
    locate = locator(doc, path)
    code_locations: dict[str, CodeLocation] = {}
    metadata: dict[str, Any] | None = None
    app_format = base_format
    sam = is_sam(data)
    if not sam and _has_sam_resources(data["Resources"]):
        line, column = doc.line_of("")
        diagnostics.append(
            Diagnostic(
                level=DiagnosticLevel.WARNING,
                message="template uses AWS::Serverless resources but does not declare "
                "'Transform: AWS::Serverless-2016-10-31'; CloudFormation will reject it. "
                "Expanded as SAM anyway.",
                location=Location(file=path, line=line, column=column),
                code="sam-transform",
            )
        )
        sam = True
    if sam:
        app_format = "sam"
        expansion = expand(doc, path, options.parameters)
        diagnostics.extend(expansion.diagnostics)
        files.extend(expansion.files)
        template = expansion.template or {}
        locate = expansion.locate
        code_locations = expansion.code_locations
        metadata = expansion.metadata
    parts = build_parts(
        template,
        file=path,
        locate=locate,
        parameters=options.parameters,
        code_locations=code_locations,
        metadata=metadata,
    )
    diagnostics.extend(parts.diagnostics)
    return App(
        name=name,
        format=app_format,
        root_file=path,
        functions=tuple(parts.functions),
        layers=tuple(parts.layers),
        roles=tuple(parts.roles),
        resources=tuple(parts.resources),
        diagnostics=tuple(diagnostics),
        suppressions=tuple(parts.suppressions),
        files=tuple(files),
        # For SAM the transformed template keeps the user's Parameters section.
        parameters=parts.parameters,
        defaults_location=_globals_location(doc, path) if sam else None,
    )


def _globals_location(doc: Document, file: str) -> Location | None:
    """Where SAM's ``Globals.Function`` section is, if the template has one."""
    found = doc.lines.get("/Globals/Function")
    if found is None:
        return None
    return Location(file=file, line=found[0], column=found[1], pointer="/Globals/Function")


class CloudFormationLoader:
    """The :class:`~faasguard.loaders.base.Loader` of CloudFormation, SAM and CDK output."""

    formats = frozenset({"cloudformation", "cdk"})

    def load(self, path: str, options: LoadOptions, *, fmt: str) -> App:
        """See :func:`load`."""
        return load(path, options, fmt=fmt)

    def warm_up(self) -> None:
        """Build the SAM translator's shared parts now (see :func:`faasguard.loaders.prepare`)."""
        warm_up_translator()


LOADER = CloudFormationLoader()
