"""Render errors as the JSON the caller's API speaks: OpenAI's, or Anthropic's on /v1/messages."""

from __future__ import annotations

from typing import Any

import orjson

from llm_gateway.core.exceptions import GatewayError

ANTHROPIC_PATH_PREFIX = "/v1/messages"

_ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    422: "invalid_request_error",
    429: "rate_limit_error",
    503: "overloaded_error",
    529: "overloaded_error",
}


def openai_error_body(
    *, message: str, error_type: str, code: str | None, param: str | None, request_id: str | None
) -> dict[str, Any]:
    """OpenAI's ``{"error": {...}}``, with our request id inside the error object."""
    return {
        "error": {
            "message": message,
            "type": error_type,
            "code": code,
            "param": param,
            "request_id": request_id,
        }
    }


def anthropic_error_body(
    *, message: str, status_code: int, request_id: str | None
) -> dict[str, Any]:
    """Anthropic's ``{"type": "error", "error": {"type", "message"}}``."""
    return {
        "type": "error",
        "error": {"type": _ANTHROPIC_TYPES.get(status_code, "api_error"), "message": message},
        "request_id": request_id,
    }


def render_error(
    exc: GatewayError, *, request_id: str | None, path: str = ""
) -> tuple[int, bytes, dict[str, str]]:
    """Status, JSON body and headers for ``exc`` in the format of the API at ``path``."""
    if path.startswith(ANTHROPIC_PATH_PREFIX):
        body = anthropic_error_body(
            message=exc.message, status_code=exc.status_code, request_id=request_id
        )
    else:
        body = openai_error_body(
            message=exc.message,
            error_type=exc.error_type,
            code=exc.code,
            param=exc.param,
            request_id=request_id,
        )
    headers = {"content-type": "application/json", **exc.headers}
    if request_id:
        headers["x-request-id"] = request_id
    return exc.status_code, orjson.dumps(body), headers
