"""``faasguard manifest build|sign|verify|keygen``: signed deployment manifests.

``verify`` is the CI gate before ``sam deploy``, ``serverless deploy`` or ``terraform
apply``: exit 0 when the signature, the trusted keys, the expiry and every artifact hold,
1 when any does not (each reason on standard error), 2 for a usage error.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from faasguard.cli.common import (
    ExitCode,
    check_output_file,
    fail,
    require_paths,
    targets,
    usage_errors,
    write_output,
)

if TYPE_CHECKING:
    from faasguard.model import App

manifest_app = typer.Typer(
    help="Signed deployment manifests: build, sign, verify (the CI gate before deploying).",
    no_args_is_help=True,
)

_DURATION = re.compile(r"^(\d+)([dh])$")


def load_apps(paths: list[Path] | None) -> list[App]:
    """Every app below ``paths``, loaded as ``scan`` loads them (no cache)."""
    from faasguard.config import LoadOptions, ScanConfig  # noqa: PLC0415 - start-up speed
    from faasguard.engine import load_all, scan_root  # noqa: PLC0415 - start-up speed
    from faasguard.loaders.discovery import discover  # noqa: PLC0415 - start-up speed

    loaded = targets(paths)
    require_paths(loaded)
    root = scan_root(loaded)
    config = ScanConfig(load=LoadOptions(root=root))
    return load_all(discover(loaded), config, root=root)


@manifest_app.command("build")
def build(
    paths: Annotated[list[Path] | None, typer.Argument(help="The app (default: .).")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the manifest to this file.")
    ] = None,
    artifacts_dir: Annotated[
        Path | None,
        typer.Option(help="Also write the pinned zips here (deploy these exact files)."),
    ] = None,
) -> None:
    """Pin every function's and layer's artifact and configuration in a manifest (JSON)."""
    from faasguard.manifest.build import build_manifest  # noqa: PLC0415 - start-up speed

    check_output_file(output, "--output")
    if artifacts_dir is not None and not artifacts_dir.is_dir():
        raise fail(f"--artifacts-dir {artifacts_dir} is not a directory")
    with usage_errors():
        built = build_manifest(load_apps(paths))
    for diagnostic in built.diagnostics:
        where = f"{diagnostic.location}: " if diagnostic.location else ""
        typer.echo(f"faasguard: {diagnostic.level}: {where}{diagnostic.message}", err=True)
    if artifacts_dir is not None:
        for name, data in built.artifacts.items():
            (artifacts_dir / name).write_bytes(data)
    text = json.dumps(built.document, indent=2, sort_keys=True) + "\n"
    write_output(text, output, f"manifest of {len(built.document['functions'])} function(s)")
    if built.diagnostics:
        raise typer.Exit(ExitCode.ERROR)


def _expiry(valid_for: str) -> dt.datetime:
    match = _DURATION.match(valid_for.strip())
    if not match:
        raise fail(f"--valid-for '{valid_for}': expected days or hours, like 30d or 12h")
    amount = int(match.group(1))
    delta = dt.timedelta(days=amount) if match.group(2) == "d" else dt.timedelta(hours=amount)
    return dt.datetime.now(dt.UTC) + delta


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise fail(f"{path}: cannot read {what}: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise fail(f"{path}: not JSON ({exc})") from None


@manifest_app.command("sign")
def sign(
    manifest: Annotated[Path, typer.Argument(help="Manifest written by 'manifest build'.")],
    key: Annotated[
        Path | None, typer.Option("--key", help="Ed25519 private key (PEM, PKCS#8).")
    ] = None,
    key_env: Annotated[
        str | None,
        typer.Option(help="Environment variable holding the PEM key (FAASGUARD_SIGNING_KEY)."),
    ] = None,
    valid_for: Annotated[str, typer.Option(help="Expiry: 30d, 12h, ...")] = "30d",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the signed envelope here.")
    ] = None,
) -> None:
    """Sign a manifest: an in-toto Statement v1 in a DSSE envelope (Ed25519)."""
    from faasguard.manifest import signing  # noqa: PLC0415 - start-up speed

    check_output_file(output, "--output")
    document = _read_json(manifest, "the manifest")
    if not isinstance(document, dict) or "functions" not in document:
        raise fail(f"{manifest}: not a faasguard manifest (no 'functions')")
    expires = _expiry(valid_for)
    with usage_errors():
        signer = signing.load_signer(key, key_env)
        envelope = signing.sign(document, signer, expires)
    text = json.dumps(envelope, indent=2) + "\n"
    write_output(text, output, f"signed manifest (expires {signing.iso(expires)})")


def _app_lookup(paths: list[Path]) -> Any:
    """Artifacts rebuilt from the app, by function or layer name."""
    from faasguard.errors import LoadError  # noqa: PLC0415 - start-up speed
    from faasguard.manifest.build import artifact_bytes  # noqa: PLC0415 - start-up speed

    apps = load_apps(paths)

    def lookup(kind: str, entry: Mapping[str, Any]) -> bytes | None:
        for app in apps:
            try:
                if kind == "functions":
                    fn = app.function(entry.get("ref")) or app.function(entry.get("name"))
                    if fn is not None:
                        return artifact_bytes(app, fn, fn.code)[0]
                for layer in app.layers:
                    if layer.ref == entry.get("ref"):
                        return artifact_bytes(app, None, layer.content)[0]
            except LoadError:
                return None
        return None

    return lookup


@manifest_app.command("verify")
def verify(
    signed: Annotated[Path, typer.Argument(help="Signed manifest (DSSE envelope).")],
    trusted_key: Annotated[
        list[Path],
        typer.Option("--trusted-key", help="PEM public key or JSON trust file (repeatable)."),
    ],
    artifacts_dir: Annotated[
        Path | None, typer.Option(help="Directory of the zips about to be deployed.")
    ] = None,
    app: Annotated[
        list[Path] | None, typer.Option("--app", help="Rebuild the artifacts from this app.")
    ] = None,
) -> None:
    """Verify signature, trusted keys, revocation, expiry, artifacts and zip hygiene."""
    from faasguard.manifest import signing  # noqa: PLC0415 - start-up speed
    from faasguard.manifest.verify import (  # noqa: PLC0415 - start-up speed
        check_artifacts,
        directory_lookup,
    )

    if artifacts_dir is None and not app:
        raise fail("give --artifacts-dir DIR or --app PATH: the artifacts to check")
    envelope = _read_json(signed, "the signed manifest")
    with usage_errors():
        trust = signing.load_trust(trusted_key)
    try:
        statement = signing.verify(envelope, trust, dt.datetime.now(dt.UTC))
    except signing.ManifestInvalidError as exc:
        for reason in exc.reasons:
            typer.echo(f"faasguard: FAILED: {signed}: {reason}", err=True)
        raise typer.Exit(ExitCode.FINDINGS) from None
    lookup = (
        directory_lookup(artifacts_dir) if artifacts_dir is not None else _app_lookup(app or [])
    )
    problems, checked = check_artifacts(statement, lookup)
    for problem in problems:
        typer.echo(f"faasguard: FAILED: {problem}", err=True)
    if problems:
        raise typer.Exit(ExitCode.FINDINGS)
    typer.echo(f"faasguard: verified: {signed}, {checked} artifact(s) match the signed manifest")


@manifest_app.command("keygen")
def keygen(
    private: Annotated[Path, typer.Option("--private", help="Private key file to create.")],
    public: Annotated[Path, typer.Option("--public", help="Public key file to write.")],
) -> None:
    """Create an Ed25519 key pair for signing manifests; print the key id."""
    from faasguard.manifest.signing import generate_key  # noqa: PLC0415 - start-up speed

    if private.exists():
        raise fail(f"{private} exists; refusing to overwrite a key")
    try:
        keyid = generate_key(private, public)
    except OSError as exc:
        raise fail(f"cannot write the key: {exc.strerror}") from None
    typer.echo(keyid)
