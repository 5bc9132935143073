"""Static resolution of CloudFormation intrinsic functions.

What resolves to what (documented in the README's "CloudFormation" section):

- ``Ref`` to a parameter: the ``--param`` override (a string; split on commas for list
  types, turned into a number for ``Number``), else the ``Default``, else :class:`Unknown`.
  A ``NoEcho`` parameter is always :class:`Unknown`: its value is a secret.
- ``Ref`` to a resource: its logical id, so rules and linking can follow it back.
- ``Fn::GetAtt X.Arn`` (and every attribute ending in ``Arn``): an ARN-shaped placeholder
  ending in the logical id (``arn:aws:sqs:us-east-1:123456789012:MyQueue``); any other
  attribute: ``X.Attribute``. Every placeholder is registered so :meth:`Resolver.ref_of`
  maps it back to the logical id.
- ``Ref``/``Fn::GetAtt`` of an *external* resource (one the template does not declare but
  its deployer creates, such as the functions, log groups and role the Serverless Framework
  generates): the values the caller gave in :class:`ExternalResource` (the deployed function
  name for ``Ref`` of a function, like CloudFormation), else the logical id and the ARN
  placeholder of its type. Both map back to the logical id with :meth:`Resolver.ref_of`.
- Pseudo parameters: ``AWS::Region`` → ``us-east-1``, ``AWS::AccountId`` →
  ``123456789012``, ``AWS::Partition`` → ``aws``, ``AWS::StackName`` → ``stack``,
  ``AWS::StackId`` → a stack ARN, ``AWS::URLSuffix`` → ``amazonaws.com``,
  ``AWS::NotificationARNs`` → ``[]``; ``AWS::NoValue`` removes the key or item.
- ``Fn::Sub`` (both forms), ``Fn::Join``, ``Fn::Select``, ``Fn::Split``, ``Fn::If`` (with
  ``Conditions`` evaluated), ``Fn::FindInMap``, ``Fn::Length``, ``Fn::ToJsonString``.
  ``Fn::Base64`` yields the plain text (what a rule wants to read, not the encoding).
- ``Fn::ImportValue``, ``Fn::GetAZs``, ``Fn::Cidr``, ``Fn::Transform``, dynamic references
  (``{{resolve:ssm:...}}``), conditions that cannot be decided, and anything that does not
  resolve: :class:`Unknown` with the compact JSON of the expression.

Parameter defaults and mappings are literal in CloudFormation, so the only possible cycles
go through ``Conditions``; those are evaluated once each (memoised) and a condition that
depends on itself is undecidable, never an infinite loop.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from faasguard.model import Unknown
from faasguard.secrets import is_literal

REGION: Final = "us-east-1"
ACCOUNT_ID: Final = "123456789012"
PARTITION: Final = "aws"
STACK_NAME: Final = "stack"

PSEUDO_PARAMETERS: Final[Mapping[str, Any]] = {
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT_ID,
    "AWS::Partition": PARTITION,
    "AWS::StackName": STACK_NAME,
    "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{STACK_NAME}/id",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::NotificationARNs": [],
}

#: Values nested deeper than this are not resolved (JSON input can nest far deeper than
#: the YAML reader allows, and resolution recurses).
MAX_DEPTH: Final = 150
#: Largest string ``Fn::Sub``/``Fn::Join`` may build: nested ``!Sub ['${X}${X}', {X: ...}]``
#: doubles at every level (2.4 KB of template grew to 3 GB).
MAX_VALUE_BYTES: Final = 1024 * 1024
#: Largest total of strings built while one template is resolved (resolution runs again
#: for every consumer of a value, so this is far above any single value).
MAX_DOCUMENT_BYTES: Final = 64 * 1024 * 1024
_MAX_EXPRESSION = 240


class _NoValue:
    """``AWS::NoValue``: removes the enclosing key or list item."""

    def __repr__(self) -> str:
        return "NoValue"


NO_VALUE: Final = _NoValue()

_UNRESOLVABLE = frozenset(
    {"Fn::ImportValue", "Fn::GetAZs", "Fn::Cidr", "Fn::Transform", "Fn::ForEach"}
)
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_LIST_PARAMETER = re.compile(
    r"^(CommaDelimitedList|List<.*>|AWS::SSM::Parameter::Value<List<.*>>)$"
)


def expression_text(value: Any) -> str:
    """Compact JSON of an expression, shortened for messages."""
    try:
        text = json.dumps(value, separators=(",", ":"), sort_keys=False, default=str)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    if len(text) > _MAX_EXPRESSION:
        text = text[: _MAX_EXPRESSION - 3] + "..."
    return text


def _arn_placeholder(logical_id: str, resource_type: str, attribute: str) -> str:
    """An ARN-shaped stand-in for ``Fn::GetAtt logical_id.attribute``."""
    parts = resource_type.split("::")
    service = parts[1].lower() if len(parts) > 2 else "unknown"
    prefix = f"arn:{PARTITION}"
    if resource_type == "AWS::S3::Bucket":
        return f"{prefix}:s3:::{logical_id}"
    if resource_type == "AWS::IAM::Role":
        return f"{prefix}:iam::{ACCOUNT_ID}:role/{logical_id}"
    if resource_type == "AWS::IAM::ManagedPolicy":
        return f"{prefix}:iam::{ACCOUNT_ID}:policy/{logical_id}"
    if resource_type == "AWS::Lambda::Function":
        return f"{prefix}:lambda:{REGION}:{ACCOUNT_ID}:function:{logical_id}"
    if resource_type == "AWS::DynamoDB::Table":
        table = f"{prefix}:dynamodb:{REGION}:{ACCOUNT_ID}:table/{logical_id}"
        return f"{table}/stream/latest" if attribute == "StreamArn" else table
    if resource_type == "AWS::Kinesis::Stream":
        return f"{prefix}:kinesis:{REGION}:{ACCOUNT_ID}:stream/{logical_id}"
    if service == "elasticloadbalancingv2":
        service = "elasticloadbalancing"
    if attribute != "Arn":
        return f"{prefix}:{service}:{REGION}:{ACCOUNT_ID}:{logical_id}/{attribute}"
    return f"{prefix}:{service}:{REGION}:{ACCOUNT_ID}:{logical_id}"


@dataclass(frozen=True, slots=True)
class ExternalResource:
    """A resource created next to the template by its deployer, that the template may reference.

    ``ref`` is what ``Ref`` gives (``None``: the logical id); ``attributes`` maps a
    ``Fn::GetAtt`` attribute to its value (missing ones get the placeholder of ``type``);
    ``model_ref`` is the ref of the model element it becomes when that is not the logical id
    (the Serverless function key ``hello`` for ``HelloLambdaFunction``).
    """

    type: str
    ref: Any = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    model_ref: str | None = None


class Resolver:
    """Resolves intrinsic functions in one template, statically and conservatively.

    ``parameters`` are user overrides (strings, as given on the command line, or any value
    when a caller such as the Serverless loader already has typed values).
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        parameters: Mapping[str, Any] | None = None,
        external: Mapping[str, ExternalResource] | None = None,
    ) -> None:
        resources = template.get("Resources")
        self.resources: Mapping[str, Any] = resources if isinstance(resources, Mapping) else {}
        params = template.get("Parameters")
        self.parameter_decls: Mapping[str, Any] = params if isinstance(params, Mapping) else {}
        mappings = template.get("Mappings")
        self.mappings: Mapping[str, Any] = mappings if isinstance(mappings, Mapping) else {}
        conditions = template.get("Conditions")
        self.conditions: Mapping[str, Any] = conditions if isinstance(conditions, Mapping) else {}
        self.overrides: Mapping[str, Any] = dict(parameters or {})
        self._condition_values: dict[str, bool | None] = {}
        self._evaluating: set[str] = set()
        #: placeholder string → logical id, for everything Ref/GetAtt produced
        self.placeholders: dict[str, str] = {}
        self.parameter_values: dict[str, Any] = {}
        self._budget = MAX_DOCUMENT_BYTES
        #: why the first value over the size budget was left unknown (for one diagnostic)
        self.excess: str | None = None
        # A resource the template declares itself wins over an external one of the same id.
        self.external: Mapping[str, ExternalResource] = {
            lid: resource for lid, resource in (external or {}).items() if lid not in self.resources
        }
        for lid, resource in self.external.items():
            if isinstance(resource.ref, str) and resource.ref != lid:
                self.placeholders[resource.ref] = lid
        for name in self.parameter_decls:
            if isinstance(name, str):
                self.parameter_values[name] = self._parameter(name)

    # ----------------------------------------------------------------- public helpers

    def resource_type(self, logical_id: object) -> str | None:
        """The ``Type`` of a resource of this template, or ``None``."""
        if not isinstance(logical_id, str):
            return None
        if logical_id in self.external:
            return self.external[logical_id].type
        resource = self.resources.get(logical_id)
        if isinstance(resource, Mapping):
            kind = resource.get("Type")
            return kind if isinstance(kind, str) else None
        return None

    def declares(self, logical_id: str) -> bool:
        """True for a resource of the template or an external one."""
        return logical_id in self.resources or logical_id in self.external

    def ref_of(self, value: object) -> str | None:
        """The logical id a resolved value points at (logical id, ARN placeholder), or None."""
        if not isinstance(value, str):
            return None
        if value in self.resources or value in self.external:
            return value
        found = self.placeholders.get(value)
        if found is not None:
            return found
        return None

    def condition(self, name: object) -> bool | None:
        """The value of a named condition: True, False, or None when undecidable."""
        if not isinstance(name, str) or name not in self.conditions:
            return None
        if name in self._condition_values:
            return self._condition_values[name]
        if name in self._evaluating:  # a cycle: undecidable
            return None
        self._evaluating.add(name)
        try:
            result = self._condition_expr(self.conditions[name], 0)
        finally:
            self._evaluating.discard(name)
        self._condition_values[name] = result
        return result

    def resource_enabled(self, resource: Mapping[str, Any]) -> bool:
        """False only when the resource's ``Condition`` is known to be false."""
        name = resource.get("Condition")
        if name is None:
            return True
        return self.condition(name) is not False

    # ----------------------------------------------------------------- resolution

    def resolve(self, value: Any, depth: int = 0) -> Any:
        """Resolve every intrinsic in ``value``; may return :data:`NO_VALUE`."""
        if depth > MAX_DEPTH:
            return Unknown("...", reason="nested too deeply to resolve")
        if isinstance(value, str):
            if "{{resolve:" in value:
                return Unknown(value, reason="dynamic reference")
            return value
        if isinstance(value, list):
            items = []
            for item in value:
                resolved = self.resolve(item, depth + 1)
                if resolved is not NO_VALUE:
                    items.append(resolved)
            return items
        if isinstance(value, Mapping):
            if len(value) == 1:
                (key,) = value
                if key == "Ref" or (isinstance(key, str) and key.startswith("Fn::")):
                    return self._intrinsic(key, value[key], value, depth)
            result: dict[Any, Any] = {}
            for key, item in value.items():
                resolved = self.resolve(item, depth + 1)
                if resolved is not NO_VALUE:
                    result[key] = resolved
            return result
        return value

    def resolve_value(self, value: Any) -> Any:
        """:meth:`resolve`, with ``AWS::NoValue`` at the top turned into ``None``."""
        resolved = self.resolve(value)
        return None if resolved is NO_VALUE else resolved

    def _unknown(self, expression: Any, reason: str = "") -> Unknown:
        return Unknown(expression_text(expression), reason=reason)

    def _built(self, pieces: list[str], whole: Any) -> str | Unknown:
        """``pieces`` joined, or an Unknown when that is over the value or template budget."""
        size = sum(map(len, pieces))
        if size > MAX_VALUE_BYTES:
            return self._over_budget(whole, f"a value larger than {MAX_VALUE_BYTES} bytes")
        self._budget -= size
        if self._budget < 0:
            return self._over_budget(
                whole, f"the template builds more than {MAX_DOCUMENT_BYTES} bytes of values"
            )
        return "".join(pieces)

    def _over_budget(self, whole: Any, reason: str) -> Unknown:
        if self.excess is None:
            self.excess = reason
        return self._unknown(whole, reason)

    def _intrinsic(self, name: str, args: Any, whole: Any, depth: int) -> Any:
        if name == "Ref":
            return self._ref(args, whole)
        if name in _UNRESOLVABLE:
            return self._unknown(whole, f"{name} is only known at deploy time")
        handler = _HANDLERS.get(name)
        if handler is None:
            return self._unknown(whole, f"unsupported intrinsic {name}")
        try:
            return handler(self, args, whole, depth + 1)
        except (TypeError, ValueError, IndexError, KeyError, AttributeError):
            return self._unknown(whole, f"malformed {name}")

    def _parameter(self, name: str) -> Any:
        decl = self.parameter_decls.get(name)
        decl = decl if isinstance(decl, Mapping) else {}
        kind = str(decl.get("Type", "String"))
        if _no_echo(decl):
            # A NoEcho parameter is a secret (CloudFormation masks it): its default or
            # override is never inlined, so no report (``iam show``, an ARN in a message)
            # can show it.
            return Unknown(
                f'{{"Ref":"{name}"}}',
                reason=f"parameter {name} is NoEcho (secret)",
                literal_secret=name not in self.overrides and is_literal(decl.get("Default")),
            )
        if name in self.overrides:
            value = self.overrides[name]
        elif "Default" in decl:
            value = decl["Default"]
        else:
            return Unknown(f'{{"Ref":"{name}"}}', reason=f"parameter {name} has no default")
        if isinstance(value, Mapping) or (isinstance(value, str) and "{{resolve:" in value):
            return Unknown(expression_text(value), reason=f"parameter {name}")
        if kind.startswith("AWS::SSM::Parameter::Value"):
            # The value is the name of an SSM parameter: only the deployed stack knows it.
            return Unknown(f"ssm:{value}", reason=f"parameter {name} is read from SSM")
        if _LIST_PARAMETER.match(kind) and isinstance(value, str):
            return [item.strip() for item in value.split(",")] if value else []
        if kind == "Number" and isinstance(value, str):
            return _number(value)
        return value

    def _ref(self, target: Any, whole: Any) -> Any:
        if not isinstance(target, str):
            return self._unknown(whole, "Ref to a non-string")
        if target == "AWS::NoValue":
            return NO_VALUE
        if target in PSEUDO_PARAMETERS:
            return PSEUDO_PARAMETERS[target]
        if target in self.parameter_values:
            return self.parameter_values[target]
        if target in self.resources:
            return target
        if target in self.external:
            value = self.external[target].ref
            return target if value is None else value
        if target in self.overrides:
            return self.overrides[target]
        return self._unknown(whole, f"Ref to {target}, which is not in the template")

    def get_att(self, logical_id: str, attribute: str) -> Any:
        """The placeholder for ``Fn::GetAtt logical_id.attribute`` (resource in template)."""
        resource_type = self.resource_type(logical_id) or ""
        external = self.external.get(logical_id)
        if external is not None and attribute in external.attributes:
            placeholder = external.attributes[attribute]
        elif attribute.endswith("Arn"):
            placeholder = _arn_placeholder(logical_id, resource_type, attribute)
        else:
            placeholder = f"{logical_id}.{attribute}"
        self.placeholders[placeholder] = logical_id
        return placeholder

    def _get_att(self, args: Any, whole: Any, depth: int) -> Any:
        if isinstance(args, str):
            args = args.split(".", 1)
        logical_id, attribute = args[0], self.resolve(args[1], depth)
        if not isinstance(logical_id, str) or not isinstance(attribute, str):
            return self._unknown(whole, "GetAtt with a computed name")
        if logical_id not in self.resources and logical_id not in self.external:
            return self._unknown(whole, f"GetAtt of {logical_id}, which is not in the template")
        return self.get_att(logical_id, attribute)

    def _sub(self, args: Any, whole: Any, depth: int) -> Any:
        variables: Mapping[str, Any] = {}
        if isinstance(args, list):
            text, raw_vars = args[0], args[1] if len(args) > 1 else {}
            if isinstance(raw_vars, Mapping):
                variables = {k: self.resolve(v, depth) for k, v in raw_vars.items()}
        else:
            text = args
        if not isinstance(text, str):
            return self._unknown(whole, "Fn::Sub of a non-string")
        unknown = False

        def substitute(match: re.Match[str]) -> str:
            nonlocal unknown
            if unknown:
                return ""
            name = match.group(1).strip()
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                value = variables[name]
            elif "." in name and self.declares(name.split(".", 1)[0]):
                logical_id, attribute = name.split(".", 1)
                value = self.get_att(logical_id, attribute)
            else:
                value = self._ref(name, {"Ref": name})
            if isinstance(value, bool):
                return "true" if value else "false"
            if isinstance(value, str | int | float):
                return str(value)
            unknown = True
            return ""

        pieces: list[str] = []
        position = 0
        for match in _SUB_VARIABLE.finditer(text):
            pieces += (text[position : match.start()], substitute(match))
            position = match.end()
            if unknown:
                return self._unknown(whole, "Fn::Sub with an unresolved part")
            if sum(map(len, pieces)) > MAX_VALUE_BYTES:
                break  # ``_built`` says why
        pieces.append(text[position:])
        result = self._built(pieces, whole)
        if isinstance(result, str) and "{{resolve:" in result:
            return self._unknown(whole, "Fn::Sub with an unresolved part")
        return result

    def _join(self, args: Any, whole: Any, depth: int) -> Any:
        delimiter = self.resolve(args[0], depth)
        items = self.resolve(args[1], depth)
        if not isinstance(delimiter, str) or not isinstance(items, list):
            return self._unknown(whole, "Fn::Join with an unresolved part")
        texts = []
        for item in items:
            if isinstance(item, bool):
                texts.append("true" if item else "false")
            elif isinstance(item, str | int | float):
                texts.append(str(item))
            else:
                return self._unknown(whole, "Fn::Join with an unresolved part")
        if sum(map(len, texts)) + len(delimiter) * len(texts) > MAX_VALUE_BYTES:
            return self._unknown(whole, f"value larger than {MAX_VALUE_BYTES} bytes")
        return self._built([delimiter.join(texts)], whole)

    def _select(self, args: Any, whole: Any, depth: int) -> Any:
        index = self.resolve(args[0], depth)
        items = self.resolve(args[1], depth)
        if isinstance(index, str):
            index = int(index)
        if not isinstance(index, int) or isinstance(index, bool) or not isinstance(items, list):
            return self._unknown(whole, "Fn::Select with an unresolved part")
        if not 0 <= index < len(items):
            return self._unknown(whole, "Fn::Select index out of range")
        return items[index]

    def _split(self, args: Any, whole: Any, depth: int) -> Any:
        delimiter = self.resolve(args[0], depth)
        text = self.resolve(args[1], depth)
        if not isinstance(delimiter, str) or not delimiter or not isinstance(text, str):
            return self._unknown(whole, "Fn::Split with an unresolved part")
        return text.split(delimiter)

    def _if(self, args: Any, whole: Any, depth: int) -> Any:
        if not isinstance(args, list) or len(args) != 3:
            return self._unknown(whole, "malformed Fn::If")
        decided = self.condition(args[0])
        if decided is None:
            return self._unknown(whole, f"condition {args[0]} cannot be decided statically")
        return self.resolve(args[1] if decided else args[2], depth)

    def _find_in_map(self, args: Any, whole: Any, depth: int) -> Any:
        names = [self.resolve(arg, depth) for arg in args[:3]]
        default = None
        if len(args) > 3 and isinstance(args[3], Mapping):
            default = args[3].get("DefaultValue")
        if not all(isinstance(name, str | int) for name in names):
            return self._unknown(whole, "Fn::FindInMap with an unresolved key")
        try:
            value = self.mappings[names[0]][names[1]][names[2]]
        except (KeyError, TypeError):
            if default is not None:
                return self.resolve(default, depth)
            return self._unknown(whole, "Fn::FindInMap key not in the mapping")
        return value

    def _base64(self, args: Any, whole: Any, depth: int) -> Any:
        return self.resolve(args, depth)

    def _length(self, args: Any, whole: Any, depth: int) -> Any:
        items = self.resolve(args, depth)
        return len(items) if isinstance(items, list) else self._unknown(whole)

    def _to_json(self, args: Any, whole: Any, depth: int) -> Any:
        value = self.resolve(args, depth)
        if _contains_unknown(value, 0):
            return self._unknown(whole, "Fn::ToJsonString with an unresolved part")
        return json.dumps(value, separators=(",", ":"))

    def _passthrough_condition(self, args: Any, whole: Any, depth: int) -> Any:
        # Fn::Equals / And / Or / Not used as values (rare): their boolean, or Unknown.
        decided = self._condition_expr(whole, depth)
        return self._unknown(whole) if decided is None else decided

    # ----------------------------------------------------------------- conditions

    def _condition_expr(self, expr: Any, depth: int) -> bool | None:
        if depth > MAX_DEPTH:
            return None
        if isinstance(expr, bool):
            return expr
        if isinstance(expr, str) and expr.lower() in ("true", "false"):
            return expr.lower() == "true"
        if not isinstance(expr, Mapping) or len(expr) != 1:
            return None
        ((name, args),) = expr.items()
        if name == "Condition":
            return self.condition(args)
        if not isinstance(args, list):
            return None
        if name == "Fn::Equals" and len(args) == 2:
            left, right = (self.resolve(arg, depth + 1) for arg in args)
            if _contains_unknown(left, 0) or _contains_unknown(right, 0):
                return None
            return bool(_normal(left) == _normal(right))
        parts = [self._condition_expr(arg, depth + 1) for arg in args]
        if name == "Fn::Not" and len(parts) == 1:
            return None if parts[0] is None else not parts[0]
        if name == "Fn::And":
            if any(part is False for part in parts):
                return False
            return None if any(part is None for part in parts) else True
        if name == "Fn::Or":
            if any(part is True for part in parts):
                return True
            return None if any(part is None for part in parts) else False
        return None


def _number(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def _normal(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _contains_unknown(value: Any, depth: int) -> bool:
    if depth > MAX_DEPTH or isinstance(value, Unknown) or value is NO_VALUE:
        return True
    if isinstance(value, list):
        return any(_contains_unknown(item, depth + 1) for item in value)
    if isinstance(value, Mapping):
        return any(_contains_unknown(item, depth + 1) for item in value.values())
    return False


_HANDLERS: Final = {
    "Fn::GetAtt": Resolver._get_att,
    "Fn::Sub": Resolver._sub,
    "Fn::Join": Resolver._join,
    "Fn::Select": Resolver._select,
    "Fn::Split": Resolver._split,
    "Fn::If": Resolver._if,
    "Fn::FindInMap": Resolver._find_in_map,
    "Fn::Base64": Resolver._base64,
    "Fn::Length": Resolver._length,
    "Fn::ToJsonString": Resolver._to_json,
    "Fn::Equals": Resolver._passthrough_condition,
    "Fn::And": Resolver._passthrough_condition,
    "Fn::Or": Resolver._passthrough_condition,
    "Fn::Not": Resolver._passthrough_condition,
}


def _no_echo(decl: Mapping[str, Any]) -> bool:
    """Whether a parameter declaration says ``NoEcho: true`` (also as a string)."""
    flag = decl.get("NoEcho")
    return flag is True or (isinstance(flag, str) and flag.strip().lower() == "true")
