"""OpenAPI entries for the raw ASGI proxy routes, which FastAPI cannot describe by itself."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

_OBJ = {"type": "object"}
_ERROR = {"description": "Error in the API's own format", "content": {"application/json": {}}}
_ERRORS = {str(code): _ERROR for code in (400, 401, 403, 404, 429, 502, 503, 504)}


def _post(
    summary: str, tag: str, required: list[str], props: dict[str, Any], stream: bool
) -> dict[str, Any]:
    content: dict[str, Any] = {"application/json": {"schema": _OBJ}}
    if stream:
        content["text/event-stream"] = {"schema": {"type": "string"}}
    return {
        "post": {
            "summary": summary,
            "tags": [tag],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": required,
                            "properties": props,
                            "additionalProperties": True,
                        }
                    }
                },
            },
            "responses": {"200": {"description": "Success", "content": content}, **_ERRORS},
        }
    }


_STR = {"type": "string"}
_BOOL = {"type": "boolean"}
_NUM = {"type": "number"}
_INT = {"type": "integer", "minimum": 1}
_ARR = {"type": "array", "items": _OBJ}

OPENAI_PATHS: dict[str, Any] = {
    "/v1/chat/completions": _post(
        "Create a chat completion (OpenAI-compatible; any alias, or 'auto')",
        "openai",
        ["model", "messages"],
        {
            "model": _STR,
            "messages": _ARR,
            "stream": _BOOL,
            "stream_options": _OBJ,
            "temperature": _NUM,
            "top_p": _NUM,
            "max_tokens": _INT,
            "max_completion_tokens": _INT,
            "stop": {"oneOf": [_STR, {"type": "array", "items": _STR}]},
            "seed": {"type": "integer"},
            "tools": _ARR,
            "tool_choice": {"oneOf": [_STR, _OBJ]},
            "response_format": _OBJ,
            "drop_params": {**_BOOL, "description": "Drop parameters the model can't honour"},
        },
        stream=True,
    ),
    "/v1/responses": _post(
        "Create a model response (OpenAI Responses API over any alias; see docs/RESPONSES.md)",
        "openai",
        ["model", "input"],
        {
            "model": _STR,
            "input": {"oneOf": [_STR, _ARR]},
            "instructions": _STR,
            "previous_response_id": _STR,
            "stream": _BOOL,
            "store": _BOOL,
            "tools": _ARR,
            "tool_choice": {"oneOf": [_STR, _OBJ]},
            "text": _OBJ,
            "temperature": _NUM,
            "top_p": _NUM,
            "max_output_tokens": _INT,
            "metadata": _OBJ,
        },
        stream=True,
    ),
    "/v1/responses/{response_id}": {
        method: {
            "summary": summary,
            "tags": ["openai"],
            "parameters": [{"name": "response_id", "in": "path", "required": True, "schema": _STR}],
            "responses": {"200": {"description": "Success"}, "401": _ERROR, "404": _ERROR},
        }
        for method, summary in (
            ("get", "Retrieve a stored response (its owner only)"),
            ("delete", "Delete a stored response (its owner only)"),
        )
    },
    "/v1/embeddings": _post(
        "Create embeddings (OpenAI-compatible)",
        "openai",
        ["model", "input"],
        {"model": _STR, "input": {"oneOf": [_STR, {"type": "array"}]}, "dimensions": _INT},
        stream=False,
    ),
    "/v1/models": {
        "get": {
            "summary": "List models (OpenAI shape; Anthropic's with an anthropic-version header)",
            "tags": ["openai"],
            "responses": {"200": {"description": "Model list"}, "401": _ERROR},
        }
    },
}

ANTHROPIC_PATHS: dict[str, Any] = {
    "/v1/messages": _post(
        "Create a message (Anthropic-compatible; any alias)",
        "anthropic",
        ["model", "max_tokens", "messages"],
        {
            "model": _STR,
            "max_tokens": _INT,
            "messages": _ARR,
            "system": {"oneOf": [_STR, _ARR]},
            "stream": _BOOL,
            "temperature": _NUM,
            "tools": _ARR,
            "tool_choice": _OBJ,
        },
        stream=True,
    ),
    "/v1/messages/count_tokens": _post(
        "Count a message's input tokens (Anthropic-compatible; an estimate for non-Claude models)",
        "anthropic",
        ["model", "messages"],
        {"model": _STR, "messages": _ARR, "system": {"oneOf": [_STR, _ARR]}, "tools": _ARR},
        stream=False,
    ),
}


def document(app: FastAPI, paths: dict[str, Any]) -> None:
    """Add ``paths`` to the app's generated OpenAPI document (FastAPI's documented extension)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        for path, item in paths.items():
            schema.setdefault("paths", {}).setdefault(path, item)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
