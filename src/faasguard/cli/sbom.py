"""``faasguard sbom``: a software bill of materials of the functions' shipped dependencies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from faasguard.cli.common import Db, FunctionOption, fail, write_output
from faasguard.cli.deps import audits, show_diagnostics


def sbom(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or directories (default: .).")
    ] = None,
    function: FunctionOption = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="cyclonedx-json (default) or spdx-json.")
    ] = "cyclonedx-json",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the SBOM to this file.")
    ] = None,
    reproducible: Annotated[
        bool,
        typer.Option(help="Fixed serial number and timestamp (SOURCE_DATE_EPOCH or 1970)."),
    ] = False,
    db: Db = None,
) -> None:
    """Write a software bill of materials of the functions' shipped dependencies."""
    from faasguard.deps import sbom as sbom_module  # noqa: PLC0415 - start-up speed

    if output_format not in sbom_module.FORMATS:
        raise fail(
            f"unknown --format '{output_format}' (expected {' or '.join(sbom_module.FORMATS)})"
        )
    results, diagnostics = audits(paths, function, db)
    show_diagnostics(diagnostics)
    function_audits = [a for _, group in results for a in group]
    name = (
        results[0][0] if len(results) == 1 else Path(str((paths or [Path(".")])[0])).resolve().name
    )
    writer = (
        sbom_module.cyclonedx_json if output_format == "cyclonedx-json" else sbom_module.spdx_json
    )
    text = writer(name, function_audits, reproducible=reproducible)
    write_output(text, output, f"SBOM of {len(function_audits)} function(s)")
