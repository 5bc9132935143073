"""One CloudFormation template being built: resolved properties and the links between them.

Linking works on logical ids: ``Ref`` to a resource resolves to its logical id and
``Fn::GetAtt X.Arn`` to an ARN placeholder that :meth:`Resolver.ref_of` maps back to ``X``.
Resources the template references but does not declare (the Serverless Framework's
generated functions, log groups, role, APIs) can be passed as ``external``: references to
them resolve like CloudFormation would and link to the model ref of what they become.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from faasguard.loaders.cloudformation.intrinsics import ExternalResource, Resolver
from faasguard.loaders.cloudformation.values import (
    as_str,
    get,
    mapping,
)
from faasguard.loaders.documents import escape_pointer_token
from faasguard.model import (
    CodeLocation,
    Diagnostic,
    DiagnosticLevel,
    Location,
    MaybeStr,
    Suppression,
    Trigger,
    Unknown,
)

Locate = Callable[[str], Location]

_FUNCTION_ARN = re.compile(r":function:([A-Za-z0-9_.-]+)")

_INVOCATION_URI = re.compile(r"/functions/(.+?)/invocations")

_REFERENCED = re.compile(r'^\{"(?:Ref|Fn::GetAtt)":\[?"([A-Za-z0-9]+)')

_SUB_REFERENCED = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.Arn)?\}")


class Template:
    """One template being built: its resolved resources and the links between them.

    Builders (:mod:`.roles`, :mod:`.functions`, :mod:`.resources`, :mod:`.triggers`)
    read it and add triggers to it; it never builds model elements itself.
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        file: str,
        locate: Locate,
        parameters: Mapping[str, Any] | None,
        code_locations: Mapping[str, CodeLocation],
        metadata: Mapping[str, Any] | None,
        external: Mapping[str, ExternalResource],
    ) -> None:
        self.file = file
        self.locate = locate
        self.code_locations = code_locations
        self.metadata_override = metadata
        self.diagnostics: list[Diagnostic] = []
        self.suppressions: list[Suppression] = []
        self.resolver = Resolver(template, parameters, external)
        #: external logical id → the model ref it becomes (when that is not the logical id)
        self.external_refs: dict[str, str] = {
            lid: resource.model_ref
            for lid, resource in self.resolver.external.items()
            if resource.model_ref is not None
        }
        self.external_functions = {
            ref
            for lid, ref in self.external_refs.items()
            if self.resolver.external[lid].type == "AWS::Lambda::Function"
        }
        self.types: dict[str, str] = {}
        self.raw: dict[str, Mapping[str, Any]] = {}
        self._index_resources(template.get("Resources"))
        # Resolve every resource's properties first: GetAtt placeholders are registered as
        # they are produced, and linking needs all of them.
        self.props: dict[str, Mapping[str, Any]] = {}
        excess_reported = False
        for logical_id, resource in self.raw.items():
            properties = resource.get("Properties", {})
            resolved = self.resolver.resolve_value(properties)
            if not isinstance(resolved, Mapping):
                if properties is not None:
                    self.warning(
                        f"properties of {logical_id} could not be resolved",
                        self.ptr(logical_id, "Properties"),
                    )
                resolved = {}
            self.props[logical_id] = resolved
            if self.resolver.excess is not None and not excess_reported:
                excess_reported = True
                self._over_budget(self.ptr(logical_id, "Properties"))
        if self.resolver.excess is not None and not excess_reported:
            self._over_budget("")
        self.function_ids = [lid for lid, t in self.types.items() if t == "AWS::Lambda::Function"]
        self.function_names: dict[str, str] = {}
        for lid, external_resource in self.resolver.external.items():
            name = external_resource.ref
            if lid in self.external_refs and isinstance(name, str):
                self.function_names[name] = self.external_refs[lid]
        for lid in self.function_ids:
            name = self.props[lid].get("FunctionName")
            if isinstance(name, str):
                self.function_names[name] = lid
        # versions and aliases point at their function
        self.function_aliases: dict[str, str] = {}
        for lid, kind in self.types.items():
            if kind in ("AWS::Lambda::Version", "AWS::Lambda::Alias"):
                target = self.function_ref(self.props[lid].get("FunctionName"))
                if target is not None:
                    self.function_aliases[lid] = target
        self.triggers: dict[str, list[Trigger]] = {}
        self.waf_targets: dict[str, MaybeStr] = {}

    def _index_resources(self, raw_resources: object) -> None:
        """Fill ``types`` and ``raw`` with the well-formed resources that may be deployed."""
        if not isinstance(raw_resources, Mapping):
            if raw_resources is not None:
                self.error("'Resources' must be a mapping", "/Resources")
            return
        for logical_id, resource in raw_resources.items():
            if not isinstance(logical_id, str):
                continue
            if not isinstance(resource, Mapping):
                self.error(f"resource {logical_id} must be a mapping", self.ptr(logical_id))
                continue
            kind = resource.get("Type")
            if not isinstance(kind, str):
                self.error(f"resource {logical_id} has no 'Type'", self.ptr(logical_id))
                continue
            if not self.resolver.resource_enabled(resource):
                continue  # its condition is known to be false: never deployed
            self.types[logical_id] = kind
            self.raw[logical_id] = resource

    def _over_budget(self, pointer: str) -> None:
        """One warning for the values left unknown because they were too large to build."""
        self.warning(f"{self.resolver.excess}: left unknown (and any value built like it)", pointer)

    def ptr(self, logical_id: str, *path: str | int) -> str:
        tokens = ["Resources", logical_id, *path]
        return "".join("/" + escape_pointer_token(str(token)) for token in tokens)

    def loc(self, logical_id: str, *path: str | int) -> Location:
        return self.locate(self.ptr(logical_id, *path))

    def error(self, message: str, pointer: str) -> None:
        self.diagnostics.append(
            Diagnostic(level=DiagnosticLevel.ERROR, message=message, location=self.locate(pointer))
        )

    def warning(self, message: str, pointer: str) -> None:
        self.diagnostics.append(
            Diagnostic(
                level=DiagnosticLevel.WARNING, message=message, location=self.locate(pointer)
            )
        )

    def of_type(self, *kinds: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        for lid, kind in self.types.items():
            if kind in kinds:
                yield lid, self.props[lid]

    def ref_of(self, value: object) -> str | None:
        """The logical id a resolved value points at (the model ref for an external one)."""
        found = self.resolver.ref_of(value)
        if found is not None:
            return self.external_refs.get(found, found)
        if isinstance(value, str) and value.startswith("arn:"):
            # An ARN built with Fn::Sub from a Ref (``arn:aws:sqs:...:${Queue}``) ends in the id.
            tail = re.split(r"[:/]", value)[-1]
            if tail in self.types:
                return tail
        return None

    def ref_or_value(self, value: Any) -> MaybeStr | None:
        """The logical id when the value points into the template, else the value itself."""
        found = self.ref_of(value)
        return found if found is not None else as_str(value)

    def function_ref(self, value: object) -> str | None:
        """The logical id of the function a resolved value (name, ARN, Ref) designates."""
        if isinstance(value, str):
            invocation = _INVOCATION_URI.search(value)
            if invocation:  # an API Gateway integration URI wraps the function ARN
                value = invocation.group(1)
            if value in self.function_aliases:
                return self.function_aliases[value]
            found = self.ref_of(value)
            if found is not None:
                if self.types.get(found) == "AWS::Lambda::Function":
                    return found
                if found in self.external_functions:
                    return found
                if found in self.function_aliases:
                    return self.function_aliases[found]
            if value in self.function_names:
                return self.function_names[value]
            match = _FUNCTION_ARN.search(value)
            if match:
                name = match.group(1)
                if self.types.get(name) == "AWS::Lambda::Function":
                    return name
                return self.function_aliases.get(name) or self.function_names.get(name)
        return None

    def target_key(self, value: object) -> str | None:
        """Key for a trigger's function: its logical id, else the name as referenced."""
        found = self.function_ref(value)
        if found is not None:
            return found
        if isinstance(value, Unknown):
            match = _REFERENCED.match(value.expression) or _SUB_REFERENCED.search(value.expression)
            return match.group(1) if match else None
        if isinstance(value, str):
            invocation = _INVOCATION_URI.search(value)
            if invocation:
                value = invocation.group(1)
            match = _FUNCTION_ARN.search(value)
            if match:
                return match.group(1)
            if value in self.types:
                return None  # a resource of the template that is not a function
            return value if "${" not in value and ":" not in value else None
        return None

    def add_trigger(self, function_value: object, trigger: Trigger) -> None:
        key = self.target_key(function_value)
        if key is not None:
            self.triggers.setdefault(key, []).append(trigger)

    def field_location(self, lid: str, prop: str) -> Location | None:
        if prop in mapping(self.raw[lid].get("Properties")):
            return self.loc(lid, "Properties", prop)
        return None

    def written(self, lid: str, *path: str | int) -> Location | None:
        """The location of ``path`` in resource ``lid`` when the template sets it."""
        if get(self.raw[lid], *path) is None:
            return None
        return self.loc(lid, *path)

    def aspects(self, trigger_location: Location, **found: Location | None) -> dict[str, Location]:
        """``HttpSettings.field_locations``: the aspects set on a line of their own.

        A location that is the trigger's own line adds nothing (and for SAM it often means
        the transform generated the property), so it is left out.
        """
        return {
            aspect: where
            for aspect, where in found.items()
            if where is not None
            and (where.file, where.line) != (trigger_location.file, trigger_location.line)
        }

    def resource_metadata(self, lid: str) -> Mapping[str, Any]:
        if self.metadata_override is not None:
            return mapping(self.metadata_override.get(lid))
        return mapping(self.raw[lid].get("Metadata"))

    def marked_public(self, *lids: str | None) -> bool:
        for lid in lids:
            if lid is not None and lid in self.raw:
                flag = get(self.resource_metadata(lid), "faasguard", "public")
                if flag is True or (isinstance(flag, str) and flag.lower() == "true"):
                    return True
        return False

    def function_ref_in(self, value: Any) -> str | None:
        found = self.function_ref(value)
        if found is None and isinstance(value, str):
            match = _FUNCTION_ARN.search(value)
            if match:
                found = self.function_ref(match.group(1))
        return found
