"""Symbolic values shared by the code front ends.

A :class:`SymStr` is a string the code builds at run time, known as a sequence of parts:
literal text, the value of an environment variable (resolved later against what the
template sets), or an opaque part the analysis cannot know (a request field, a loop
variable). ``f"{os.environ['PREFIX']}/{key}"`` is ``Env(PREFIX) + Lit("/") + Opaque(key)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

Key = TypeVar("Key")


@dataclass(frozen=True, slots=True)
class Lit:
    """Literal text."""

    text: str


@dataclass(frozen=True, slots=True)
class Env:
    """The value of environment variable ``name`` (``default`` when the code gives one)."""

    name: str
    default: str | None = None


@dataclass(frozen=True, slots=True)
class Opaque:
    """A part the analysis cannot know; ``text`` is the source expression, for messages."""

    text: str


Part = Lit | Env | Opaque


@dataclass(frozen=True, slots=True)
class SymStr:
    """A string value as a tuple of parts (adjacent literals merged)."""

    parts: tuple[Part, ...]

    @staticmethod
    def of(*parts: Part) -> SymStr:
        """A normalised value: adjacent literals merged, empty literals dropped."""
        return SymStr(_merge(parts))

    @staticmethod
    def literal(text: str) -> SymStr:
        """The literal string ``text``."""
        return SymStr.of(Lit(text))

    @staticmethod
    def opaque(text: str) -> SymStr:
        """A value the analysis cannot know."""
        return SymStr((Opaque(text),))

    def __add__(self, other: SymStr) -> SymStr:
        return SymStr(_merge((*self.parts, *other.parts)))

    @property
    def text(self) -> str | None:
        """The whole string when it is a literal, else ``None``."""
        if all(isinstance(p, Lit) for p in self.parts):
            return "".join(p.text for p in self.parts if isinstance(p, Lit))
        return None

    @property
    def known(self) -> bool:
        """True when no part is opaque (environment variables may still be resolved)."""
        return not any(isinstance(p, Opaque) for p in self.parts)

    def __str__(self) -> str:
        out = []
        for part in self.parts:
            if isinstance(part, Lit):
                out.append(part.text)
            elif isinstance(part, Env):
                out.append(f"${{env:{part.name}}}")
            else:
                out.append("*")
        return "".join(out)


def _merge(parts: Iterable[Part]) -> tuple[Part, ...]:
    merged: list[Part] = []
    for part in parts:
        if isinstance(part, Lit):
            if not part.text:
                continue
            if merged and isinstance(merged[-1], Lit):
                merged[-1] = Lit(merged[-1].text + part.text)
                continue
        merged.append(part)
    return tuple(merged)


@dataclass(frozen=True, slots=True)
class SdkCall:
    """One AWS SDK call site found in handler code.

    ``service`` and ``operation`` are spelled so :func:`faasguard.iam.sdkmap.lookup`
    understands them: a boto3 client name and botocore operation (``"dynamodb"``,
    ``"PutItem"``), a JS v2 class and method (``"S3"``, ``"getObject"``;
    ``"DocumentClient"``, ``"put"``) or a JS v3 package and command (``"client-s3"``,
    ``"GetObjectCommand"``). ``params`` maps top-level request parameters (``Bucket``,
    ``TableName``, ``QueueUrl``) to their possible values. ``via`` says how the call was
    made when it is not a plain client method (``paginator``, ``waiter``,
    ``resource Table.put_item``, ``presigned URL``).
    """

    sdk: str
    service: str
    operation: str
    params: tuple[tuple[str, tuple[SymStr, ...]], ...]
    file: str
    line: int
    column: int
    via: str = ""

    def param(self, name: str) -> tuple[SymStr, ...]:
        """The possible values of request parameter ``name`` (empty when not given)."""
        for key, values in self.params:
            if key == name:
                return values
        return ()


def recorded_call(
    sdk: str,
    site: tuple[str, int, int, str, str],
    via: str,
    params: Mapping[str, Iterable[SymStr]],
) -> SdkCall:
    """The :class:`SdkCall` an SDK-call interpreter recorded at ``site`` (file, line,
    column, service, operation), its parameters and their values in a stable order."""
    file, line, column, service, operation = site
    return SdkCall(
        sdk=sdk,
        service=service,
        operation=operation,
        params=tuple(
            (name, tuple(sorted(values, key=str))) for name, values in sorted(params.items())
        ),
        file=file,
        line=line,
        column=column,
        via=via,
    )


def by_site(calls: Iterable[SdkCall]) -> tuple[SdkCall, ...]:
    """``calls`` in source order (file, line, column, then operation)."""
    return tuple(sorted(calls, key=lambda c: (c.file, c.line, c.column, c.operation)))


@dataclass(frozen=True, slots=True)
class Gap:
    """Something that makes the analysis of a function's code incomplete."""

    message: str
    file: str = ""
    line: int = 0

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file and self.line else ""
        where = where or (f"{self.file}: " if self.file else "")
        return f"{where}{self.message}"


@dataclass(frozen=True, slots=True)
class SdkCallsFound:
    """Every SDK call an SDK-call interpreter found from one handler file, the files it
    read and the gaps (either language's ``analyse``)."""

    calls: tuple[SdkCall, ...]
    files: tuple[str, ...]
    gaps: tuple[Gap, ...]


def reachable_from(roots: Iterable[Key], successors: Callable[[Key], Iterable[Key]]) -> set[Key]:
    """``roots`` and everything ``successors`` leads to from them (a call graph's closure)."""
    reachable: set[Key] = set()
    pending = list(roots)
    while pending:
        current = pending.pop()
        if current in reachable:
            continue
        reachable.add(current)
        pending.extend(successors(current))
    return reachable
