"""Local module calls, with ``count``/``for_each`` on the ``module`` block expanded.

A module block without ``count``/``for_each`` gives one instance whose addresses are
prefixed ``module.NAME.``. With a statically known collection, it gives one instance per
index or key (``module.NAME["key"].``), each with its arguments evaluated in the caller
with ``count.index`` / ``each.key`` / ``each.value`` bound, so every instance has its own
names, roles and policies. When the collection is not statically known, one instance is
analysed with those values unknown and a warning at the ``count``/``for_each`` line says
so. Every instance counts against the per-root cap of module instances (issue 16).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from faasguard.loaders.terraform.hcl import Attribute, Block
from faasguard.loaders.terraform.hcl_eval import GetAttr, GetIndex, Step
from faasguard.loaders.terraform.instances import Expansion, Key, key_text
from faasguard.model import DiagnosticLevel, Unknown

#: Local modules nested deeper than this are not loaded.
MAX_MODULE_DEPTH = 8
#: At most this many module instances are loaded per root: six modules each calling six
#: more grow as 6^depth even without a cycle.
MAX_MODULE_INSTANCES = 500

_RESERVED = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})


@dataclass(slots=True)
class ModuleInput:
    """A module block argument, evaluated lazily in the calling module (with the
    instance's ``each``/``count`` bound in ``env``)."""

    caller: Any
    attribute: Attribute
    env: dict[str, Any] | None = None

    def evaluate(self) -> Any:
        """The argument's value in the caller."""
        return self.caller.ev.evaluate(self.attribute.expr, self.attribute.file, self.env)


class ModulesMixin:
    """The loader's handling of module calls (kept apart for the module size limit). The
    loader provides module creation, the memo, diagnostics and instance expansion."""

    instances: int
    not_loaded: set[tuple[str, int]]

    def _guarded(self, module: Any, kind: str, name: str, compute: Any) -> Any:
        raise NotImplementedError

    def _diag(self, level: DiagnosticLevel, message: str, file: str, line: int) -> None:
        raise NotImplementedError

    def _expansion(self, module: Any, address: str, block: Block) -> Expansion | None:
        raise NotImplementedError

    def _unexpanded(self, module: Any, address: str, block: Block, reason: str) -> None:
        raise NotImplementedError

    def _new_module(
        self,
        directory: str,
        prefix: str,
        depth: int,
        inputs: dict[str, Any],
        lineage: tuple[str, ...] = (),
    ) -> Any:
        raise NotImplementedError

    # Instances ---------------------------------------------------------------------------

    def _module_instances(self, module: Any, name: str) -> list[Any]:
        """The loaded instances of module call ``name`` (a warning for an unknown
        collection; none for ``count = 0`` or an empty ``for_each``)."""
        block = module.modules.get(name)
        if block is None:
            return []
        expansion = self._expansion(module, f"module.{name}", block)
        if expansion is None or expansion.instances is None:
            if expansion is not None:
                self._unexpanded(module, f"module.{name}", block, expansion.reason)
            child = self._child(module, name)
            return [child] if child is not None else []
        found = (self._child(module, name, key) for key in expansion.instances)
        return [child for child in found if child is not None]

    def _child(self, module: Any, name: str, key: Key | None = None) -> Any:
        slot = (name, key)
        if slot in module.children:
            return module.children[slot]
        module.children[slot] = None  # a module reaching itself through outputs stops here
        block = module.modules.get(name)
        child = None
        if block is not None:
            env: dict[str, Any] | None = None
            if key is not None:
                expansion = self._expansion(module, f"module.{name}", block)
                instances = expansion.instances if expansion is not None else None
                env = instances.get(key) if instances is not None else None
                if env is None:
                    return None
            child = self._instantiate(module, name, block, key, env)
        module.children[slot] = child
        return child

    def _instantiate(
        self,
        module: Any,
        name: str,
        block: Block,
        key: Key | None,
        env: dict[str, Any] | None,
    ) -> Any:
        directory = self._guarded(
            module, "module-dir", name, lambda: self._module_dir(module, name, block)
        )
        if not isinstance(directory, str):
            return None
        if self.instances >= MAX_MODULE_INSTANCES:
            self._not_loaded(
                block,
                name,
                f"more than {MAX_MODULE_INSTANCES} module instances in this configuration",
            )
            return None
        inputs: dict[str, Any] = {
            attr_name: ModuleInput(caller=module, attribute=attribute, env=env)
            for attr_name, attribute in block.body.attributes.items()
            if attr_name not in _RESERVED
        }
        index = key_text(key) if key is not None else ""
        return self._new_module(
            directory,
            f"{module.prefix}module.{name}{index}.",
            module.depth + 1,
            inputs,
            module.lineage,
        )

    def _module_dir(self, module: Any, name: str, block: Block) -> str | None:
        """The directory of a loadable local module call, or ``None`` with a diagnostic."""
        source_attr = block.body.attributes.get("source")
        source = module.ev.evaluate(source_attr.expr, source_attr.file) if source_attr else None
        if not isinstance(source, str) or not source.startswith(("./", "../")):
            reason = (
                f"remote module ({source})" if isinstance(source, str) else "source is not static"
            )
            self._not_loaded(block, name, reason, DiagnosticLevel.INFO)
            return None
        directory = os.path.normpath(os.path.join(module.directory, source))
        problem = ""
        if os.path.realpath(directory) in module.lineage:
            problem = f"module cycle ({source} calls itself)"
        elif self.instances >= MAX_MODULE_INSTANCES:
            problem = f"more than {MAX_MODULE_INSTANCES} module instances in this configuration"
        elif module.depth + 1 > MAX_MODULE_DEPTH:
            problem = "modules nested too deeply"
        elif not os.path.isdir(directory):
            problem = f"directory {source} not found"
        if problem:
            self._not_loaded(block, name, problem)
            return None
        return directory

    def _not_loaded(
        self,
        block: Block,
        name: str,
        reason: str,
        level: DiagnosticLevel = DiagnosticLevel.WARNING,
    ) -> None:
        # One diagnostic per module block, however many instances of its caller there are.
        if (block.file, block.line) in self.not_loaded:
            return
        self.not_loaded.add((block.file, block.line))
        self._diag(level, f"module {name!r} not loaded: {reason}", block.file, block.line)

    # References --------------------------------------------------------------------------

    def _module_ref(self, module: Any, name: str, rest: list[Step]) -> tuple[Any, int]:
        full = f"{module.prefix}module.{name}"
        block = module.modules.get(name)
        expansion = self._expansion(module, f"module.{name}", block) if block else None
        instances = expansion.instances if expansion is not None else None
        if instances is None:
            # No count/for_each, or one unexpanded instance: any instance key reads it.
            consumed = 1
            while rest and isinstance(rest[0], GetIndex):
                rest = rest[1:]
                consumed += 1
            return self._output_ref(module, name, None, full, rest, consumed)
        if not rest:
            # ``module.fns`` as a whole: a map (for_each) or list (count) of output objects.
            whole = {key: self._outputs(module, name, key) for key in instances}
            if all(isinstance(key, int) for key in whole):
                return list(whole.values()), 1
            return whole, 1
        first = rest[0]
        if not isinstance(first, GetIndex):
            return Unknown(expression=full, reason="module instance not selected"), 1
        key = first.key
        if isinstance(key, float) and key == int(key):
            key = int(key)
        if isinstance(key, bool) or not isinstance(key, int | str) or key not in instances:
            if isinstance(key, Unknown):
                text = f"{full}[{key.expression}]"
            else:
                text = full + (key_text(key) if isinstance(key, int | str) else "[?]")
            return Unknown(expression=text, reason="module instance not known"), 2 + bool(rest[1:])
        return self._output_ref(module, name, key, f"{full}{key_text(key)}", rest[1:], 2)

    def _output_ref(
        self, module: Any, name: str, key: Key | None, full: str, rest: list[Step], consumed: int
    ) -> tuple[Any, int]:
        if not rest or not isinstance(rest[0], GetAttr):
            if key is not None and not rest:
                return self._outputs(module, name, key), consumed
            return Unknown(expression=full, reason="whole module reference"), consumed
        output = rest[0].name
        return self._output(module, name, key, full, output), consumed + 1

    def _outputs(self, module: Any, name: str, key: Key) -> dict[str, Any] | Unknown:
        child = self._child(module, name, key)
        full = f"{module.prefix}module.{name}{key_text(key)}"
        if child is None:
            return Unknown(expression=full, reason="module not loaded")
        return {output: self._output(module, name, key, full, output) for output in child.outputs}

    def _output(self, module: Any, name: str, key: Key | None, full: str, output: str) -> Any:
        child = self._child(module, name, key)
        if child is None:
            return Unknown(expression=f"{full}.{output}", reason="module not loaded")
        block = child.outputs.get(output)
        value_attr = block.body.attributes.get("value") if block is not None else None
        if value_attr is None:
            return Unknown(expression=f"{full}.{output}", reason="no such output")
        return self._guarded(
            child,
            "output",
            output,
            lambda: child.ev.evaluate(value_attr.expr, value_attr.file),
        )
