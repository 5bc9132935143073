"""``count`` and ``for_each`` on a resource: its instances when the collection is static.

Terraform creates one instance per ``count`` index or ``for_each`` key, each evaluated with
``count.index`` or ``each.key``/``each.value`` bound. When the collection is statically
known, the loader builds one record per instance (``aws_iam_role.fn["a"]``), with the
bindings passed to the evaluator as its environment. When it is not (a variable without
default, a computed list), :func:`expand` says so and the loader keeps one instance whose
``each``/``count`` values are unknown, with a diagnostic at the ``count``/``for_each`` line:
what cannot be known is said, never guessed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from faasguard.loaders.terraform.hcl import Block, LineIndex
from faasguard.loaders.terraform.hcl_eval import GetAttr, Step
from faasguard.loaders.terraform.roles import policy_document_json
from faasguard.model import DiagnosticLevel, Unknown

#: More instances than this for one resource are not expanded (a diagnostic says so).
MAX_INSTANCES = 256

#: An instance key: the ``count`` index or the ``for_each`` key.
Key = int | str


@dataclass(frozen=True, slots=True)
class Expansion:
    """The instances of one resource (key → evaluation environment), or why there are none
    to expand (``reason``; then ``instances`` is ``None``)."""

    instances: dict[Key, dict[str, Any]] | None
    reason: str = ""


def _has_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, Mapping):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_has_unknown(v) for v in value)
    return False


def _count(value: Any) -> Expansion:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        return Expansion(None, "count is not statically known")
    number = int(value)
    if number < 0 or number > MAX_INSTANCES:
        return Expansion(None, f"count {number} is outside 0..{MAX_INSTANCES}")
    return Expansion({index: {"count": {"index": index}} for index in range(number)})


def _for_each(value: Any) -> Expansion:
    if isinstance(value, Unknown) or (
        isinstance(value, Mapping) and any(isinstance(k, Unknown) for k in value)
    ):
        return Expansion(None, "for_each is not statically known")
    if isinstance(value, Mapping):
        pairs = {str(k): v for k, v in value.items()}
    elif isinstance(value, list | tuple | set | frozenset):
        if any(not isinstance(item, str) for item in value):
            return Expansion(None, "for_each is not a static set of strings")
        pairs = {item: item for item in value}
    else:
        return Expansion(None, "for_each is not a map or a set of strings")
    if len(pairs) > MAX_INSTANCES:
        return Expansion(None, f"for_each has more than {MAX_INSTANCES} keys")
    return Expansion({key: {"each": {"key": key, "value": pairs[key]}} for key in sorted(pairs)})


def expand(count: Any = None, for_each: Any = None, *, has_count: bool = False) -> Expansion:
    """The instances ``count`` (when ``has_count``) or ``for_each`` give."""
    if has_count:
        return (
            _count(count)
            if not isinstance(count, Unknown)
            else Expansion(None, "count is not statically known")
        )
    if _has_unknown(for_each) and not isinstance(for_each, Mapping):
        return Expansion(None, "for_each is not statically known")
    return _for_each(for_each)


_VARIABLE = re.compile(r"\bvar\.([A-Za-z_][\w-]*)")


def _default_gate(module: Any, attribute: Any) -> str | None:
    """The input variable a ``count`` reads that has only its default value here (no
    ``--var``, tfvars or module argument sets it), or ``None``."""
    node = attribute.expr
    text = node.text.decode("utf-8", "replace") if node is not None and node.text else ""
    for name in _VARIABLE.findall(text):
        if name in module.variables and name not in module.inputs:
            return str(name)
    return None


def key_text(key: Key) -> str:
    """``[0]`` or ``["name"]``, as Terraform writes an instance address."""
    return f"[{key}]" if isinstance(key, int) else f"[{json.dumps(key)}]"


class InstancesMixin:
    """The loader's handling of ``count``/``for_each`` (kept apart for the module size
    limit). The loader provides the memo, diagnostics, line index and nested blocks."""

    lines: LineIndex

    def _guarded(self, module: Any, kind: str, name: str, compute: Any) -> Any:
        raise NotImplementedError

    def _diag(self, level: DiagnosticLevel, message: str, file: str, line: int) -> None:
        raise NotImplementedError

    def _nested_blocks(
        self,
        module: Any,
        body: Any,
        values: dict[str, Any],
        owner: str | None,
        env: dict[str, Any] | None = None,
    ) -> None:
        raise NotImplementedError

    # count / for_each --------------------------------------------------------------------

    def _expansion(self, module: Any, address: str, block: Block) -> Expansion | None:
        """The instances of a resource with ``count``/``for_each`` (``None`` without)."""
        count = block.body.attributes.get("count")
        for_each = block.body.attributes.get("for_each")
        if count is None and for_each is None:
            return None

        def compute() -> Expansion:
            if count is not None:
                value = module.ev.evaluate(count.expr, count.file)
                gate = _default_gate(module, count) if value == 0 else None
                if gate is not None:
                    # `count = var.enabled ? 1 : 0` with `default = false`: the deployment
                    # sets the variable; a scanner that dropped it would miss what ships.
                    return Expansion(
                        None, f"count is 0 only by the default of var.{gate} (not set here)"
                    )
                return expand(value, has_count=True)
            assert for_each is not None
            return expand(for_each=module.ev.evaluate(for_each.expr, for_each.file))

        found: Expansion = self._guarded(module, "instances", address, compute)
        return found if isinstance(found, Expansion) else Expansion(None, "reference cycle")

    def _instance_env(
        self, module: Any, address: str, block: Block, key: Any
    ) -> dict[str, Any] | None:
        expansion = self._expansion(module, address, block)
        if expansion is None or expansion.instances is None:
            return None
        return expansion.instances.get(key)

    def _unexpanded(self, module: Any, address: str, block: Block, reason: str) -> None:
        meta = block.body.attributes.get("count") or block.body.attributes.get("for_each")
        line = meta.line if meta is not None else block.line
        self._diag(
            DiagnosticLevel.WARNING,
            f"{module.prefix}{address}: {reason}; one instance is analysed, with its "
            "count.index / each.key / each.value unknown",
            block.file,
            line,
        )

    def _instance_values(
        self, module: Any, address: str, block: Block, key: Key, env: dict[str, Any]
    ) -> dict[str, Any]:
        owner = f"{address}{key_text(key)}"

        def compute() -> dict[str, Any]:
            values: dict[str, Any] = {}
            for attribute in block.body.attributes.values():
                values[attribute.name] = module.ev.evaluate(attribute.expr, attribute.file, env)
                self.lines.record(values, attribute.name, attribute.file, attribute.line)
            self._nested_blocks(module, block.body, values, owner=None, env=env)
            return values

        found = self._guarded(module, "instance", owner, compute)
        return found if isinstance(found, dict) else {}

    def _instance_ref(
        self,
        module: Any,
        address: str,
        block: Block,
        env: dict[str, Any],
        key: Key,
        rest: list[Step],
    ) -> Any:
        full = f"{module.prefix}{address}{key_text(key)}"
        if not rest or not isinstance(rest[0], GetAttr):
            return Unknown(expression=full, reason="reference to a whole resource")
        name = rest[0].name
        values = self._instance_values(module, address, block, key, env)
        if address.startswith("data.aws_iam_policy_document.") and name in (
            "json",
            "minified_json",
        ):
            return policy_document_json(values, self.lines)
        if name in values:
            return values[name]
        return Unknown(expression=f"{full}.{name}", reason="computed attribute")
