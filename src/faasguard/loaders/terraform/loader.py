"""Terraform loader: HCL root modules and ``terraform show -json`` plan/state files.

Two front ends feed one mapping layer (:mod:`faasguard.loaders.terraform.build`):

- HCL (``fmt="terraform"``): every ``.tf`` file of the root directory is parsed with
  tree-sitter (:mod:`faasguard.loaders.terraform.hcl`), variables are bound from defaults,
  ``terraform.tfvars``/``*.auto.tfvars`` and ``--var`` overrides (in Terraform's order of
  precedence), locals and references are evaluated lazily with cycle detection, and local
  modules (``source = "./modules/x"``) are loaded with their inputs bound and their
  addresses prefixed ``module.x.``. Remote modules are never downloaded.
- Plan/state JSON (``fmt="terraform-plan"``): :mod:`faasguard.loaders.terraform.plan`.

Both produce :class:`~faasguard.loaders.terraform.build.TfResource` records (address, type,
already-evaluated attribute dict, location) and the same model comes out.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faasguard.config import LoadOptions
from faasguard.loaders.files import UnreadableFileError, read_regular
from faasguard.loaders.terraform.build import build_app
from faasguard.loaders.terraform.hcl import (
    Attribute,
    Block,
    Body,
    HclFile,
    LineIndex,
    parse_text,
)
from faasguard.loaders.terraform.hcl_eval import Evaluator, GetAttr, GetIndex, Step
from faasguard.loaders.terraform.hcl_functions import SizeBudget
from faasguard.loaders.terraform.instances import InstancesMixin, Key, key_text
from faasguard.loaders.terraform.modules import ModuleInput, ModulesMixin
from faasguard.loaders.terraform.plan import load_plan
from faasguard.loaders.terraform.records import TfResource
from faasguard.loaders.terraform.roles import policy_document_json
from faasguard.model import App, Diagnostic, DiagnosticLevel, Location, Suppression, Unknown

MAX_TF_FILE_BYTES = 5 * 1024 * 1024

_SUPPRESSION = re.compile(
    # [ \t], not \s, after the bracket: a reason never comes from the next line
    r"(?:#|//)[ \t]*faasguard:[ \t]*ignore\[([A-Za-z0-9*,\s]+)\][ \t]*(.*?)[ \t]*(?:\*/)?$",
    re.MULTILINE,
)


def load(path: str, options: LoadOptions, *, fmt: str = "terraform") -> App:
    """Load a Terraform root module directory, or a plan/state JSON file for ``terraform-plan``.

    Never raises for bad input: syntax errors and unreadable files become error diagnostics
    with file and line, and everything else is still loaded.
    """
    if fmt == "terraform-plan":
        return load_plan(path, options)
    loader = _HclLoader(options)
    return loader.load_root(path)


# --------------------------------------------------------------------------------------
# HCL front end
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Module:
    """One instance of a module: its declarations and its evaluation state."""

    loader: _HclLoader
    directory: str
    prefix: str
    depth: int
    #: Real paths of this module's directory and its callers' (a module calling one of
    #: these is a cycle).
    lineage: tuple[str, ...] = ()
    inputs: dict[str, ModuleInput | Any] = field(default_factory=dict)
    files: list[HclFile] = field(default_factory=list)
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, Attribute] = field(default_factory=dict)
    resources: dict[str, Block] = field(default_factory=dict)
    data: dict[str, Block] = field(default_factory=dict)
    modules: dict[str, Block] = field(default_factory=dict)
    outputs: dict[str, Block] = field(default_factory=dict)
    #: Instances of module calls, by (call name, instance key or ``None``).
    children: dict[tuple[str, Key | None], _Module | None] = field(default_factory=dict)
    memo: dict[tuple[str, str], Any] = field(default_factory=dict)
    evaluator: Evaluator | None = None

    @property
    def ev(self) -> Evaluator:
        """This module's evaluator (built once the module is created)."""
        assert self.evaluator is not None
        return self.evaluator


class _HclLoader(InstancesMixin, ModulesMixin):
    def __init__(self, options: LoadOptions) -> None:
        self.options = options
        self.lines = LineIndex()
        self.diagnostics: list[Diagnostic] = []
        self.files: list[str] = []
        self.suppressions: list[Suppression] = []
        self.active: set[tuple[int, str, str]] = set()
        self.root_dir = ""
        self.budget = SizeBudget()
        self.instances = 0
        self.not_loaded: set[tuple[str, int]] = set()

    # Loading files ------------------------------------------------------------------------

    def load_root(self, path: str) -> App:
        directory = path if os.path.isdir(path) else os.path.dirname(path) or "."
        self.root_dir = directory
        name = Path(os.path.abspath(directory)).name
        root = self._new_module(directory, "", 0, {})
        tf_files = [f.path for f in root.files]
        root_file = tf_files[0] if tf_files else directory
        if not tf_files:
            self.diagnostics.append(
                Diagnostic(
                    level=DiagnosticLevel.ERROR,
                    message="no .tf file found in the Terraform directory",
                    location=Location(file=directory),
                    code="terraform-empty",
                )
            )
        records: list[TfResource] = []
        self._collect(root, records)
        if self.budget.first_excess is not None:
            file, line, reason = self.budget.first_excess
            self._diag(
                DiagnosticLevel.WARNING,
                f"{reason}: left unknown (and any value built like it)",
                file,
                line,
            )
        app = build_app(
            name=name,
            root_file=root_file,
            resources=records,
            lines=self.lines,
            files=tuple(self.files),
            diagnostics=self.diagnostics,
            suppressions=tuple(self.suppressions),
            parameters=self._parameters(root),
        )
        return app

    def _read(self, path: str) -> HclFile | None:
        try:
            if os.path.getsize(path) > MAX_TF_FILE_BYTES:
                self._diag(DiagnosticLevel.ERROR, "file too large; skipped", path, 0)
                return None
            # a regular file only: a FIFO named *.tf must not block the scan (issue 16)
            source = read_regular(path, MAX_TF_FILE_BYTES)
        except UnreadableFileError as exc:
            self._diag(DiagnosticLevel.ERROR, f"cannot read file: {exc.message}", path, 0)
            return None
        except OSError as exc:
            self._diag(DiagnosticLevel.ERROR, f"cannot read file: {exc.strerror}", path, 0)
            return None
        self.files.append(path)
        try:
            parsed = parse_text(source, path)
        except RecursionError:
            self._diag(DiagnosticLevel.ERROR, "blocks nested too deeply; skipped", path, 0)
            return None
        for error in parsed.errors:
            self.diagnostics.append(
                Diagnostic(
                    level=DiagnosticLevel.ERROR,
                    message=f"invalid HCL: {error.message}",
                    location=Location(file=path, line=error.line, column=error.column),
                    code="terraform-syntax",
                )
            )
        self._scan_suppressions(source, path)
        return parsed

    def _scan_suppressions(self, source: bytes, path: str) -> None:
        if b"faasguard" not in source:
            return
        text = source.decode("utf-8", errors="replace")
        for match in _SUPPRESSION.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            reason = match.group(2).strip().lstrip("-—:").strip()
            if not reason:
                # not applied: the engine's comment scan warns about the same comment
                continue
            for rule_id in re.split(r"[,\s]+", match.group(1).strip()):
                if rule_id:
                    self.suppressions.append(
                        Suppression(
                            rule_id=rule_id.upper(),
                            reason=reason,
                            location=Location(file=path, line=line),
                        )
                    )

    def _diag(self, level: DiagnosticLevel, message: str, file: str, line: int) -> None:
        self.diagnostics.append(
            Diagnostic(
                level=level,
                message=message,
                location=Location(file=file, line=line),
                code="terraform",
            )
        )

    def _new_module(
        self,
        directory: str,
        prefix: str,
        depth: int,
        inputs: dict[str, ModuleInput | Any],
        lineage: tuple[str, ...] = (),
    ) -> _Module:
        module = _Module(
            loader=self,
            directory=directory,
            prefix=prefix,
            depth=depth,
            lineage=(*lineage, os.path.realpath(directory)),
        )
        self.instances += 1
        module.inputs = inputs
        module.evaluator = Evaluator(
            lambda root, steps: self._resolve(module, root, steps),
            module_dir=directory,
            lines=self.lines,
            budget=self.budget,
        )
        try:
            names = sorted(n for n in os.listdir(directory) if n.endswith(".tf"))
        except OSError as exc:
            self._diag(DiagnosticLevel.ERROR, f"cannot list module: {exc.strerror}", directory, 0)
            names = []
        for file_name in names:
            path = os.path.join(directory, file_name)
            if not os.path.isfile(path):
                continue
            parsed = self._read(path)
            if parsed is not None:
                module.files.append(parsed)
                self._declare(module, parsed.body)
        if depth == 0:
            self._load_tfvars(module)
        return module

    def _declare(self, module: _Module, body: Body) -> None:
        for block in body.blocks:
            labels = block.labels
            if block.type == "resource" and len(labels) >= 2:
                module.resources.setdefault(f"{labels[0]}.{labels[1]}", block)
            elif block.type == "data" and len(labels) >= 2:
                module.data.setdefault(f"data.{labels[0]}.{labels[1]}", block)
            elif block.type == "variable" and labels:
                module.variables.setdefault(labels[0], block)
            elif block.type == "locals":
                module.locals.update(block.body.attributes)
            elif block.type == "module" and labels:
                module.modules.setdefault(labels[0], block)
            elif block.type == "output" and labels:
                module.outputs.setdefault(labels[0], block)

    # Variables --------------------------------------------------------------------------

    def _load_tfvars(self, module: _Module) -> None:
        # Terraform's automatic files, in its order: later files override earlier ones.
        try:
            names = sorted(os.listdir(module.directory))
        except OSError:
            return
        ordered: list[str] = [
            n for n in ("terraform.tfvars", "terraform.tfvars.json") if n in names
        ]
        ordered += [n for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json"))]
        others = [n for n in names if n.endswith(".tfvars") and n not in ordered]
        values: dict[str, Any] = {}
        for file_name in ordered:
            path = os.path.join(module.directory, file_name)
            if file_name.endswith(".json"):
                values.update(self._tfvars_json(path))
                continue
            parsed = self._read(path)
            if parsed is None:
                continue
            evaluator = Evaluator(
                lambda root, steps: (Unknown(expression=root, reason="not allowed in tfvars"), 0),
                module_dir=module.directory,
                lines=self.lines,
            )
            for attribute in parsed.body.attributes.values():
                values[attribute.name] = evaluator.evaluate(attribute.expr, attribute.file)
        if others:
            self._diag(
                DiagnosticLevel.INFO,
                "variable files not loaded automatically by Terraform were not applied: "
                + ", ".join(others)
                + " (pass their values with --var NAME=VALUE)",
                os.path.join(module.directory, others[0]),
                0,
            )
        for name, value in values.items():
            module.inputs[name] = value
        for name, text in self.options.variables.items():
            module.inputs[name] = self._option_value(module, name, text)

    def _tfvars_json(self, path: str) -> dict[str, Any]:
        try:
            data = json.loads(read_regular(path).decode("utf-8"))
        except UnreadableFileError as exc:
            self._diag(DiagnosticLevel.ERROR, f"cannot read file: {exc.message}", path, 0)
            return {}
        except (OSError, ValueError, RecursionError) as exc:
            self._diag(DiagnosticLevel.ERROR, f"invalid tfvars JSON: {exc}", path, 0)
            return {}
        self.files.append(path)
        return data if isinstance(data, dict) else {}

    def _option_value(self, module: _Module, name: str, text: str) -> Any:
        # ``--var`` values are strings, as on Terraform's command line; a typed variable
        # gets its value parsed the way Terraform parses ``-var`` for non-string types.
        block = module.variables.get(name)
        declared = block.body.attributes.get("type") if block is not None else None
        type_text = ""
        if declared is not None and declared.expr is not None and declared.expr.text:
            type_text = declared.expr.text.decode("utf-8", errors="replace").strip()
        if not type_text or type_text == "string":
            return text
        parsed = parse_text(f"v = {text}\n".encode(), "<--var>")
        attribute = parsed.body.attributes.get("v")
        if parsed.errors or attribute is None:
            return text
        evaluator = Evaluator(
            lambda root, steps: (Unknown(expression=root), 0),
            module_dir=module.directory,
            lines=self.lines,
        )
        return evaluator.evaluate(attribute.expr, "<--var>")

    def _variable(self, module: _Module, name: str) -> Any:
        if name in module.inputs:
            given = module.inputs[name]
            if isinstance(given, ModuleInput):
                return self._guarded(
                    module,
                    "input",
                    name,
                    given.evaluate,
                )
            return given
        block = module.variables.get(name)
        if block is not None and "default" in block.body.attributes:
            default = block.body.attributes["default"]
            return self._guarded(
                module, "var", name, lambda: module.ev.evaluate(default.expr, default.file)
            )
        return Unknown(expression=f"var.{name}", reason="variable without a value")

    # References ---------------------------------------------------------------------------

    def _guarded(self, module: _Module, kind: str, name: str, compute: Any) -> Any:
        key = (kind, name)
        if key in module.memo:
            return module.memo[key]
        marker = (id(module), kind, name)
        if marker in self.active:
            return Unknown(expression=f"{kind}.{name}", reason="reference cycle")
        self.active.add(marker)
        try:
            value = compute()
        finally:
            self.active.discard(marker)
        module.memo[key] = value
        return value

    def _resolve(self, module: _Module, root: str, steps: list[Step]) -> tuple[Any, int]:
        first = steps[0] if steps else None
        first_name = first.name if isinstance(first, GetAttr) else None
        if root == "var" and first_name is not None:
            return self._variable(module, first_name), 1
        if root == "local" and first_name is not None:
            attribute = module.locals.get(first_name)
            if attribute is None:
                return Unknown(expression=f"local.{first_name}", reason="undefined local"), 1
            value = self._guarded(
                module,
                "local",
                first_name,
                lambda: module.ev.evaluate(attribute.expr, attribute.file),
            )
            return value, 1
        if root == "path" and first_name is not None:
            # Absolute, so "${path.module}/../src" stays right when later joined with the
            # module directory (Terraform's own values are relative to the working dir).
            if first_name == "module":
                return os.path.abspath(module.directory), 1
            return os.path.abspath(self.root_dir), 1
        if root == "data" and first_name is not None and len(steps) >= 2:
            second = steps[1]
            if isinstance(second, GetAttr):
                return self._resource_ref(
                    module, f"data.{first_name}.{second.name}", module.data, steps[2:], 2
                )
        if root == "module" and first_name is not None:
            return self._module_ref(module, first_name, steps[1:])
        if root in ("count", "each", "self", "terraform") or not steps:
            text = root + "".join(_step_text(s) for s in steps)
            return Unknown(expression=text, reason="not known before apply"), len(steps)
        if first_name is not None and "_" in root:
            return self._resource_ref(
                module, f"{root}.{first_name}", module.resources, steps[1:], 1
            )
        text = root + "".join(_step_text(s) for s in steps)
        return Unknown(expression=text, reason="unsupported reference"), len(steps)

    def _resource_ref(
        self,
        module: _Module,
        address: str,
        table: dict[str, Block],
        rest: list[Step],
        consumed: int,
    ) -> tuple[Any, int]:
        block = table.get(address)
        if not rest and block is not None:
            whole = self._expansion(module, address, block)
            if whole is not None and whole.instances is not None:
                # ``for_each = aws_iam_role.fn``: a map of the instances, by key.
                return {
                    str(key): self._instance_values(module, address, block, key, env)
                    for key, env in whole.instances.items()
                }, consumed
        if rest and isinstance(rest[0], GetIndex) and block is not None:
            env = self._instance_env(module, address, block, rest[0].key)
            if env is not None:
                return self._instance_ref(module, address, block, env, rest[0].key, rest[1:]), (
                    consumed + 2 if len(rest) > 1 else consumed + 1
                )
        # The instance key of a count/for_each resource that is not expanded: one instance.
        while rest and isinstance(rest[0], GetIndex):
            rest = rest[1:]
            consumed += 1
        full = module.prefix + address
        if not rest:
            return Unknown(expression=full, reason="reference to a whole resource"), consumed
        attr = rest[0]
        assert isinstance(attr, GetAttr)
        consumed += 1
        if block is None:
            return Unknown(expression=f"{full}.{attr.name}", reason="undeclared"), consumed
        if address.startswith("data.aws_iam_policy_document.") and attr.name in (
            "json",
            "minified_json",
        ):
            values = self._body_values(module, "res:" + address, block)
            if isinstance(values, Unknown):
                # The document is being built: it refers to itself.
                self._diag(
                    DiagnosticLevel.WARNING,
                    f"{full} refers to its own {attr.name}: that reference is left unknown",
                    block.file,
                    block.line,
                )
                return Unknown(expression=f"{full}.{attr.name}", reason=values.reason), consumed
            return self._guarded(
                module, "policy-json", address, lambda: policy_document_json(values, self.lines)
            ), consumed
        if attr.name in block.body.attributes:
            return self._attribute(module, address, block.body.attributes[attr.name]), consumed
        nested = block.body.blocks_of(attr.name)
        if nested:
            return self._block_list(module, address, attr.name, nested), consumed
        return Unknown(expression=f"{full}.{attr.name}", reason="computed attribute"), consumed

    def _attribute(self, module: _Module, owner: str, attribute: Attribute) -> Any:
        return self._guarded(
            module,
            f"attr:{owner}",
            attribute.name,
            lambda: module.ev.evaluate(attribute.expr, attribute.file),
        )

    def _block_list(
        self, module: _Module, owner: str, block_type: str, blocks: list[Block]
    ) -> list[Any]:
        value: list[Any] = self._guarded(
            module,
            f"blocks:{owner}",
            block_type,
            lambda: self._evaluate_blocks(module, owner, blocks),
        )
        return value

    def _evaluate_blocks(
        self,
        module: _Module,
        owner: str,
        blocks: list[Block],
        env: dict[str, Any] | None = None,
    ) -> list[Any]:
        result: list[Any] = []
        for index, block in enumerate(blocks):
            values = self._plain_body(module, block.body, env)
            self.lines.record(result, index, block.file, block.line)
            result.append(values)
        return result

    def _plain_body(
        self, module: _Module, body: Body, env: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for attribute in body.attributes.values():
            values[attribute.name] = module.ev.evaluate(attribute.expr, attribute.file, env)
            self.lines.record(values, attribute.name, attribute.file, attribute.line)
        self._nested_blocks(module, body, values, owner=None, env=env)
        return values

    def _nested_blocks(
        self,
        module: _Module,
        body: Body,
        values: dict[str, Any],
        owner: str | None,
        env: dict[str, Any] | None = None,
    ) -> None:
        grouped: dict[str, list[Block]] = {}
        dynamic: list[str] = []
        for block in body.blocks:
            if block.type == "dynamic" and block.labels:
                dynamic.append(block.labels[0])
                continue
            if block.type in ("lifecycle", "provisioner", "connection"):
                continue
            grouped.setdefault(block.type, []).append(block)
        for block_type, blocks in grouped.items():
            if owner is not None:
                values[block_type] = self._block_list(module, owner, block_type, blocks)
            else:
                values[block_type] = self._evaluate_blocks(module, "", blocks, env)
            self.lines.record(values, block_type, blocks[0].file, blocks[0].line)
        if dynamic:
            values["__dynamic__"] = dynamic

    def _body_values(self, module: _Module, owner: str, block: Block) -> dict[str, Any] | Unknown:
        """The evaluated arguments of a block, or an Unknown while they are being evaluated."""

        def compute() -> dict[str, Any]:
            values: dict[str, Any] = {}
            for attribute in block.body.attributes.values():
                values[attribute.name] = self._attribute(module, owner[4:], attribute)
                self.lines.record(values, attribute.name, attribute.file, attribute.line)
            self._nested_blocks(module, block.body, values, owner=owner[4:])
            return values

        value: dict[str, Any] | Unknown = self._guarded(module, "body", owner, compute)
        return value

    # Records ----------------------------------------------------------------------------

    def _collect(self, module: _Module, records: list[TfResource]) -> None:
        for mode, table in (("managed", module.resources), ("data", module.data)):
            for address, block in table.items():
                expansion = self._expansion(module, address, block)
                if expansion is None or expansion.instances is None:
                    records.append(self._record(module, address, block, mode))
                    if expansion is not None:
                        self._unexpanded(module, address, block, expansion.reason)
                    continue
                for key, env in expansion.instances.items():
                    records.append(self._record(module, address, block, mode, key, env))
        for name in module.modules:
            for child in self._module_instances(module, name):
                self._collect(child, records)

    def _record(
        self,
        module: _Module,
        address: str,
        block: Block,
        mode: str,
        key: Key | None = None,
        env: dict[str, Any] | None = None,
    ) -> TfResource:
        notes: dict[str, Any] = {}
        if env is not None and key is not None:
            values = self._instance_values(module, address, block, key, env)
            address += key_text(key)
        else:
            evaluated = self._body_values(module, "res:" + address, block)
            values = evaluated if isinstance(evaluated, dict) else {}
            for meta in ("count", "for_each"):
                if meta in block.body.attributes:
                    notes[meta] = "one instance analysed"
        resource_type = block.labels[0]
        return TfResource(
            address=module.prefix + address,
            type=resource_type,
            name=block.labels[1],
            mode=mode,
            values=values,
            location=Location(
                file=block.file,
                line=block.line,
                column=block.column,
                pointer=module.prefix + address,
            ),
            module_dir=module.directory,
            notes=notes,
        )

    def _parameters(self, root: _Module) -> dict[str, Any]:
        return {name: self._variable(root, name) for name in sorted(root.variables)}


def _step_text(step: Step) -> str:
    if isinstance(step, GetAttr):
        return f".{step.name}"
    key = step.key
    return f"[{json.dumps(key) if isinstance(key, str) else key}]"


class TerraformLoader:
    """The :class:`~faasguard.loaders.base.Loader` of Terraform HCL and plan/state JSON."""

    formats = frozenset({"terraform", "terraform-plan"})

    def load(self, path: str, options: LoadOptions, *, fmt: str) -> App:
        """See :func:`load`."""
        return load(path, options, fmt=fmt)

    def warm_up(self) -> None:
        """Nothing to prepare: the tree-sitter parser is built on first use per process."""


LOADER = TerraformLoader()
