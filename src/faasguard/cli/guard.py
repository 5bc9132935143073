"""``faasguard guard``: the runtime guard's tools (the guard itself is
:mod:`faasguard.guard`, imported by handlers, not by the command line).

- ``faasguard guard policy PATH``: a starting policy for a function, from what ``scan``
  knows about it (:mod:`faasguard.guardpolicy`);
- ``faasguard guard layer build -o layer.zip``: the Lambda layer with the guard and its
  ``AWS_LAMBDA_EXEC_WRAPPER`` script (:mod:`faasguard.guard.layer`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from faasguard.cli.common import (
    FunctionOption,
    NoCache,
    Param,
    Stage,
    Var,
    check_output_file,
    fail,
    write_output,
)

guard_app = typer.Typer(
    name="guard",
    help="Runtime guard for Python handlers: starting policies and the Lambda layer.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
layer_app = typer.Typer(name="layer", help="The guard's Lambda layer.", no_args_is_help=True)
guard_app.add_typer(layer_app, name="layer")

Output = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")]


@guard_app.command("policy")
def policy(
    path: Annotated[Path, typer.Argument(help="File or directory to analyse.")] = Path("."),
    function: FunctionOption = None,
    output: Output = None,
    stage: Stage = None,
    var: Var = None,
    param: Param = None,
    no_cache: NoCache = False,
) -> None:
    """Write a starting guard policy (TOML) for a function from what scan knows about it:
    its triggers, the sinks its code reaches and the hosts it calls."""
    from faasguard.cli.iam import load_apps, select_functions  # noqa: PLC0415 - start-up speed
    from faasguard.guardpolicy import starting_policy  # noqa: PLC0415 - start-up speed

    check_output_file(output, "--output")
    root, apps = load_apps(path, stage=stage, var=var, param=param, no_cache=no_cache, jobs=1)
    chosen = select_functions(apps, function)
    if not chosen:
        raise fail(f"no function found in {path}")
    if len(chosen) > 1:
        names = ", ".join(sorted(fn.ref for _, fn in chosen))
        raise fail(f"{len(chosen)} functions found: choose one with --function ({names})")
    app, fn = chosen[0]
    if isinstance(fn.runtime, str) and not fn.runtime.startswith("python"):
        raise fail(f"{fn.ref} runs {fn.runtime}: the runtime guard is for Python handlers")
    write_output(starting_policy(app, fn, root), output, "guard policy")


@layer_app.command("build")
def layer_build(
    output: Annotated[Path, typer.Option("--output", "-o", help="The layer zip to write.")],
    no_native: Annotated[
        bool, typer.Option("--no-native", help="Leave out the payload engine's native matchers.")
    ] = False,
    with_libinjection: Annotated[
        bool,
        typer.Option(
            "--with-libinjection", help="Also bundle libinjection's wrapper (GPL-3.0) if installed."
        ),
    ] = False,
) -> None:
    """Build the guard's Lambda layer (set AWS_LAMBDA_EXEC_WRAPPER=/opt/faasguard-guard)."""
    from faasguard.guard.layer import LayerBuildError, build_layer  # noqa: PLC0415 - start-up

    check_output_file(output, "--output")
    try:
        count = build_layer(output, native=not no_native, gpl=with_libinjection)
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror or exc}") from None
    except LayerBuildError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"faasguard: guard layer ({count} files) written to {output}", err=True)
    typer.echo(
        "faasguard: set AWS_LAMBDA_EXEC_WRAPPER=/opt/faasguard-guard on the function", err=True
    )
