"""The built-in functions of the HCL evaluator: a fixed table of pure helpers.

Also the value conversions HCL applies (``to_str``, ``to_number``, ``to_bool``) that the
evaluator shares with them. ``file()`` and friends read through the evaluator's
:meth:`~faasguard.loaders.terraform.hcl_eval.Evaluator.read_file`, bounded to the module.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable
from typing import Any, Protocol

from faasguard.loaders.terraform.hcl import JsonText, LineIndex, json_dumps
from faasguard.model import Unknown

#: Refuse to build a collection larger than this (a ``range(1e9)`` must not eat the memory).
MAX_COLLECTION = 10_000
#: Largest value (string characters plus collection items, counted through nesting) one
#: expression may produce: ``"${local.x}${local.x}"`` chains double at every step.
MAX_VALUE_BYTES = 1024 * 1024
#: Largest total of string characters one configuration may build while it is evaluated.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


class EvalError(Exception):
    """Internal signal: the expression cannot be evaluated statically."""


class BudgetError(EvalError):
    """A value, or the configuration's total, went over the :class:`SizeBudget`."""


def too_large() -> BudgetError:
    """The error of a value over :data:`MAX_VALUE_BYTES` (its text is the Unknown's reason)."""
    return BudgetError(f"value larger than {MAX_VALUE_BYTES} bytes")


class SizeBudget:
    """The size budget of one configuration's evaluation.

    :meth:`measure` counts a value's characters and items through nesting, stopping as soon
    as it exceeds :data:`MAX_VALUE_BYTES`; sizes of containers already measured are
    remembered, so values shared by reference (``[local.x, local.x]`` chains, whose nested
    size doubles while their memory does not) cost their shallow size only.
    :meth:`spend` charges built strings to the per-configuration total.
    """

    def __init__(self, total: int = MAX_DOCUMENT_BYTES) -> None:
        self.remaining = total
        self.total = total
        #: (file, line, reason) of the first value that went over, for one diagnostic.
        self.first_excess: tuple[str, int, str] | None = None
        # id → (container, size): the container is kept so its id is not reused.
        self._sizes: dict[int, tuple[object, int]] = {}

    def measure(self, value: Any) -> int:
        """The nested size of ``value``, or more than :data:`MAX_VALUE_BYTES` (then early)."""
        if isinstance(value, str):
            return len(value)
        if not isinstance(value, list | dict):
            return 1
        known = self._sizes.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        size = len(value)
        items = value.values() if isinstance(value, dict) else value
        for item in items:
            if size > MAX_VALUE_BYTES:
                break
            size += self.measure(item)
        if isinstance(value, dict):
            size += sum(len(key) for key in value if isinstance(key, str))
        self._sizes[id(value)] = (value, size)
        return size

    def check(self, value: Any) -> Any:
        """``value`` itself; raises the :func:`too_large` error when it is over budget."""
        if self.measure(value) > MAX_VALUE_BYTES:
            raise too_large()
        return value

    def check_all(self, values: list[Any]) -> None:
        """Raise the :func:`too_large` error when ``values`` together are over budget."""
        size = 0
        for value in values:
            size += self.measure(value)
            if size > MAX_VALUE_BYTES:
                raise too_large()

    def spend(self, characters: int) -> None:
        """Charge ``characters`` built to the configuration; raises once it is spent."""
        if characters > MAX_VALUE_BYTES:
            raise too_large()
        self.remaining -= characters
        if self.remaining < 0:
            raise BudgetError(f"configuration builds more than {self.total} bytes of values")


class Host(Protocol):
    """What a built-in function may use of the evaluator that calls it."""

    lines: LineIndex

    def read_file(self, relative: str) -> str | None:
        """Text of a file inside the module directory, or ``None``."""


def contains_unknown(value: Any, *, shallow: bool = False, depth: int = 0) -> bool:
    """True when ``value`` (or, unless ``shallow``, anything nested in it) is :class:`Unknown`."""
    if isinstance(value, Unknown):
        return True
    if shallow or depth > 64:
        return False
    if isinstance(value, dict):
        return any(contains_unknown(v, depth=depth + 1) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v, depth=depth + 1) for v in value)
    return False


def to_str(value: Any) -> str:
    """A value as HCL converts it to a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        raise EvalError("null in a string")
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value):
            return str(int(value))
        return repr(value)
    if isinstance(value, int | str):
        return str(value)
    raise EvalError("cannot convert to string")


def to_number(value: Any) -> int | float:
    """A value as HCL converts it to a number."""
    if isinstance(value, bool) or value is None:
        raise EvalError("not a number")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        return parse_number(value)
    raise EvalError("not a number")


def parse_number(text: str) -> int | float:
    """An HCL number literal as ``int`` when integral, else ``float``."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        raise EvalError(f"not a number: {text!r}") from None
    if not math.isfinite(number):
        raise EvalError("number out of range")
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def to_bool(value: Any) -> bool:
    """A value as HCL converts it to a bool."""
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return bool(value == "true")
    raise EvalError("not a bool")


# --------------------------------------------------------------------------------------

_Function = Callable[[Host, list[Any]], Any]


def _arity(args: list[Any], low: int, high: int | None = None) -> None:
    if len(args) < low or (high is not None and len(args) > high):
        raise EvalError("wrong number of arguments")


def _fn_jsonencode(ev: Host, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    return JsonText(args[0])


def _fn_jsondecode(ev: Host, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    text = args[0]
    if isinstance(text, JsonText):
        return text.value
    if isinstance(text, Unknown):
        return text
    if not isinstance(text, str):
        raise EvalError("jsondecode of a non-string")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise EvalError("invalid JSON") from None


def _fn_merge(ev: Host, args: list[Any]) -> Any:
    result: dict[str, Any] = {}
    for arg in args:
        if arg is None:
            continue
        if isinstance(arg, Unknown):
            return Unknown(expression=f"merge(... {arg.expression} ...)", reason=arg.reason)
        if not isinstance(arg, dict):
            raise EvalError("merge of a non-object")
        for key, value in arg.items():
            result[key] = value
            where = ev.lines.get(arg, key)
            if where is not None:
                ev.lines.record(result, key, *where)
    return result


def _fn_concat(ev: Host, args: list[Any]) -> Any:
    if sum(len(arg) for arg in args if isinstance(arg, list)) > MAX_COLLECTION:
        raise BudgetError(f"list longer than {MAX_COLLECTION} items")
    result: list[Any] = []
    for arg in args:
        if isinstance(arg, Unknown):
            return Unknown(expression=f"concat(... {arg.expression} ...)", reason=arg.reason)
        if not isinstance(arg, list):
            raise EvalError("concat of a non-list")
        for i, item in enumerate(arg):
            where = ev.lines.get(arg, i)
            if where is not None:
                ev.lines.record(result, len(result), *where)
            result.append(item)
    return result


_FORMAT_RE = re.compile(r"%(%|[-+ #0]*\d*(?:\.\d+)?[sdfvqtbxXoeEgG])")


def _fn_format(ev: Host, args: list[Any]) -> Any:
    _arity(args, 1)
    spec, values = args[0], list(args[1:])
    if not isinstance(spec, str):
        raise EvalError("format spec is not a string")

    def repl(match: re.Match[str]) -> str:
        verb = match.group(1)
        if verb == "%":
            return "%"
        if any(int(width) > MAX_VALUE_BYTES for width in re.findall(r"\d+", verb)):
            raise too_large()  # ``%999999999d`` pads to a gigabyte
        if not values:
            raise EvalError("too few format arguments")
        value = values.pop(0)
        kind = verb[-1]
        if kind in "dxXob":
            return ("%" + verb.replace("b", "d")) % int(to_number(value))
        if kind in "feEgG":
            return ("%" + verb) % float(to_number(value))
        if kind == "q":
            return json.dumps(to_str(value))
        if kind == "t":
            return "true" if to_bool(value) else "false"
        if kind == "v" and isinstance(value, list | dict):
            return json_dumps(value)
        return to_str(value)

    return _FORMAT_RE.sub(repl, spec)


def _fn_lookup(ev: Host, args: list[Any]) -> Any:
    _arity(args, 2, 3)
    mapping, key = args[0], args[1]
    if not isinstance(mapping, dict):
        raise EvalError("lookup in a non-map")
    text_key = to_str(key)
    if text_key in mapping:
        return mapping[text_key]
    if len(args) == 3:
        return args[2]
    raise EvalError("lookup key missing")


def _fn_tolist(ev: Host, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    value = args[0]
    if isinstance(value, list):
        return value
    raise EvalError("not a list")


def _fn_toset(ev: Host, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    value = args[0]
    if not isinstance(value, list):
        raise EvalError("not a list")
    seen: list[Any] = []
    for item in value:
        if item not in seen:
            seen.append(item)
    return seen


def _fn_tomap(ev: Host, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    if not isinstance(args[0], dict):
        raise EvalError("not a map")
    return args[0]


def _fn_coalesce(ev: Host, args: list[Any]) -> Any:
    for arg in args:
        if isinstance(arg, Unknown):
            return arg
        if arg is not None and arg != "":
            return arg
    raise EvalError("no non-null argument")


def _fn_coalescelist(ev: Host, args: list[Any]) -> Any:
    for arg in args:
        if isinstance(arg, Unknown):
            return arg
        if isinstance(arg, list) and arg:
            return arg
    raise EvalError("no non-empty list")


def _fn_length(ev: Host, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    value = args[0]
    if isinstance(value, str | list | dict):
        return len(value)
    raise EvalError("length of a non-collection")


def _string_fn(op: Callable[[str], str]) -> _Function:
    def fn(ev: Host, args: list[Any]) -> Any:
        _arity(args, 1, 1)
        return op(to_str(args[0]))

    return fn


def _string_pair_fn(op: Callable[[str, str], Any]) -> _Function:
    """A function of two strings (``startswith``, ``trimprefix``, ...)."""

    def fn(ev: Host, args: list[Any]) -> Any:
        _arity(args, 2, 2)
        return op(to_str(args[0]), to_str(args[1]))

    return fn


def _fn_join(ev: Host, args: list[Any]) -> Any:
    _arity(args, 2)
    separator = to_str(args[0])
    items: list[str] = []
    for arg in args[1:]:
        if not isinstance(arg, list):
            raise EvalError("join of a non-list")
        if any(isinstance(item, Unknown) for item in arg):
            return Unknown(expression=f"join({separator!r}, ...)", reason="element not static")
        items.extend(to_str(item) for item in arg)
    if sum(map(len, items)) + len(separator) * len(items) > MAX_VALUE_BYTES:
        raise too_large()
    return separator.join(items)


def _fn_split(ev: Host, args: list[Any]) -> Any:
    _arity(args, 2, 2)
    separator, text = to_str(args[0]), to_str(args[1])
    if separator == "":
        return list(text)
    return text.split(separator)


def _fn_replace(ev: Host, args: list[Any]) -> Any:
    _arity(args, 3, 3)
    text, old, new = to_str(args[0]), to_str(args[1]), to_str(args[2])
    if len(old) > 2 and old.startswith("/") and old.endswith("/"):
        try:
            pattern = re.compile(old[1:-1])
        except re.error:
            raise EvalError("bad regular expression") from None
        matches = sum(1 for _ in pattern.finditer(text))
        if len(text) + matches * len(new) > MAX_VALUE_BYTES:
            raise too_large()  # an empty match is replaced at every position
        try:
            return pattern.sub(new.replace("$", "\\"), text)
        except re.error:
            raise EvalError("bad regular expression") from None
    grows = (len(text) + 1 if old == "" else text.count(old)) * max(len(new) - len(old), 0)
    if len(text) + grows > MAX_VALUE_BYTES:
        raise too_large()
    return text.replace(old, new)


def _fn_file(ev: Host, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    path = to_str(args[0])
    content = ev.read_file(path)
    if content is None:
        return Unknown(expression=f"file({path!r})", reason="file outside the module or missing")
    return content


def _fn_templatefile(ev: Host, args: list[Any]) -> Any:
    # Only a template without interpolations or directives is "trivial": it is its text.
    _arity(args, 1, 2)
    path = to_str(args[0])
    content = ev.read_file(path)
    if content is None or "${" in content or "%{" in content:
        return Unknown(expression=f"templatefile({path!r}, ...)", reason="template not executed")
    return content


def _fn_fileexists(ev: Host, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    return ev.read_file(to_str(args[0])) is not None


def _fn_element(ev: Host, args: list[Any]) -> Any:
    _arity(args, 2, 2)
    items = args[0]
    if not isinstance(items, list) or not items:
        raise EvalError("element of a non-list")
    return items[int(to_number(args[1])) % len(items)]


def _fn_keys(ev: Host, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    if not isinstance(args[0], dict):
        raise EvalError("keys of a non-map")
    return sorted(args[0])


def _fn_values(ev: Host, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    if not isinstance(args[0], dict):
        raise EvalError("values of a non-map")
    return [args[0][k] for k in sorted(args[0])]


def _fn_contains(ev: Host, args: list[Any]) -> Any:
    _arity(args, 2, 2)
    if not isinstance(args[0], list):
        raise EvalError("contains on a non-list")
    if any(isinstance(item, Unknown) for item in args[0]):
        return Unknown(expression="contains(...)", reason="element not static")
    return args[1] in args[0]


def _fn_flatten(ev: Host, args: list[Any]) -> Any:
    _arity(args, 1, 1)

    def flat(value: Any, depth: int) -> list[Any]:
        if depth > 64:
            raise EvalError("flatten too deep")
        if isinstance(value, list):
            out: list[Any] = []
            for item in value:
                out.extend(flat(item, depth + 1) if isinstance(item, list) else [item])
            return out
        raise EvalError("flatten of a non-list")

    return flat(args[0], 0)


def _fn_compact(ev: Host, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    if not isinstance(args[0], list):
        raise EvalError("compact of a non-list")
    return [item for item in args[0] if item not in (None, "")]


def _fn_distinct(ev: Host, args: list[Any]) -> Any:
    return _fn_toset(ev, args)


def _fn_tostring(ev: Host, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    return None if args[0] is None else to_str(args[0])


def _fn_tonumber(ev: Host, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    return None if args[0] is None else to_number(args[0])


def _fn_tobool(ev: Host, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    return None if args[0] is None else to_bool(args[0])


def _fn_minmax(pick: Callable[..., Any]) -> _Function:
    def fn(ev: Host, args: list[Any]) -> Any:
        _arity(args, 1)
        return pick(to_number(a) for a in args)

    return fn


def _fn_zipmap(ev: Host, args: list[Any]) -> Any:
    _arity(args, 2, 2)
    keys, values = args
    if not isinstance(keys, list) or not isinstance(values, list) or len(keys) != len(values):
        raise EvalError("zipmap of mismatched lists")
    return {to_str(k): v for k, v in zip(keys, values, strict=True)}


def _fn_one(ev: Host, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    if not isinstance(args[0], list) or len(args[0]) > 1:
        raise EvalError("one() of a non-singleton")
    return args[0][0] if args[0] else None


def _fn_substr(ev: Host, args: list[Any]) -> Any:
    _arity(args, 3, 3)
    text = to_str(args[0])
    offset, length = int(to_number(args[1])), int(to_number(args[2]))
    if offset < 0:
        offset += len(text)
    return text[offset:] if length < 0 else text[offset : offset + length]


def _fn_range(ev: Host, args: list[Any]) -> Any:
    _arity(args, 1, 3)
    numbers = [int(to_number(a)) for a in args]
    if len(numbers) == 1:
        numbers = [0, numbers[0]]
    step = numbers[2] if len(numbers) == 3 else 1
    if step == 0:
        raise EvalError("range step 0")
    size = (numbers[1] - numbers[0]) // step
    if size > MAX_COLLECTION:
        raise EvalError("range too large")
    return list(range(numbers[0], numbers[1], step))


def _fn_basename(ev: Host, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    return os.path.basename(to_str(args[0]))


def _fn_dirname(ev: Host, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    return os.path.dirname(to_str(args[0]))


def _fn_abspath(ev: Host, args: list[Any]) -> Any:
    # The path as written is what the model wants (relative to the module), not the
    # scanning machine's absolute path.
    _arity(args, 1, 1)
    return to_str(args[0])


def _fn_title(ev: Host, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    return to_str(args[0]).title()


FUNCTIONS: dict[str, _Function] = {
    "jsonencode": _fn_jsonencode,
    "jsondecode": _fn_jsondecode,
    "merge": _fn_merge,
    "concat": _fn_concat,
    "format": _fn_format,
    "lookup": _fn_lookup,
    "tolist": _fn_tolist,
    "toset": _fn_toset,
    "tomap": _fn_tomap,
    "coalesce": _fn_coalesce,
    "coalescelist": _fn_coalescelist,
    "length": _fn_length,
    "lower": _string_fn(str.lower),
    "upper": _string_fn(str.upper),
    "trimspace": _string_fn(str.strip),
    "chomp": _string_fn(lambda s: s.rstrip("\r\n")),
    "title": _fn_title,
    "join": _fn_join,
    "split": _fn_split,
    "replace": _fn_replace,
    "file": _fn_file,
    "templatefile": _fn_templatefile,
    "fileexists": _fn_fileexists,
    "element": _fn_element,
    "keys": _fn_keys,
    "values": _fn_values,
    "contains": _fn_contains,
    "flatten": _fn_flatten,
    "compact": _fn_compact,
    "distinct": _fn_distinct,
    "tostring": _fn_tostring,
    "tonumber": _fn_tonumber,
    "tobool": _fn_tobool,
    "min": _fn_minmax(min),
    "max": _fn_minmax(max),
    "zipmap": _fn_zipmap,
    "one": _fn_one,
    "substr": _fn_substr,
    "startswith": _string_pair_fn(str.startswith),
    "endswith": _string_pair_fn(str.endswith),
    "trim": _string_pair_fn(str.strip),
    "trimprefix": _string_pair_fn(str.removeprefix),
    "trimsuffix": _string_pair_fn(str.removesuffix),
    "range": _fn_range,
    "basename": _fn_basename,
    "dirname": _fn_dirname,
    "abspath": _fn_abspath,
}

#: Functions that handle Unknown arguments themselves (partial results stay useful:
#: ``jsonencode`` of a policy with one unresolved ARN is still a policy).
LENIENT_FUNCTIONS = frozenset(
    {
        "jsonencode",
        "jsondecode",
        "merge",
        "concat",
        "coalesce",
        "coalescelist",
        "tolist",
        "toset",
        "tomap",
        "join",
        "contains",
        "length",
    }
)
