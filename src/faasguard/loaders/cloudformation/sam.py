"""AWS SAM: expansion with AWS's own ``aws-sam-translator`` and locations mapped back.

Speed: the translator is cheap once its expensive parts are built once per process:

- the policy-template processor validates its bundled templates with jsonschema every time
  it is constructed: we build it once and make the translator's factory return it;
- no boto3 session or IAM client is ever created: the region comes from a fixed stand-in
  session, and AWS managed policy names resolve from the map bundled with the translator
  (our fallback map is empty, so there is no network I/O);
- Serverless Application Repository lookups are never made (``Location`` is replaced by a
  placeholder before the transform).

Local paths (``CodeUri: src/``, ``ContentUri``, ``DefinitionUri``, ``Location``) are replaced
by placeholder S3 URIs the translator accepts; the real local paths are kept and handed to
:func:`build_parts` so ``Function.code`` names the user's directory. A local OpenAPI file
(``DefinitionUri`` or ``Fn::Transform: AWS::Include``) is read (safely, as data) and inlined
so its routes and authorizers reach the model.
"""

from __future__ import annotations

import copy
import functools
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from faasguard.errors import LoadError
from faasguard.loaders.cloudformation import intrinsics
from faasguard.loaders.documents import Document, escape_pointer_token, load_json, load_yaml
from faasguard.loaders.files import read_regular_text
from faasguard.model import CodeLocation, Diagnostic, DiagnosticLevel, Location

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
PLACEHOLDER_BUCKET = "faasguard-local-code"
_IMAGE_PLACEHOLDER = (
    f"{intrinsics.ACCOUNT_ID}.dkr.ecr.{intrinsics.REGION}.amazonaws.com/faasguard-local"
)
_ID_IN_MESSAGE = re.compile(r"id \[([^\]]+)\]")

#: SAM type → its ``Globals`` section
_GLOBAL_SECTIONS: Mapping[str, str] = {
    "AWS::Serverless::Function": "Function",
    "AWS::Serverless::Api": "Api",
    "AWS::Serverless::HttpApi": "HttpApi",
    "AWS::Serverless::SimpleTable": "SimpleTable",
    "AWS::Serverless::StateMachine": "StateMachine",
    "AWS::Serverless::LayerVersion": "LayerVersion",
}
#: generated CloudFormation property → the SAM properties it comes from
_RENAMES: Mapping[str, tuple[str, ...]] = {
    "Code": ("CodeUri", "InlineCode", "ImageUri"),
    "TracingConfig": ("Tracing",),
    "DeadLetterConfig": ("DeadLetterQueue",),
    "Role": ("Role", "Policies"),
    "Body": ("DefinitionBody", "DefinitionUri"),
    "Content": ("ContentUri",),
    "ProvisionedConcurrencyConfig": ("ProvisionedConcurrencyConfig",),
}
#: suffix of a generated logical id → the SAM property that caused it
_SUFFIX_PROPERTIES: tuple[tuple[str, str], ...] = (
    ("Role", "Policies"),
    ("Url", "FunctionUrlConfig"),
    ("EventInvokeConfig", "EventInvokeConfig"),
    ("Alias", "AutoPublishAlias"),
    ("Version", "AutoPublishAlias"),
    ("Stage", "StageName"),
)


@dataclass
class SamExpansion:
    """The result of :func:`expand`."""

    template: Mapping[str, Any] | None
    locate: SamLocator
    code_locations: dict[str, CodeLocation] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def is_sam(data: Mapping[str, Any]) -> bool:
    """True when the template declares the SAM transform (as a string or in a list)."""
    transform = data.get("Transform")
    if isinstance(transform, str):
        return transform.strip() == SAM_TRANSFORM
    if isinstance(transform, list):
        return any(isinstance(t, str) and t.strip() == SAM_TRANSFORM for t in transform)
    return False


class _RegionOnlySession:
    """Stands in for a boto3 session: the translator only reads ``region_name``."""

    region_name = intrinsics.REGION


def warm_up_translator() -> None:
    """Import the SAM translator and build its reusable parts now (once per process)."""
    _translator_parts()


@functools.cache
def _translator_parts() -> tuple[Any, Any]:
    """Import the translator and build its expensive, reusable parts once per process."""
    from samtranslator.metrics.metrics import (  # noqa: PLC0415 - heavy import, only for SAM
        DummyMetricsPublisher,
        Metrics,
    )
    from samtranslator.plugins.policies.policy_templates_plugin import (  # noqa: PLC0415 - heavy import, only for SAM
        PolicyTemplatesForResourcePlugin,
    )
    from samtranslator.policy_template_processor.processor import (  # noqa: PLC0415 - heavy import, only for SAM
        PolicyTemplatesProcessor,
    )
    from samtranslator.translator import translator as translator_module  # noqa: PLC0415 - heavy import, only for SAM

    processor = PolicyTemplatesProcessor(
        PolicyTemplatesProcessor.get_default_policy_templates_json()
    )
    plugin = PolicyTemplatesForResourcePlugin(processor)
    _fast_sam_type_check()
    # The plugin only holds the processor (no per-template state): share it.
    translator_module.make_policy_template_for_function_plugin = lambda: plugin
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    # A fresh Metrics per template: a shared one would accumulate timings without bound.
    return translator_module, lambda: Metrics("ServerlessTransform", DummyMetricsPublisher())


def _fast_sam_type_check() -> None:
    """Make ``SamResourceType.has_value`` a set lookup.

    The translator asks it for every resource of every template and it iterates the enum
    each time (300,000 enum accesses for the corpus, ~8% of translation time). Same answer:
    its only caller passes a string.
    """
    from samtranslator.sdk.resource import SamResourceType  # noqa: PLC0415 - heavy import, only for SAM

    values = frozenset(item.value for item in SamResourceType)

    def has_value(cls: type[SamResourceType], value: str) -> bool:
        return value in values

    SamResourceType.has_value = classmethod(has_value)


def _no_sar_client() -> Any:
    raise RuntimeError("faasguard never calls the Serverless Application Repository")


def translate(template: dict[str, Any], parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Run the SAM transform on ``template`` (mutated) with no network I/O."""
    translator_module, new_metrics = _translator_parts()
    from samtranslator.parser.parser import Parser  # noqa: PLC0415 - heavy import, only for SAM
    from samtranslator.plugins.application.serverless_app_plugin import (  # noqa: PLC0415 - heavy import, only for SAM
        ServerlessAppPlugin,
    )

    values: dict[str, Any] = {
        key: value
        for key, value in intrinsics.PSEUDO_PARAMETERS.items()
        if key != "AWS::NotificationARNs"
    }
    values.update(parameters)
    plugins = [ServerlessAppPlugin(sar_client_creator=_no_sar_client, parameters=values)]
    translator = translator_module.Translator(
        None, Parser(), plugins=plugins, boto_session=_RegionOnlySession(), metrics=new_metrics()
    )
    result: dict[str, Any] = translator.translate(
        template, parameter_values=values, get_managed_policy_map=dict
    )
    return result


class SamLocator:
    """Maps a JSON pointer into the translated template back to the user's SAM line."""

    def __init__(self, doc: Document, file: str) -> None:
        self.doc = doc
        self.file = file
        resources = doc.data.get("Resources") if isinstance(doc.data, Mapping) else None
        self.types: dict[str, str] = {}
        if isinstance(resources, Mapping):
            for lid, resource in resources.items():
                if isinstance(lid, str) and isinstance(resource, Mapping):
                    kind = resource.get("Type")
                    self.types[lid] = kind if isinstance(kind, str) else ""
        self.sam_ids = sorted(
            (lid for lid, kind in self.types.items() if kind.startswith("AWS::Serverless::")),
            key=len,
            reverse=True,
        )
        self.events: dict[str, list[str]] = {}
        self.api_events: dict[tuple[str, str, str], str] = {}
        self.implicit: dict[str, str] = {}
        #: bucket → S3 events that add notification configurations to it, in SAM's order
        self.s3_events: dict[str, list[str]] = {}
        #: the translated template, once the transform succeeded (for generated names)
        self.translated: Mapping[str, Any] | None = None
        if isinstance(resources, Mapping):
            self._index_events(resources)

    def _index_events(self, resources: Mapping[str, Any]) -> None:
        for lid in self.sam_ids:
            properties = resources[lid].get("Properties")
            events = properties.get("Events") if isinstance(properties, Mapping) else None
            if not isinstance(events, Mapping):
                continue
            self.events[lid] = sorted((e for e in events if isinstance(e, str)), key=len)[::-1]
            for name, event in events.items():
                if not isinstance(event, Mapping):
                    continue
                pointer = _pointer("Resources", lid, "Properties", "Events", str(name))
                kind = event.get("Type")
                props = event.get("Properties")
                props = props if isinstance(props, Mapping) else {}
                if kind == "S3":
                    bucket = _ref_target(props.get("Bucket"))
                    if bucket is not None:
                        self.s3_events.setdefault(bucket, []).append(pointer)
                if kind not in ("Api", "HttpApi"):
                    continue
                implicit = "ServerlessRestApi" if kind == "Api" else "ServerlessHttpApi"
                api = props.get("RestApiId" if kind == "Api" else "ApiId")
                api_id = _ref_target(api) if api is not None else implicit
                if api is None:
                    self.implicit.setdefault(implicit, pointer)
                method = str(props.get("Method", "any")).lower()
                if method == "any":
                    method = "x-amazon-apigateway-any-method"
                path = str(props.get("Path", "$default"))
                if api_id is not None:
                    self.api_events.setdefault((api_id, path, method), pointer)

    def source_id(self, generated: str) -> str | None:
        """The SAM (or plain) logical id a generated resource comes from."""
        if generated in self.types:
            return generated
        for sam in self.sam_ids:
            if generated.startswith(sam):
                return sam
        return None

    def __call__(self, pointer: str) -> Location:
        mapped = self.map_pointer(pointer)
        line, column = self.doc.line_of(mapped)
        return Location(file=self.file, line=line, column=column, pointer=mapped)

    def map_pointer(self, pointer: str) -> str:  # noqa: C901 - over the limit before it came in; may only shrink
        """The pointer into the user's SAM template that ``pointer`` comes from."""
        tokens = pointer.split("/")[1:]
        if len(tokens) < 2 or tokens[0] != "Resources":
            return pointer
        generated = _unescape(tokens[1])
        rest = tokens[2:]
        body_event = self._body_event(generated, rest)
        if body_event is not None:
            return body_event
        for implicit, first_event in self.implicit.items():
            if generated.startswith(implicit) and generated not in self.types:
                return first_event
        sam = self.source_id(generated)
        if sam is None:
            return "/Resources"
        base = _pointer("Resources", sam)
        if sam not in self.sam_ids:
            if sam == generated and sam in self.s3_events:
                return self._s3_event(sam, rest) or pointer
            return pointer if sam == generated else base
        lines = self.doc.lines
        section = _GLOBAL_SECTIONS.get(self.types.get(sam, ""))
        if generated == sam + "Role":
            statement = self._role_policy(sam, generated, rest)
            if statement is not None:
                return statement
        if generated != sam:
            suffix = generated[len(sam) :]
            for event in self.events.get(sam, ()):
                if suffix.startswith(event):
                    return _pointer("Resources", sam, "Properties", "Events", event)
        if len(rest) >= 2 and rest[0] == "Properties":
            prop = _unescape(rest[1])
            deeper = "".join("/" + token for token in rest[2:])
            candidates = (prop, *_RENAMES.get(prop, ()))
            for candidate in candidates:
                own = base + _pointer("Properties", candidate)
                if own in lines:
                    return own + deeper
            if section is not None and generated == sam:
                for candidate in candidates:
                    inherited = _pointer("Globals", section, candidate)
                    if inherited in lines:
                        return inherited + deeper
        if generated != sam:
            suffix = generated[len(sam) :]
            for marker, prop in _SUFFIX_PROPERTIES:
                if suffix.startswith(marker):
                    own = base + _pointer("Properties", prop)
                    if own in lines:
                        if marker == "Url" and len(rest) >= 2 and rest[0] == "Properties":
                            # FunctionUrlConfig uses the AWS::Lambda::Url property names
                            # (AuthType, Cors, InvokeMode): point at the very setting.
                            nested = own + "".join("/" + token for token in rest[1:])
                            for candidate in (nested, own + "/" + rest[1]):
                                if candidate in lines:
                                    return candidate
                        return own
                    if section is not None and _pointer("Globals", section, prop) in lines:
                        return _pointer("Globals", section, prop)
            return base
        if rest and rest[0] == "Metadata":
            return pointer
        return base

    def _role_policy(self, sam: str, role: str, rest: list[str]) -> str | None:
        """The SAM ``Policies`` entry (and statement) a generated role policy comes from.

        The transform names inline policy ``k`` of ``<Fn>Role`` ``<Fn>RolePolicy<N>``, with
        ``N`` the index in the function's ``Policies`` list (managed policy entries included),
        so the generated position ``k`` alone would point at the wrong entry.
        """
        if len(rest) < 3 or rest[:2] != ["Properties", "Policies"] or not rest[2].isdigit():
            return None
        resources = self.translated.get("Resources") if self.translated else None
        generated = resources.get(role) if isinstance(resources, Mapping) else None
        props = generated.get("Properties") if isinstance(generated, Mapping) else None
        policies = props.get("Policies") if isinstance(props, Mapping) else None
        k = int(rest[2])
        if not isinstance(policies, list) or k >= len(policies):
            return None
        name = policies[k].get("PolicyName") if isinstance(policies[k], Mapping) else None
        prefix = f"{role}Policy"
        if not isinstance(name, str) or not name.startswith(prefix):
            return None
        index = name[len(prefix) :]
        if not index.isdigit():
            return None
        lines = self.doc.lines
        policies_pointer = _pointer("Resources", sam, "Properties", "Policies")
        entry = policies_pointer + "/" + index
        if entry not in lines:
            # ``Policies:`` given as one mapping (a single document or template), not a list.
            entry = policies_pointer if index == "0" else ""
            if not entry or entry not in lines:
                return None
        # rest: Properties/Policies/k/PolicyDocument/Statement/j/... → the user's statement
        if len(rest) >= 6 and rest[3] == "PolicyDocument" and rest[4] == "Statement":
            statement = entry + "/Statement/" + rest[5]
            if statement in lines:
                return statement + "".join("/" + token for token in rest[6:])
            single = entry + "/Statement"
            if single in lines and rest[5] == "0":
                return single
        return entry

    def _s3_event(self, bucket: str, rest: list[str]) -> str | None:
        """The S3 event of a function that added this notification configuration."""
        if len(rest) < 4 or rest[:3] != [
            "Properties",
            "NotificationConfiguration",
            "LambdaConfigurations",
        ]:
            return None
        if not rest[3].isdigit():
            return None
        prefix = _pointer("Resources", bucket, *rest[:3])
        existing = 0
        while f"{prefix}/{existing}" in self.doc.lines:
            existing += 1
        index = int(rest[3]) - existing
        events = self.s3_events[bucket]
        return events[index] if 0 <= index < len(events) else None

    def _body_event(self, generated: str, rest: list[str]) -> str | None:
        if len(rest) < 5 or rest[:3] != ["Properties", "Body", "paths"]:
            return None
        path, method = _unescape(rest[3]), _unescape(rest[4]).lower()
        for api in (generated, "ServerlessRestApi", "ServerlessHttpApi"):
            if api == generated or generated.startswith(api):
                found = self.api_events.get((api, path, method))
                if found is not None:
                    return found
        own = _pointer("Resources", generated, "Properties", "DefinitionBody")
        if own in self.doc.lines:
            return own + "".join("/" + token for token in rest[2:])
        return None

    def event_pointer(self, event_id: str) -> str | None:
        """The pointer of a function event by its name (for translator error messages)."""
        for lid, events in self.events.items():
            if event_id in events:
                return _pointer("Resources", lid, "Properties", "Events", event_id)
        return None


def _pointer(*tokens: str) -> str:
    return "".join("/" + escape_pointer_token(token) for token in tokens)


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _ref_target(value: Any) -> str | None:
    if isinstance(value, Mapping) and isinstance(value.get("Ref"), str):
        return str(value["Ref"])
    if isinstance(value, str):
        return value
    return None


def _is_local(uri: object) -> bool:
    return isinstance(uri, str) and not uri.startswith(("s3://", "https://", "http://"))


def _local_code(template_dir: str, uri: str, *, image: bool = False) -> CodeLocation:
    path = os.path.normpath(os.path.join(template_dir, uri))
    if image:
        return CodeLocation(kind="image", path=path)
    kind = "zip" if uri.lower().endswith((".zip", ".jar", ".war")) else "directory"
    return CodeLocation(kind=kind, path=path)


class _Preparer:
    """Replaces local paths with placeholders the translator accepts (in a copy)."""

    def __init__(self, data: Mapping[str, Any], file: str) -> None:
        self.template: dict[str, Any] = copy.deepcopy(dict(data))
        self.template_dir = os.path.dirname(file) or "."
        self.code_locations: dict[str, CodeLocation] = {}
        self.files: list[str] = []
        self.warnings: list[tuple[str, str]] = []

    def placeholder(self, key: str, location: CodeLocation) -> dict[str, str]:
        uri = f"s3://{PLACEHOLDER_BUCKET}/{key}"
        self.code_locations[uri] = location
        return {"Bucket": PLACEHOLDER_BUCKET, "Key": key}

    def prepare(self) -> dict[str, Any]:
        globals_ = self.template.get("Globals")
        global_function: dict[str, Any] = {}
        if isinstance(globals_, dict) and isinstance(globals_.get("Function"), dict):
            global_function = globals_["Function"]
            self.code_uri(global_function, "Globals", None)
        resources = self.template.get("Resources")
        if not isinstance(resources, dict):
            return self.template
        for lid, resource in resources.items():
            if not isinstance(resource, dict):
                continue
            props = resource.get("Properties")
            if not isinstance(props, dict):
                if resource.get("Type") == "AWS::Serverless::Function":
                    props = resource["Properties"] = {}
                else:
                    continue
            kind = resource.get("Type")
            if kind == "AWS::Serverless::Function":
                self.function(str(lid), resource, props, global_function)
            elif kind == "AWS::Serverless::LayerVersion":
                uri = props.get("ContentUri")
                if _is_local(uri):
                    props["ContentUri"] = self.placeholder(
                        str(lid), _local_code(self.template_dir, str(uri))
                    )
            elif kind in ("AWS::Serverless::Api", "AWS::Serverless::HttpApi"):
                self.definition(str(lid), props)
            elif kind == "AWS::Serverless::StateMachine" and _is_local(props.get("DefinitionUri")):
                props["DefinitionUri"] = self.placeholder(
                    f"{lid}.asl", CodeLocation(kind="unknown")
                )
            elif kind == "AWS::Serverless::Application":
                location = props.get("Location")
                if location is not None and not (
                    isinstance(location, str) and location.startswith(("s3://", "https://"))
                ):
                    props["Location"] = f"https://{PLACEHOLDER_BUCKET}.s3.amazonaws.com/{lid}"
        return self.template

    def code_uri(self, props: dict[str, Any], key: str, metadata: Any) -> bool:
        uri = props.get("CodeUri")
        if uri is None:
            return False
        if _is_local(uri):
            props["CodeUri"] = self.placeholder(key, _local_code(self.template_dir, str(uri)))
        elif isinstance(uri, str) and uri.startswith("s3://"):
            pass
        elif not (isinstance(uri, dict) and "Bucket" in uri and "Key" in uri):
            # An intrinsic (``!Ref CodeParam``) or something malformed: only deploy time knows.
            props["CodeUri"] = self.placeholder(
                key, CodeLocation(kind="unknown", uri=intrinsics.expression_text(uri))
            )
        return True

    def function(
        self,
        lid: str,
        resource: dict[str, Any],
        props: dict[str, Any],
        global_function: Mapping[str, Any],
    ) -> None:
        package_type = props.get("PackageType", global_function.get("PackageType"))
        if package_type == "Image":
            if props.get("ImageUri") is None and global_function.get("ImageUri") is None:
                metadata = resource.get("Metadata")
                context = metadata.get("DockerContext") if isinstance(metadata, dict) else None
                props["ImageUri"] = _IMAGE_PLACEHOLDER
                if isinstance(context, str):
                    self.code_locations[f"image:{lid}"] = _local_code(
                        self.template_dir, context, image=True
                    )
            return
        if self.code_uri(props, lid, resource.get("Metadata")):
            return
        if props.get("InlineCode") is not None or "CodeUri" in global_function:
            return
        if global_function.get("InlineCode") is not None:
            return
        # SAM CLI builds from the template's directory when CodeUri is missing.
        props["CodeUri"] = self.placeholder(lid, _local_code(self.template_dir, "."))

    def definition(self, lid: str, props: dict[str, Any]) -> None:
        uri = props.get("DefinitionUri")
        body = props.get("DefinitionBody")
        include = _include_location(body)
        if include is not None:
            loaded = self.read_definition(include)
            props["DefinitionBody"] = loaded if loaded is not None else {}
            if loaded is None:
                del props["DefinitionBody"]
            return
        if _is_local(uri):
            loaded = self.read_definition(str(uri))
            if loaded is not None:
                del props["DefinitionUri"]
                props["DefinitionBody"] = loaded
            else:
                props["DefinitionUri"] = self.placeholder(
                    f"{lid}.openapi", CodeLocation(kind="unknown")
                )

    def read_definition(self, uri: str) -> dict[str, Any] | None:
        """Read a local OpenAPI document as data (never executed), or ``None``."""
        if not _is_local(uri):
            return None
        path = os.path.normpath(os.path.join(self.template_dir, uri))
        root = os.path.realpath(self.template_dir)
        real = os.path.realpath(path)
        if not real.startswith(root.rstrip(os.sep) + os.sep):
            # Never read outside the template's directory (``../../etc/passwd``, symlinks).
            self.warnings.append(
                (f"OpenAPI definition {uri} is outside the template's directory; not read", path)
            )
            return None
        try:
            text = read_regular_text(path)
            doc = load_json(text, path) if path.endswith(".json") else load_yaml(text, path)
        except (OSError, LoadError) as exc:
            self.warnings.append((f"OpenAPI definition {uri} not read: {exc}", path))
            return None
        if not isinstance(doc.data, dict):
            return None
        self.files.append(path)
        return doc.data


def _include_location(body: Any) -> str | None:
    if isinstance(body, Mapping) and len(body) == 1 and "Fn::Transform" in body:
        transform = body["Fn::Transform"]
        if isinstance(transform, Mapping) and transform.get("Name") == "AWS::Include":
            params = transform.get("Parameters")
            location = params.get("Location") if isinstance(params, Mapping) else None
            if isinstance(location, str):
                return location
    return None


def expand(doc: Document, file: str, parameters: Mapping[str, Any]) -> SamExpansion:
    """Expand a SAM template; on failure ``template`` is the raw template without SAM resources."""
    locator = SamLocator(doc, file)
    data: Mapping[str, Any] = doc.data
    metadata: dict[str, Any] = {}
    resources = data.get("Resources")
    if isinstance(resources, Mapping):
        for lid, resource in resources.items():
            if isinstance(resource, Mapping) and "Metadata" in resource:
                metadata[str(lid)] = resource["Metadata"]
    preparer = _Preparer(data, file)
    prepared = preparer.prepare()
    expansion = SamExpansion(
        template=None,
        locate=locator,
        code_locations=preparer.code_locations,
        metadata=metadata,
        files=preparer.files,
    )
    for message, path in preparer.warnings:
        expansion.diagnostics.append(
            Diagnostic(level=DiagnosticLevel.WARNING, message=message, location=Location(file=path))
        )
    try:
        expansion.template = translate(prepared, parameters)
        locator.translated = expansion.template
    except Exception as exc:
        expansion.diagnostics.extend(_translator_diagnostics(exc, locator))
        expansion.template = _without_sam(data)
    return expansion


def _without_sam(data: Mapping[str, Any]) -> dict[str, Any]:
    template = dict(data)
    resources = data.get("Resources")
    if isinstance(resources, Mapping):
        template["Resources"] = {
            lid: resource
            for lid, resource in resources.items()
            if not (
                isinstance(resource, Mapping)
                and str(resource.get("Type", "")).startswith("AWS::Serverless::")
            )
        }
    return template


def _translator_diagnostics(exc: Exception, locator: SamLocator) -> list[Diagnostic]:
    causes = getattr(exc, "causes", None)
    if not causes:
        causes = [exc]
    diagnostics = []
    for cause in causes:
        message = getattr(cause, "message", None) or str(cause) or type(cause).__name__
        pointer = ""
        match = _ID_IN_MESSAGE.search(str(message))
        if match:
            ident = match.group(1)
            if locator.source_id(ident) is not None:
                # a SAM or generated id (``FnBadEvent``): the mapping finds the user's line
                pointer = locator.map_pointer(_pointer("Resources", ident))
            else:
                pointer = locator.event_pointer(ident) or ""
        elif "'Globals'" in str(message) and "/Globals" in locator.doc.lines:
            pointer = "/Globals"
        if not pointer and "/Transform" in locator.doc.lines:
            pointer = "/Transform"  # about the whole SAM document
        diagnostics.append(
            Diagnostic(
                level=DiagnosticLevel.ERROR,
                message=f"SAM transform failed: {message}",
                location=locator(pointer) if pointer else Location(file=locator.file),
                code="sam-transform",
            )
        )
    return diagnostics
