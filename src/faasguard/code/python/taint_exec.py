"""The statement and expression half of the Python taint engine, and the program it runs
over (the modules of one code directory and the summaries of their functions)."""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Self

from faasguard.code.modules import installed_packages, resolve_python_import
from faasguard.code.python.index import ClassTable, parse_imports, parse_module
from faasguard.code.python.taint_calls import Calls
from faasguard.code.python.taint_values import (
    ALL,
    CLEAN,
    FIXED_HOST,
    MAX_SUMMARIES,
    ClassInfo,
    Frame,
    FuncInfo,
    Label,
    ProgramView,
    Summary,
    TaintModule,
    Val,
    access_value,
    clean_value,
    dedupe,
    derived,
    field_key,
    iterate_value,
    join,
    join_all,
    key_chain,
    narrow_key,
    node_location,
    param_names,
    taint_of,
    with_step,
)
from faasguard.code.python.web import request_taint
from faasguard.code.taint.base import (
    ANY_ITEM,
    ANY_KEY,
    TaintStep,
)
from faasguard.code.taint.spec import LanguageSpec, language_spec
from faasguard.code.values import Gap
from faasguard.model import Location

# ---------------------------------------------------------------------------- execution


#: Types whose values cannot carry an injection (numbers and booleans).
_SCALARS = frozenset({"int", "float", "bool", "complex", "Decimal", "decimal.Decimal"})


def _scalar_types(node: ast.expr) -> bool:
    """Whether ``node`` (the second argument of ``isinstance``) names only scalar types."""
    if isinstance(node, ast.Tuple):
        return bool(node.elts) and all(_scalar_types(e) for e in node.elts)
    if isinstance(node, ast.Name):
        return node.id in _SCALARS
    return isinstance(node, ast.Attribute) and ast.unparse(node) in _SCALARS


def _is_type_call(node: ast.expr) -> bool:
    """``type(x)``."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "type"
        and len(node.args) == 1
    )


class Exec(Calls):
    """Evaluates one function body (or module body) over abstract values."""

    def __init__(self, program: ProgramView, frame: Frame, env: dict[str, Val]) -> None:
        self.p = program
        self.frame = frame
        self.module = frame.module
        self.env = env

    # ------------------------------------------------------------------ names

    def lookup(self, name: str) -> Val | None:
        """The value of ``name``: local, then module global (``None``: unbound/builtin)."""
        found = self.env.get(name)
        if found is not None:
            return found
        return self.module.globals.get(name)

    def loc(self, node: ast.AST) -> Location:
        """Where ``node`` is."""
        return node_location(self.module, node)

    def step(self, node: ast.AST, message: str) -> TaintStep:
        """A trace step at ``node``."""
        return TaintStep(location=self.loc(node), message=message)

    # ------------------------------------------------------------------ statements

    def block(self, body: Sequence[ast.stmt]) -> bool:
        """Run ``body``; True when it always leaves (the rest of the block is unreachable)."""
        # A plain loop, not any(): statements must run one by one until one leaves.
        for stmt in body:  # noqa: SIM110 - see above
            if self.stmt(stmt):
                return True
        return False

    def fork(self) -> Self:
        """A copy of this evaluation for one branch."""
        return type(self)(self.p, self.frame, dict(self.env))

    def merge(self, *branches: Exec) -> None:
        """Join the environments of ``branches`` into this one."""
        names = {n for b in branches for n in b.env}
        for name in names:
            values = [b.env.get(name, CLEAN) for b in branches]
            self.env[name] = join_all(values)

    def stmt(self, node: ast.stmt) -> bool:  # noqa: C901 - over the limit before it came in; may only shrink
        """Run one statement; True when it always leaves the block."""
        if isinstance(node, ast.Expr):
            self.eval(node.value)
        elif isinstance(node, ast.Assign):
            value = self.eval(node.value)
            for target in node.targets:
                self.assign(target, value, node.value)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.assign(node.target, self.eval(node.value), node.value)
        elif isinstance(node, ast.AugAssign):
            current = self.eval(node.target) if isinstance(node.target, ast.Name) else CLEAN
            self.assign(node.target, self.binop(current, self.eval(node.value), node.op), None)
        elif isinstance(node, ast.Return):
            if node.value is not None and self.frame.func is not None:
                value = self.eval(node.value)
                value = with_step(value, self.step(node, f"returned by {self.frame.name}()"))
                self.frame.summary.returns = join(self.frame.summary.returns, value)
            return True
        elif isinstance(node, ast.Raise):
            if node.exc is not None:
                self.eval(node.exc)
            return True
        elif isinstance(node, ast.Continue | ast.Break):
            return True
        elif isinstance(node, ast.If):
            return self.if_(node.test, node.body, node.orelse)
        elif isinstance(node, ast.For | ast.AsyncFor):
            self.loop(node.body, node.orelse, node.target, node.iter)
        elif isinstance(node, ast.While):
            self.loop(node.body, node.orelse, None, node.test)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                value = self.eval(item.context_expr)
                if item.optional_vars is not None:
                    self.assign(item.optional_vars, value, item.context_expr)
            return self.block(node.body)
        elif isinstance(node, ast.Try | ast.TryStar):
            self.try_(node)
        elif isinstance(node, ast.Assert):
            self.narrow(node.test, truth=True)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            self.env.update(self.p.import_value(self.module, node))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self.define_function(node, None)
        elif isinstance(node, ast.ClassDef):
            self.define_class(node)
        elif isinstance(node, ast.Match):
            subject = self.eval(node.subject)
            branches = []
            for case in node.cases:
                branch = self.fork()
                for name_node in ast.walk(case.pattern):
                    name = getattr(name_node, "name", None)
                    if isinstance(name, str):
                        branch.env[name] = subject
                branch.block(case.body)
                branches.append(branch)
            self.merge(self, *branches)
        return False

    def if_(self, test: ast.expr, body: list[ast.stmt], orelse: list[ast.stmt]) -> bool:
        """Both branches, each with the condition's narrowing; the continuing env after."""
        self.eval(test)
        then, other = self.fork(), self.fork()
        then.narrow(test, truth=True)
        other.narrow(test, truth=False)
        then_leaves = then.block(body)
        other_leaves = other.block(orelse)
        if then_leaves and other_leaves:
            self.env = then.env
            return True
        if then_leaves:
            self.env = other.env
        elif other_leaves:
            self.env = then.env
        else:
            self.env = {}
            self.merge(then, other)
        return False

    def loop(
        self,
        body: list[ast.stmt],
        orelse: list[ast.stmt],
        target: ast.expr | None,
        iterable: ast.expr,
    ) -> None:
        """Run the loop body twice (loop-carried taint), then join with "never ran"."""
        before = self.fork()
        source = self.eval(iterable)
        current = self.fork()
        for _ in range(2):
            if target is not None:
                current.assign(target, iterate_value(source, self.loc(iterable)), iterable)
            current.block(body)
            joined = self.fork()
            joined.merge(joined, current)
            current = joined
        self.merge(before, current)
        self.block(orelse)

    def try_(self, node: ast.Try | ast.TryStar) -> None:
        """Body, then every handler from the joined state, then ``else`` and ``finally``."""
        before = self.fork()
        body = self.fork()
        body_leaves = body.block(node.body)
        branches = [] if body_leaves else [body]
        for handler in node.handlers:
            branch = self.fork()
            branch.merge(before, body)
            if handler.name:
                branch.env[handler.name] = CLEAN
            if not branch.block(handler.body):
                branches.append(branch)
        if not body_leaves and node.orelse:
            body.block(node.orelse)
        self.env = {}
        self.merge(*(branches or [body]))
        self.block(node.finalbody)

    # ------------------------------------------------------------------ definitions

    def define_function(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, klass: str | None
    ) -> str:
        """Register a function (or method) and bind its name."""
        owner = self.frame.func.key + ".<locals>." if self.frame.func else ""
        prefix = f"{klass}." if klass else f"{self.module.key}::{owner}"
        key = f"{prefix}{node.name}"
        static = any(
            isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod")
            for d in node.decorator_list
        )
        self.p.funcs[key] = FuncInfo(
            key=key, name=node.name, module=self.module, node=node, klass=klass, is_static=static
        )
        if klass is None:
            self.env[node.name] = Val(funcs=(key,))
        return key

    def define_class(self, node: ast.ClassDef) -> None:
        """Register a class: its methods and class-level constants."""
        key = f"{self.module.key}::{node.name}"
        info = ClassInfo(key=key, name=node.name, module=self.module)
        info.bases = [self.eval(b) for b in node.bases]
        info.is_model = any(
            t.startswith("pydantic.") or t.endswith("BaseModel")
            for b in info.bases
            for t in b.types
        ) or any(self.p.classes.get(b.klass or "", info).is_model for b in info.bases if b.klass)
        self.p.classes[key] = info
        self.p.class_table.define(key, (b.klass for b in info.bases if b.klass))
        for stmt in node.body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                self.p.class_table.add_method(key, stmt.name, self.define_function(stmt, key))
            elif isinstance(stmt, ast.Assign):
                value = self.eval(stmt.value)
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        info.attrs[target.id] = value
        self.env[node.name] = Val(klass=key)

    def method_of(self, klass: str, name: str) -> str | None:
        """The method ``name`` of ``klass`` or of a base class defined in the code."""
        return self.p.class_table.method_of(klass, name)

    # ------------------------------------------------------------------ assignment

    def assign(self, target: ast.expr, value: Val, source: ast.expr | None) -> None:
        """Bind ``value`` to ``target`` (names, unpacking, attributes, subscripts)."""
        if isinstance(target, ast.Name):
            self.env[target.id] = with_step(value, self.step(target, f"assigned to {target.id}"))
        elif isinstance(target, ast.Tuple | ast.List):
            elements = (
                source.elts
                if isinstance(source, ast.Tuple | ast.List) and len(source.elts) == len(target.elts)
                else None
            )
            for index, item in enumerate(target.elts):
                element = item.value if isinstance(item, ast.Starred) else item
                if elements is not None and not isinstance(elements[index], ast.Starred):
                    self.assign(element, self.eval(elements[index]), elements[index])
                else:
                    self.assign(element, value, None)
        elif isinstance(target, ast.Attribute):
            stepped = with_step(value, self.step(target, f"stored in .{target.attr}"))
            self.store_field(target.value, target.attr, stepped)
        elif isinstance(target, ast.Subscript):
            key = field_key(target.slice)
            stepped = with_step(value, self.step(target, "stored in a container"))
            # ``x[-1] = v`` may be any index: stored as an unknown key, not a known field.
            known = key is not None and key != ANY_ITEM
            self.store_field(target.value, key if key is not None and known else ANY_KEY, stepped)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, value, None)

    def store_field(self, owner: ast.expr, name: str, value: Val) -> None:
        """``owner.name = value`` / ``owner[name] = value`` on a local name (or ``self``)."""
        if not isinstance(owner, ast.Name):
            return
        current = self.lookup(owner.id) or CLEAN
        is_self = (
            self.frame.func is not None
            and self.frame.func.klass is not None
            and param_names(self.frame.func.node)[:1] == [owner.id]
        )
        if is_self and name != ANY_KEY:
            fields = self.frame.summary.self_fields
            fields[name] = join(fields[name], value) if name in fields else value
        if name == ANY_KEY:
            extra = derived(value)
            fields_any = current.fields
            if fields_any is not None and extra:
                # ``d[k] = v`` with an unknown ``k`` may overwrite any known entry.
                fields_any = tuple((k, join(v, Val(labels=extra))) for k, v in fields_any)
            updated = replace(current, labels=dedupe((*current.labels, *extra)), fields=fields_any)
        else:
            fields_now = dict(current.fields or ())
            fields_now[name] = value
            updated = replace(current, fields=tuple(fields_now.items()))
        self.env[owner.id] = updated

    # ------------------------------------------------------------------ narrowing

    def narrow(self, test: ast.expr, *, truth: bool) -> None:
        """Clean what ``test`` being ``truth`` proves safe (allow-lists, casts, prefixes)."""
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            self.narrow(test.operand, truth=not truth)
            return
        if isinstance(test, ast.BoolOp):
            if isinstance(test.op, ast.And) and truth:
                for value in test.values:
                    self.narrow(value, truth=True)
            elif isinstance(test.op, ast.Or) and not truth:
                for value in test.values:
                    self.narrow(value, truth=False)
            return
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            op, right = test.ops[0], test.comparators[0]
            positive = isinstance(op, ast.In | ast.Eq | ast.Is)
            negative = isinstance(op, ast.NotIn | ast.NotEq | ast.IsNot)
            if (positive and truth) or (negative and not truth):
                comparator = self.eval(right)
                is_none = isinstance(right, ast.Constant) and right.value is None
                left = test.left
                if _is_type_call(left):
                    # ``type(x) is int`` proves x a number; ``type(x) == str`` nothing.
                    assert isinstance(left, ast.Call)
                    if _scalar_types(right):
                        self.clean_name(left.args[0], (ALL,))
                    return
                # ``x in ALLOWED`` / ``x == "csv"``: x can only be one of the listed values.
                if not taint_of(comparator) and not is_none:
                    self.clean_name(left, (ALL,))
            return
        if isinstance(test, ast.Call) and truth:
            self.narrow_call(test)

    def narrow_call(self, test: ast.Call) -> None:
        """``re.fullmatch(P, x)``, ``x.isdigit()``, ``isinstance(x, int)``,
        ``path.startswith(BASE)`` on a normalised path."""
        func = test.func
        if isinstance(func, ast.Attribute):
            method = func.attr
            if method in ("isdigit", "isdecimal", "isnumeric", "isalnum", "isalpha"):
                self.clean_name(func.value, (ALL,))
                return
            if method == "startswith":
                owner = self.eval(func.value)
                if any(lab.normalized for lab in owner.labels):
                    self.clean_name(func.value, ("path-traversal",))
                return
        quals = self.callee_names(func)
        if quals & self.p.spec.regex_validators:
            receiver = self.eval(func.value) if isinstance(func, ast.Attribute) else CLEAN
            pattern = receiver.const if "re.compile()" in receiver.types else None
            target_index = 0 if pattern is not None else 1
            if pattern is None and test.args:
                pattern = self.eval(test.args[0]).const
            full = any(q.endswith("fullmatch") for q in quals)
            if (
                pattern is not None
                and (full or pattern.endswith(("$", r"\Z")))
                and len(test.args) > target_index
            ):
                self.clean_name(test.args[target_index], (ALL,))
            return
        # Only a number or a boolean carries nothing: ``isinstance(x, str)`` proves nothing
        # about what the string holds.
        if (
            isinstance(func, ast.Name)
            and func.id == "isinstance"
            and len(test.args) == 2
            and _scalar_types(test.args[1])
        ):
            self.clean_name(test.args[0], (ALL,))

    def clean_name(self, node: ast.expr, families: Iterable[str]) -> None:
        """Sanitise what ``node`` names: a variable, or a constant key below one
        (``job["name"]``, ``event["Records"][0]["body"]``, ``job.get("name")``)."""
        chain = key_chain(node)
        if chain is not None:
            name, keys = chain
            current = self.lookup(name)
            if current is not None:
                self.env[name] = narrow_key(current, keys, frozenset(families), self.loc(node))
            return
        if isinstance(node, ast.Name):
            current = self.lookup(node.id)
            if current is not None:
                self.env[node.id] = clean_value(current, families)
        elif isinstance(node, ast.Attribute):
            # ``urlparse(url).hostname in ALLOWED_HOSTS`` vouches for ``url``.
            if isinstance(node.value, ast.Call):
                self.clean_name(node.value, families)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
            # ``if int(x) > 0`` proves nothing, but ``str(x) in ALLOWED`` cleans ``x``.
            if node.func.id in ("str", "urlparse", "urlsplit"):
                self.clean_name(node.args[0], families)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("lower", "upper", "strip", "casefold"):
                self.clean_name(node.func.value, families)
            elif node.func.attr in ("urlparse", "urlsplit") and node.args:
                self.clean_name(node.args[0], families)

    # ------------------------------------------------------------------ expressions

    def eval(self, node: ast.expr) -> Val:  # noqa: C901 - over the limit before it came in; may only shrink
        """The abstract value of ``node`` (records sinks met on the way)."""
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return Val(const=node.value, prefix=node.value)
            if isinstance(node.value, bool):
                return Val(boolean=node.value)
            return CLEAN
        if isinstance(node, ast.Name):
            found = self.lookup(node.id)
            if found is None:
                return Val(types=(node.id,))
            return request_taint(found, self.loc(node)) if found.types else found
        if isinstance(node, ast.Attribute):
            return self.attribute(self.eval(node.value), node.attr, node)
        if isinstance(node, ast.Subscript):
            base = self.eval(node.value)
            if isinstance(node.slice, ast.Slice):
                return Val(labels=derived(base))
            key = field_key(node.slice)
            self.eval(node.slice)
            return access_value(base, key if key is not None else ANY_KEY, self.loc(node))
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.JoinedStr):
            return self.fstring(node)
        if isinstance(node, ast.FormattedValue):
            return Val(labels=derived(self.eval(node.value)))
        if isinstance(node, ast.BinOp):
            return self.binop(self.eval(node.left), self.eval(node.right), node.op)
        if isinstance(node, ast.BoolOp):
            return join_all(self.eval(v) for v in node.values)
        if isinstance(node, ast.IfExp):
            self.eval(node.test)
            then, other = self.fork(), self.fork()
            then.narrow(node.test, truth=True)
            other.narrow(node.test, truth=False)
            return join(then.eval(node.body), other.eval(node.orelse))
        if isinstance(node, ast.Dict):
            return self.dict_(node)
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            elements = [self.eval(e) for e in node.elts]
            head = elements[0].labels if elements and not isinstance(node, ast.Set) else None
            labels = dedupe(lab for e in elements for lab in taint_of(e))
            return Val(labels=labels, head=head)
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            return self.comprehension(node)
        if isinstance(node, ast.Await | ast.Starred):
            return self.eval(node.value)
        if isinstance(node, ast.NamedExpr):
            value = self.eval(node.value)
            self.assign(node.target, value, node.value)
            return value
        if isinstance(node, ast.Compare):
            self.eval(node.left)
            for comparator in node.comparators:
                self.eval(comparator)
            return CLEAN
        if isinstance(node, ast.UnaryOp):
            self.eval(node.operand)
            return CLEAN
        return CLEAN

    def attribute(self, base: Val, name: str, node: ast.expr) -> Val:
        """``base.name``: a module member, an instance field, a class attribute, or the
        taint path extended."""
        if base.module is not None:
            module = self.p.modules.get(base.module) or self.p.module(Path(base.module))
            if module is not None:
                member = module.globals.get(name)
                if member is not None:
                    return member
                sub = resolve_python_import(self.p.root, module.path, None, 1, name)
                if sub is not None and module.path.name == "__init__.py":
                    return Val(module=str(sub))
            return CLEAN
        known = base.field(name)
        if known is not None:
            return known
        for klass in (base.inst, base.klass):
            if klass is None:
                continue
            info = self.p.classes.get(klass)
            if info is not None and name in info.attrs:
                return info.attrs[name]
        types = tuple(f"{t}.{name}" for t in base.types)
        value = replace(access_value(replace(base, fields=None), name, self.loc(node)), types=types)
        return request_taint(value, self.loc(node)) if types else value

    def fstring(self, node: ast.JoinedStr) -> Val:
        """An f-string: taint of its parts; a constant beginning that fixes a URL host
        (``f"https://api.example.com/{x}"``) marks everything after it."""
        known: str | None = ""  # the constant text so far (None after an unknown part)
        fixed = False
        labels: list[Label] = []
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                if known is not None:
                    known += part.value
                    fixed = fixed or bool(FIXED_HOST.match(known))
                continue
            value = self.eval(part.value if isinstance(part, ast.FormattedValue) else part)
            labels.extend(derived(value, host_fixed=fixed))
            if known is not None and value.const is not None:
                known += value.const
            else:
                prefix = known if known is not None else ""
                known = None
                del prefix
        if known is not None:
            return Val(labels=dedupe(labels), const=known, prefix=known)
        first_unknown = ""
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                first_unknown += part.value
            else:
                break
        return Val(labels=dedupe(labels), prefix=first_unknown)

    def binop(self, left: Val, right: Val, op: ast.operator) -> Val:
        """``+`` concatenates, ``%`` formats: the result carries both sides' taint."""
        if isinstance(op, ast.Add | ast.Mod):
            known = left.const if left.const is not None else left.prefix
            if isinstance(op, ast.Mod) and left.const is not None:
                known = left.const.split("%", 1)[0]
            fixed = bool(known and FIXED_HOST.match(known))
            labels = dedupe((*derived(left), *derived(right, host_fixed=fixed)))
            const = None
            if isinstance(op, ast.Add) and left.const is not None and right.const is not None:
                const = left.const + right.const
            prefix = left.const + right.prefix if left.const is not None else left.prefix
            if isinstance(op, ast.Mod):
                prefix = known or ""
            head = None
            if left.head is not None:
                head = left.head
            return Val(labels=labels, const=const, prefix=prefix, head=head)
        return Val(labels=dedupe((*derived(left), *derived(right))))

    def dict_(self, node: ast.Dict) -> Val:
        """A dict literal: known fields; a response ``headers`` entry is checked for a
        tainted ``Location`` (open redirect)."""
        fields: dict[str, Val] = {}
        extra: list[Label] = []
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            value = self.eval(value_node)
            if key_node is None:
                extra.extend(taint_of(value))
                fields.update(value.fields or ())
                continue
            key = self.eval(key_node).const
            if key is None:
                extra.extend(taint_of(value))
                continue
            fields[key] = value
            if key.lower() in ("headers", "multivalueheaders"):
                self.check_headers(value, value_node)
        return Val(labels=dedupe(extra), fields=tuple(fields.items()))


class Program:
    """The modules of one code directory and the summaries of their functions."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.spec: LanguageSpec = language_spec("python")
        self.modules: dict[str, TaintModule] = {}
        self.funcs: dict[str, FuncInfo] = {}
        self.classes: dict[str, ClassInfo] = {}
        self.class_table = ClassTable()
        self.summaries: dict[str, Summary] = {}
        self.in_progress: set[str] = set()
        self.gaps: list[Gap] = []

    # ------------------------------------------------------------------ modules

    def module(self, path: Path) -> TaintModule | None:
        """The module at ``path``, its top level evaluated (imports, defs, constants)."""
        key = str(path)
        found = self.modules.get(key)
        if found is not None:
            return found
        parsed = parse_module(path)
        if isinstance(parsed, Gap):
            self.gaps.append(parsed)
            return None
        module = TaintModule(key=key, path=path, parsed=parsed)
        self.modules[key] = module
        frame = Frame(None, module)
        env: dict[str, Val] = module.globals
        try:
            Exec(self, frame, env).block(parsed.tree.body)
        except RecursionError:
            self.gaps.append(Gap("module too deeply nested to analyse", key))
        module.loaded = True
        return module

    def import_value(
        self, module: TaintModule, stmt: ast.Import | ast.ImportFrom
    ) -> dict[str, Val]:
        """The values an import statement binds (local modules, or external names)."""
        out: dict[str, Val] = {}
        for imp in parse_imports(stmt):
            if imp.level == 0 and imp.module.split(".")[0] in self.external_packages:
                qual = f"{imp.module}.{imp.name}" if imp.name else imp.module
                out[imp.local] = Val(types=(qual,))
                continue
            if isinstance(stmt, ast.Import):
                target = resolve_python_import(self.root, module.path, imp.module, 0)
                if target is not None and imp.module.split(".")[0] == imp.local:
                    out[imp.local] = Val(module=str(target))
                else:
                    out[imp.local] = Val(types=(imp.module,))
                continue
            assert imp.name is not None
            sub = resolve_python_import(self.root, module.path, imp.module, imp.level, imp.name)
            if sub is not None:
                out[imp.local] = Val(module=str(sub))
                continue
            target = resolve_python_import(self.root, module.path, imp.module, imp.level)
            if target is not None:
                other = self.module(target)
                value = other.globals.get(imp.name) if other is not None else None
                out[imp.local] = value if value is not None else CLEAN
            elif imp.level == 0:
                out[imp.local] = Val(types=(f"{imp.module}.{imp.name}",))
            else:
                out[imp.local] = CLEAN
        return out

    @functools.cached_property
    def external_packages(self) -> frozenset[str]:
        """Top-level packages treated as libraries even when their files are in the code
        directory (``pip install -t .`` vendors them next to the handler): those installed
        there with a ``*.dist-info``/``*.egg-info`` record, and those the spec names (so
        ``requests.get`` stays the sink, not requests' own code)."""
        names: set[str] = set()
        spec = self.spec
        for callee in (*spec.sinks_by_callee, *spec.sanitize_all, *spec.parsers, *spec.decoders):
            if "." in callee and not callee.startswith("*"):
                names.add(callee.split(".")[0])
        return frozenset(names | installed_packages(self.root))

    # ------------------------------------------------------------------ summaries

    def summary(self, key: str) -> Summary:
        """The summary of function ``key`` (computed once; empty while recursing)."""
        found = self.summaries.get(key)
        if found is not None:
            return found
        info = self.funcs.get(key)
        if info is None or key in self.in_progress or len(self.summaries) > MAX_SUMMARIES:
            return Summary()
        self.in_progress.add(key)
        frame = Frame(info, info.module)
        env: dict[str, Val] = {}
        for index, name in enumerate(param_names(info.node)):
            label = Label(root=index, path=(), exact=True)
            inst = info.klass if (index == 0 and info.klass and not info.is_static) else None
            env[name] = Val(labels=(label,), inst=inst)
        try:
            Exec(self, frame, env).block(info.node.body)
        except RecursionError:
            self.gaps.append(
                Gap("function too deeply nested to analyse", info.module.key, info.node.lineno)
            )
        self.in_progress.discard(key)
        self.summaries[key] = frame.summary
        return frame.summary
