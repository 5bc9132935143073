"""The JavaScript code index: each file parsed once, and the one reading of its imports.

Both analyses of Node.js handler code — SDK-call extraction (:mod:`.sdk_calls`) and taint
tracking (:mod:`.taint`) — parse files through :func:`parse_module` (tree-sitter; one parse
per file content, keyed by path, size and modification time) and read ``import``,
``export ... from`` and ``require()`` through :func:`module_specifier`,
:func:`required_specifier` and :func:`import_bindings`. Where a specifier leads is decided
by :func:`faasguard.code.modules.resolve_js_module` (a file of the code) or
:func:`package_path` (a package).

Nothing here runs the code.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from faasguard.code.parsecache import ParseCache
from faasguard.code.values import Gap

#: Node types of function definitions (their bodies are scopes of their own).
FUNCTION_TYPES = frozenset(
    {
        "function_declaration",
        "function_expression",
        "function",
        "arrow_function",
        "method_definition",
        "generator_function_declaration",
        "generator_function",
    }
)


@cache
def _parser(kind: str) -> Any:
    from tree_sitter import Language, Parser  # noqa: PLC0415 - start-up speed: loaded on first use

    if kind == "typescript":
        import tree_sitter_typescript  # noqa: PLC0415 - start-up speed

        return Parser(Language(tree_sitter_typescript.language_typescript()))
    if kind == "tsx":
        import tree_sitter_typescript  # noqa: PLC0415 - start-up speed

        return Parser(Language(tree_sitter_typescript.language_tsx()))
    import tree_sitter_javascript  # noqa: PLC0415 - start-up speed

    return Parser(Language(tree_sitter_javascript.language()))


@dataclass(frozen=True, slots=True)
class JsModule:
    """A parsed JavaScript/TypeScript file: the tree-sitter tree and the source bytes."""

    path: Path
    source: bytes
    tree: Any

    @property
    def root(self) -> Any:
        """The ``program`` node."""
        return self.tree.root_node


def parse_module(path: Path) -> JsModule | Gap:
    """Parse ``path`` with the grammar its extension calls for (never executed).

    A file is parsed once per content: later calls return the same :class:`JsModule`
    until the file's size or modification time changes.
    """
    return _PARSED.get(path)


def _parse(path: Path) -> JsModule | Gap:
    try:
        source = path.read_bytes()
    except OSError as exc:
        return Gap(f"cannot read: {exc}", str(path))
    suffix = path.suffix
    kind = (
        "tsx" if suffix == ".tsx" else "typescript" if suffix in (".ts", ".mts", ".cts") else "js"
    )
    tree = _parser(kind).parse(source)
    if tree.root_node.has_error:
        error = _first_error(tree.root_node)
        line = error.start_point[0] + 1 if error is not None else 0
        return Gap("syntax error (the file does not parse)", str(path), line)
    return JsModule(path=path, source=source, tree=tree)


_PARSED: ParseCache[JsModule] = ParseCache(_parse)


def _first_error(node: Any) -> Any:
    if node.type == "ERROR" or node.is_missing:
        return node
    for child in node.children:
        if child.has_error:
            return _first_error(child)
    return None


def text(node: Any) -> str:
    """The source text of ``node``."""
    return str(node.text.decode("utf-8", "replace"))


def string_text(node: Any) -> str:
    """The value of a string literal node (its fragments and escapes, unquoted)."""
    return "".join(
        text(c) for c in node.named_children if c.type in ("string_fragment", "escape_sequence")
    )


def key_name(node: Any) -> str | None:
    """The property name a key node spells (``a``, ``"a"``), or ``None`` (computed)."""
    if node.type in ("property_identifier", "identifier", "shorthand_property_identifier_pattern"):
        return text(node)
    if node.type == "string":
        return string_text(node)
    return None


def walk(node: Any) -> Iterator[Any]:
    """Every node, depth first, in source order (an explicit stack: deep trees are fine)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


# ---------------------------------------------------------------------------- imports


@dataclass(frozen=True, slots=True)
class ImportBinding:
    """One name an ``import`` statement binds: ``local`` is the export ``imported`` of the
    module (``default`` for a default import, ``None`` for the namespace ``* as x``)."""

    local: str
    imported: str | None
    node: Any


def module_specifier(node: Any) -> str | None:
    """The module a ``require("x")``, ``import ... from "x"`` or ``export ... from "x"``
    names, when ``node`` is one."""
    if node.type in ("import_statement", "export_statement"):
        source = node.child_by_field_name("source")
        return string_text(source) if source is not None else None
    if node.type == "call_expression":
        return required_specifier(node)
    return None


def required_specifier(call: Any, *, dynamic_import: bool = False) -> str | None:
    """The constant module name of ``require("x")`` (and of ``import("x")`` when
    ``dynamic_import``), or ``None`` for any other call."""
    callee = call.child_by_field_name("function")
    if callee is None:
        return None
    is_require = callee.type == "identifier" and text(callee) == "require"
    if not is_require and not (dynamic_import and callee.type == "import"):
        return None
    arguments = call.child_by_field_name("arguments")
    first = (
        arguments.named_children[0] if arguments is not None and arguments.named_children else None
    )
    if first is not None and first.type == "string":
        return string_text(first)
    return None


def import_bindings(statement: Any) -> Iterator[ImportBinding]:
    """The names an ``import_statement`` binds, in source order."""
    for clause in statement.named_children:
        if clause.type != "import_clause":
            continue
        for part in clause.named_children:
            if part.type == "identifier":  # default import
                yield ImportBinding(text(part), "default", part)
            elif part.type == "namespace_import":
                for ident in part.named_children:
                    yield ImportBinding(text(ident), None, ident)
            elif part.type == "named_imports":
                for spec in part.named_children:
                    name = spec.child_by_field_name("name")
                    alias = spec.child_by_field_name("alias") or name
                    if name is not None and alias is not None:
                        yield ImportBinding(text(alias), key_name(name) or text(name), spec)


def package_path(specifier: str) -> tuple[str, tuple[str, ...]]:
    """A package specifier as (package, path inside it): ``node:fs/promises`` →
    ``("fs", ("promises",))``, ``@aws-sdk/client-s3`` → ``("@aws-sdk/client-s3", ())``."""
    name = specifier.removeprefix("node:")
    if name.startswith("@"):
        parts = name.split("/")
        package, rest = "/".join(parts[:2]), "/".join(parts[2:])
    else:
        package, _, rest = name.partition("/")
    return package, tuple(p for p in rest.split("/") if p)
