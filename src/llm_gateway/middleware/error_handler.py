"""FastAPI exception handlers: every error leaves as OpenAI-style JSON carrying the request id."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from llm_gateway.core.errors import render_error
from llm_gateway.core.exceptions import (
    AuthenticationError,
    ClientError,
    GatewayError,
    InvalidRequestError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableError,
)
from llm_gateway.core.logging import add_access_log_fields

_STATUS_ERRORS: dict[int, type[ClientError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    413: PayloadTooLargeError,
    422: UnprocessableError,
    429: RateLimitError,
}


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def _respond(request: Request, exc: GatewayError) -> Response:
    add_access_log_fields(request.scope.setdefault("state", {}), error=exc.code)
    status, body, headers = render_error(
        exc, request_id=_request_id(request), path=request.url.path
    )
    headers.pop("x-request-id", None)  # the request-context middleware adds it
    return Response(content=body, status_code=status, headers=headers)


def _param(loc: tuple[Any, ...]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or None


async def gateway_error_handler(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, GatewayError):  # registered for GatewayError; narrows the type
        raise exc
    return _respond(request, exc)


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, StarletteHTTPException):
        raise exc
    if exc.status_code == 404:
        err: GatewayError = NotFoundError(
            f"Unknown route: {request.method} {request.url.path}", code="route_not_found"
        )
    elif exc.status_code == 405:
        err = ClientError(
            f"Method {request.method} is not allowed on {request.url.path}",
            code="method_not_allowed",
            status_code=405,
        )
    else:
        cls = _STATUS_ERRORS.get(exc.status_code, ClientError)
        err = cls(str(exc.detail), status_code=exc.status_code)
    err.headers.update(exc.headers or {})
    return _respond(request, err)


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, RequestValidationError):
        raise exc
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
    param = _param(tuple(first.get("loc", ())))
    if first.get("type") == "json_invalid":
        err: GatewayError = InvalidRequestError(
            "Request body is not valid JSON", code="invalid_json", param=None
        )
    else:
        message = str(first.get("msg", "invalid value"))
        if param:
            message = f"{param}: {message}"
        extra = len(errors) - 1
        if extra > 0:
            message += f" (and {extra} more error{'s' if extra > 1 else ''})"
        err = UnprocessableError(message, code="validation_error", param=param)
    return _respond(request, err)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers; unhandled exceptions are rendered by RequestContextMiddleware."""
    app.add_exception_handler(GatewayError, gateway_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_exception_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
