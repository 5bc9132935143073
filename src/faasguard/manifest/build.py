"""``faasguard manifest build``: what an approved deployment of an app consists of.

For every function and layer: the deployment artifact (an existing zip, a SAM or
Serverless build output, or a reproducible zip of its code directory), its SHA-256 and
Lambda ``CodeSha256``, the hash of every file in it, and the configuration that matters
(:mod:`faasguard.manifest.config`); for the app: the digest of its CycloneDX SBOM, the
builder's identity and the build time. The manifest is the predicate of the in-toto
statement that ``faasguard manifest sign`` signs (:mod:`faasguard.manifest.signing`).
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faasguard import __version__
from faasguard.errors import LoadError
from faasguard.manifest.config import function_config
from faasguard.manifest.zips import digest_bytes, member_hashes, reproducible_zip, zip_problems
from faasguard.model import App, CodeLocation, Diagnostic, DiagnosticLevel, Function, Location

SCHEMA = "faasguard.dev/deployment-manifest/v1"
PREDICATE_TYPE = "https://faasguard.dev/deployment-manifest/v1"
MANIFEST_CODE = "manifest"


@dataclass(slots=True)
class Built:
    """A manifest being built: the document, the artifacts' bytes by file name (to write
    with ``--artifacts-dir``) and what could not be pinned."""

    document: dict[str, Any]
    artifacts: dict[str, bytes] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def builder_identity() -> str:
    """Who builds: ``FAASGUARD_BUILDER``, else the CI's own identity, else user@host."""
    for variable in ("FAASGUARD_BUILDER", "GITHUB_WORKFLOW_REF", "CI_JOB_URL", "BUILD_URL"):
        value = os.environ.get(variable)
        if value:
            return value
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{platform.node() or 'localhost'}"


def build_time() -> str:
    """The build time in UTC (``SOURCE_DATE_EPOCH`` when set, for reproducible manifests)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (
        dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        if epoch and epoch.isdigit()
        else dt.datetime.now(dt.UTC).replace(microsecond=0)
    )
    return moment.isoformat().replace("+00:00", "Z")


def _build_outputs(app: App, fn: Function) -> list[Path]:
    """Where SAM (``.aws-sam/build/<Ref>/``) and the Serverless Framework
    (``.serverless/<function>.zip`` or ``<service>.zip``) put the built package."""
    root = Path(app.root_file).parent
    if app.format in ("sam", "cloudformation"):
        return [root / ".aws-sam" / "build" / fn.ref]
    if app.format == "serverless":
        service = app.name.split("/")[0]
        return [root / ".serverless" / f"{fn.ref}.zip", root / ".serverless" / f"{service}.zip"]
    return []


def artifact_bytes(app: App, fn: Function | None, code: CodeLocation) -> tuple[bytes, str]:
    """The deployment package's bytes and where they came from; :class:`LoadError` when
    there is no local package (an image, an S3 object, an unknown path)."""
    candidates: list[Path] = _build_outputs(app, fn) if fn is not None else []
    if code.kind == "zip" and code.path:
        candidates.insert(0, Path(code.path))
    if code.kind == "directory" and code.path:
        uri = code.uri if isinstance(code.uri, str) and code.uri.endswith(".zip") else None
        candidates.append(Path(uri) if uri else Path(code.path))
    for candidate in candidates:
        if candidate.is_file() and candidate.suffix == ".zip":
            return candidate.read_bytes(), str(candidate)
        if candidate.is_dir():
            return reproducible_zip(candidate), f"{candidate} (reproducible zip)"
    expected = ", ".join(str(c) for c in candidates) or code.kind
    raise LoadError(
        f"no local deployment package (looked for {expected}; build it first)", app.root_file
    )


def _artifact_entry(data: bytes, source: str, file_name: str) -> dict[str, Any]:
    digest = digest_bytes(data)
    return {
        "file": file_name,
        "source": source,
        "sha256": digest.sha256,
        "codeSha256": digest.code_sha256,
        "size": digest.size,
        "files": member_hashes(data),
    }


def _sbom_digest(app: App) -> str | None:
    """SHA-256 of the app's reproducible CycloneDX SBOM (``None`` when no dependency data)."""
    from faasguard.deps.audit import audit_function  # noqa: PLC0415 - only when building
    from faasguard.deps.sbom import cyclonedx_json  # noqa: PLC0415 - only when building

    audits = [a for a in (audit_function(app, fn, with_store=False) for fn in app.functions) if a]
    if not audits:
        return None
    text = cyclonedx_json(app.name, audits, reproducible=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _problem(built: Built, message: str, location: Location) -> None:
    built.diagnostics.append(
        Diagnostic(
            level=DiagnosticLevel.ERROR, message=message, location=location, code=MANIFEST_CODE
        )
    )


def build_manifest(apps: Sequence[App]) -> Built:
    """The manifest of every function and layer of ``apps``.

    A function without a local package (an image, S3) is pinned by configuration only, with
    an error diagnostic, so ``verify`` cannot pass it silently; an unsafe package (see
    :func:`~faasguard.manifest.zips.zip_problems`) is an error too.
    """
    built = Built(document={})
    functions: list[dict[str, Any]] = []
    layers: list[dict[str, Any]] = []
    sboms: dict[str, str] = {}
    for app in apps:
        built.diagnostics.extend(d for d in app.diagnostics if d.level is DiagnosticLevel.ERROR)
        for fn in app.functions:
            entry: dict[str, Any] = {
                "name": fn.display_name,
                "ref": fn.ref,
                "app": app.name,
                "source": f"{fn.location}",
                "config": function_config(app, fn),
                "artifact": None,
            }
            try:
                data, source = artifact_bytes(app, fn, fn.code)
            except LoadError as exc:
                _problem(built, f"function {fn.display_name}: {exc.message}", fn.location)
            else:
                file_name = f"{fn.display_name}.zip"
                entry["artifact"] = _artifact_entry(data, source, file_name)
                built.artifacts[file_name] = data
                for problem in zip_problems(data):
                    _problem(built, f"function {fn.display_name}: {source}: {problem}", fn.location)
            functions.append(entry)
        for layer in app.layers:
            name = layer.name if isinstance(layer.name, str) else layer.ref
            layer_entry: dict[str, Any] = {"name": name, "ref": layer.ref, "app": app.name}
            try:
                data, source = artifact_bytes(app, None, layer.content)
            except LoadError as exc:
                _problem(built, f"layer {name}: {exc.message}", layer.location)
                layer_entry["artifact"] = None
            else:
                layer_entry["artifact"] = _artifact_entry(data, source, f"layer-{name}.zip")
                built.artifacts[f"layer-{name}.zip"] = data
            layers.append(layer_entry)
        sbom = _sbom_digest(app)
        if sbom:
            sboms[app.name] = sbom
    built.document = {
        "schema": SCHEMA,
        "builder": {"id": builder_identity(), "tool": f"faasguard {__version__}"},
        "builtAt": build_time(),
        "apps": sorted({app.name for app in apps}),
        "sbom": {"format": "cyclonedx-json", "sha256": sboms},
        "functions": functions,
        "layers": layers,
    }
    return built
