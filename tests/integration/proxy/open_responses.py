"""Check our Responses API bodies and events against the Open Responses specification's types.

``openresponses-types`` (Apache-2.0, generated from the Open Responses OpenAPI document) is the
interop format other gateways serve; a payload that does not validate here would break clients
written against the specification, not only OpenAI's SDKs.
"""

from __future__ import annotations

import copy
from typing import Any

import openresponses_types as spec
import orjson
from pydantic import BaseModel

EVENT_MODELS: dict[str, type[BaseModel]] = {
    "response.created": spec.ResponseCreatedStreamingEvent,
    "response.in_progress": spec.ResponseInProgressStreamingEvent,
    "response.completed": spec.ResponseCompletedStreamingEvent,
    "response.incomplete": spec.ResponseIncompleteStreamingEvent,
    "response.failed": spec.ResponseFailedStreamingEvent,
    "response.output_item.added": spec.ResponseOutputItemAddedStreamingEvent,
    "response.output_item.done": spec.ResponseOutputItemDoneStreamingEvent,
    "response.content_part.added": spec.ResponseContentPartAddedStreamingEvent,
    "response.content_part.done": spec.ResponseContentPartDoneStreamingEvent,
    "response.output_text.delta": spec.ResponseOutputTextDeltaStreamingEvent,
    "response.output_text.done": spec.ResponseOutputTextDoneStreamingEvent,
    "response.function_call_arguments.delta": spec.ResponseFunctionCallArgumentsDeltaStreamingEvent,
    "response.function_call_arguments.done": spec.ResponseFunctionCallArgumentsDoneStreamingEvent,
}


def _spec_shape(response: dict[str, Any]) -> dict[str, Any]:
    """The generated type pins ``text.format.schema`` of a json_schema response to null (a
    quirk of the code generator on the spec's free-form schema); OpenAI echoes the schema, and so
    do we, so only that one field is blanked before validating."""
    fmt = (response.get("text") or {}).get("format") or {}
    if fmt.get("type") != "json_schema":
        return response
    shaped = copy.deepcopy(response)
    shaped["text"]["format"]["schema"] = None
    return shaped


def validate_response(response: dict[str, Any]) -> spec.ResponseResource:
    return spec.ResponseResource.model_validate(_spec_shape(response))


def validate_request(body: dict[str, Any]) -> spec.CreateResponseBody:
    return spec.CreateResponseBody.model_validate(body)


def validate_event(event: dict[str, Any]) -> BaseModel:
    """Validate one stream event by its ``type`` (unknown types fail the test)."""
    model = EVENT_MODELS[event["type"]]
    if "response" in event:
        event = {**event, "response": _spec_shape(event["response"])}
    return model.model_validate(event)


def parse_sse(raw: bytes) -> list[tuple[str | None, dict[str, Any]]]:
    """``(event name, data)`` for each SSE event in ``raw``."""
    events = []
    for block in raw.split(b"\n\n"):
        name, data = None, b""
        for line in block.split(b"\n"):
            if line.startswith(b"event: "):
                name = line[7:].decode()
            elif line.startswith(b"data: "):
                data += line[6:]
        if data:
            events.append((name, orjson.loads(data)))
    return events
