"""``faasguard payloads check``: attack payloads in one value or in a file of values."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from faasguard.payloads import Detection

payloads_app = typer.Typer(
    name="payloads",
    help="Attack-payload detection (SQLi, XSS, traversal, command injection, SSRF, ...).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

#: Output is flushed every this many lines (every line when reading stdin, so a pipeline
#: gets each answer as soon as it sends a value); memory does not grow with the input.
_FLUSH_EVERY = 1024


@payloads_app.command("check")
def check(
    value: Annotated[str | None, typer.Argument(help="The value to check.")] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="One value per line, exactly the line's text without its newline ('-': stdin).",
        ),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="text or jsonl (one object per input line).")
    ] = "text",
) -> None:
    """Report the attack classes found in VALUE, or in every line of --file.

    Exit code: 0 nothing found, 1 at least one detection, 2 bad usage or unreadable file.
    """
    from faasguard.payloads import detect  # noqa: PLC0415 - start-up speed

    if fmt not in ("text", "jsonl"):
        raise typer.BadParameter("must be 'text' or 'jsonl'", param_hint="--format")
    if (value is None) == (file is None):
        typer.echo("error: give either a VALUE or --file", err=True)
        raise typer.Exit(2)
    out = sys.stdout
    found_any = False
    lines = _values(file) if file is not None else iter([value or ""])
    every = 1 if file is not None and str(file) == "-" else _FLUSH_EVERY
    for number, text in enumerate(lines, start=1):
        detections = detect(text)
        found_any = found_any or bool(detections)
        if fmt == "jsonl":
            record = {
                "line": number,
                "detections": [
                    {"class": d.cls, "start": d.start, "end": d.end, "confidence": d.confidence}
                    for d in detections
                ],
            }
            out.write(json.dumps(record) + "\n")
        else:
            _text(out, number, text, detections)
        if number % every == 0:
            out.flush()
    out.flush()
    raise typer.Exit(1 if found_any else 0)


def _values(file: Path) -> Iterator[str]:
    """The file's lines without their ``\\n`` (invalid UTF-8 kept as surrogate escapes)."""
    if str(file) == "-":
        yield from _lines(sys.stdin.buffer)
        return
    try:
        handle = file.open("rb")
    except OSError as error:
        typer.echo(f"error: {file}: {error.strerror or error}", err=True)
        raise typer.Exit(2) from error
    with handle:
        yield from _lines(handle)


def _lines(handle: IO[bytes]) -> Iterator[str]:
    for raw in handle:
        yield raw.removesuffix(b"\n").decode("utf-8", "surrogateescape")


def _text(out: IO[str], number: int, text: str, detections: list[Detection]) -> None:
    for d in detections:
        excerpt = text[d.start : d.end][:80].encode("unicode_escape", "replace").decode("ascii")
        out.write(
            f"line {number}: {d.cls} at {d.start}-{d.end} (confidence {d.confidence}): {excerpt}\n"
        )
