"""The one exception hierarchy: every error the gateway raises on purpose derives from GatewayError.

Client errors (the caller's mistake, 4xx) and server errors (upstream, database, store: 5xx) are
separate branches so handlers, retries and metrics can tell them apart. Each error carries what the
OpenAI-style body needs: message, type, machine-readable code and the offending param.
"""

from __future__ import annotations

from collections.abc import Mapping


class GatewayError(Exception):
    """Base of every deliberate gateway error."""

    status_code: int = 500
    error_type: str = "server_error"
    code: str = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        status_code: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        self.param = param
        self.headers: dict[str, str] = dict(headers or {})


# --- client errors -------------------------------------------------------------------------


class ClientError(GatewayError):
    """The request cannot be served as sent; retrying it unchanged will fail again."""

    status_code = 400
    error_type = "invalid_request_error"
    code = "invalid_request"


class InvalidRequestError(ClientError):
    """A malformed body or an invalid parameter."""


class AuthenticationError(ClientError):
    """Missing or invalid credentials."""

    status_code = 401
    error_type = "authentication_error"
    code = "invalid_api_key"

    def __init__(self, message: str = "Invalid authentication credentials", **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.headers.setdefault("WWW-Authenticate", "Bearer")


class PermissionDeniedError(ClientError):
    """Authenticated, but not allowed to do this."""

    status_code = 403
    error_type = "permission_error"
    code = "permission_denied"


class NotFoundError(ClientError):
    """The resource does not exist, or is not the caller's (404 either way so ids don't leak)."""

    status_code = 404
    error_type = "not_found_error"
    code = "not_found"


class ConflictError(ClientError):
    """The request conflicts with the current state (a duplicate, for example)."""

    status_code = 409
    error_type = "conflict_error"
    code = "conflict"


class PayloadTooLargeError(ClientError):
    """The request body exceeds the configured limit."""

    status_code = 413
    code = "request_too_large"


class UnprocessableError(ClientError):
    """Well-formed but semantically invalid (a weak password, a reversed date range)."""

    status_code = 422
    code = "unprocessable_entity"


class RateLimitError(ClientError):
    """A rate limit, quota or budget was hit; ``retry_after_s`` goes into ``Retry-After``."""

    status_code = 429
    error_type = "rate_limit_error"
    code = "rate_limit_exceeded"

    def __init__(
        self,
        message: str,
        *,
        retry_after_s: float | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, code=code, headers=headers)
        self.retry_after_s = retry_after_s
        if retry_after_s is not None:
            self.headers["Retry-After"] = str(max(1, int(retry_after_s + 0.999)))


# --- server errors -------------------------------------------------------------------------


class ServerError(GatewayError):
    """Something on our side or upstream failed; the caller may retry later."""

    status_code = 500
    error_type = "server_error"
    code = "internal_error"


class UpstreamError(ServerError):
    """An upstream provider answered with garbage or an error we cannot pass through."""

    status_code = 502
    error_type = "upstream_error"
    code = "bad_gateway"


class UpstreamTimeoutError(ServerError):
    """An upstream provider did not answer in time."""

    status_code = 504
    error_type = "upstream_error"
    code = "upstream_timeout"


class ServiceUnavailableError(ServerError):
    """A dependency (database, store, every deployment of a model) is unavailable."""

    status_code = 503
    error_type = "service_unavailable"
    code = "service_unavailable"
