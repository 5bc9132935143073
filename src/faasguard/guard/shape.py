"""Event shape validation against a JSON Schema (fastjsonschema, compiled once, the
validator Powertools uses) or a pydantic model.

What is validated (``target = "auto"``): the JSON body of an HTTP request, the JSON body of
each SQS record, the JSON message of each SNS record, the base64 JSON data of each Kinesis
record, EventBridge's ``detail``; for any other trigger, and with ``target = "event"``, the
whole event. Errors name the place and the rule, never the value (it may be a secret or an
attack), and never carry a stack trace.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from faasguard.guard.policy import Shape
from faasguard.guard.responses import HTTP_TRIGGERS

#: A validator: the document → a list of ``{"path", "error"}`` problems (empty: valid).
Validator = Callable[[Any], list[dict[str, str]]]


class _NotJsonError(ValueError):
    pass


def compile_validator(shape: Shape) -> Validator:
    """The validator for ``shape``'s schema or model (compiled once, at decoration)."""
    if shape.model is not None:
        return _pydantic(shape.model)
    assert shape.schema is not None
    import fastjsonschema  # noqa: PLC0415 - only policies with a schema pay for it

    check = fastjsonschema.compile(dict(shape.schema))

    def validate(document: Any) -> list[dict[str, str]]:
        try:
            check(document)
        except fastjsonschema.JsonSchemaValueException as error:
            path = "$" + "".join(
                f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.path[1:]
            )
            # fastjsonschema's messages name the place and the rule, not the value
            message = str(error.message)
            if message.startswith(str(error.name)):
                message = message[len(str(error.name)) :].strip()
            return [{"path": path, "error": message}]
        return []

    return validate


def _pydantic(model: Any) -> Validator:
    from pydantic import ValidationError  # noqa: PLC0415 - only policies with a model

    def validate(document: Any) -> list[dict[str, str]]:
        try:
            model.model_validate(document)
        except ValidationError as error:
            return [
                {
                    "path": "$"
                    + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e["loc"]),
                    "error": str(e["msg"]),
                }
                for e in error.errors(include_url=False, include_input=False)
            ]
        return []

    return validate


def documents(event: Any, trigger: str, target: str) -> list[tuple[int | None, Any]]:
    """The documents to validate: ``(record index or None, document)``. A body that is not
    JSON gives a :class:`_NotJsonError` document (reported as a problem)."""
    if target == "event" or not isinstance(event, Mapping):
        return [(None, event)]
    if trigger in HTTP_TRIGGERS:
        body = event.get("body")
        return [(None, _json(body, bool(event.get("isBase64Encoded"))))]
    recs = event.get("Records")
    if trigger in ("sqs", "sns", "kinesis") and isinstance(recs, list):
        return [(i, _record_document(trigger, rec)) for i, rec in enumerate(recs)]
    if trigger == "eventbridge":
        return [(None, event.get("detail"))]
    return [(None, event)]


def _record_document(trigger: str, record: Any) -> Any:
    if not isinstance(record, Mapping):
        return _NotJsonError("record is not an object")
    if trigger == "sqs":
        return _json(record.get("body"), False)
    if trigger == "sns":
        return _json((record.get("Sns") or {}).get("Message"), False)
    return _json((record.get("kinesis") or {}).get("data"), True)


def _json(text: Any, base64_encoded: bool) -> Any:
    import base64  # noqa: PLC0415 - start-up speed: only policies with a shape
    import binascii  # noqa: PLC0415

    if text is None:
        return _NotJsonError("there is no body")
    if not isinstance(text, str):
        return _NotJsonError("the body is not text")
    try:
        if base64_encoded:
            text = base64.b64decode(text, validate=True).decode("utf-8")
        return json.loads(text)
    except (binascii.Error, UnicodeDecodeError):
        return _NotJsonError("the body is not valid base64 UTF-8")
    except json.JSONDecodeError:
        return _NotJsonError("the body is not JSON")


def problems(validator: Validator, document: Any) -> list[dict[str, str]]:
    """What is wrong with ``document`` (empty when it is valid)."""
    if isinstance(document, _NotJsonError):
        return [{"path": "$", "error": str(document)}]
    return validator(document)
