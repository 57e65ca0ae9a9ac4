"""Upstream HTTP for every adapter: timeouts, the POST itself, and mapping failures to errors.

Retryable: connection errors, timeouts, 408/409/429/5xx (429 and 503 carry ``Retry-After``).
Not retryable: other 4xx, passed on with the upstream's status and message so a 400 upstream is a
400 to our client, except 401/403 (the gateway's upstream key is bad: 502 ``upstream_auth_failed``).
Bodies we cannot parse are 502 ``bad_upstream_response``.
"""

from __future__ import annotations

import email.utils
import functools
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import aiohttp
import orjson

from llm_gateway.core.exceptions import InvalidRequestError
from llm_gateway.providers.base import Deployment, Timeouts, UpstreamCallError
from llm_gateway.providers.streaming import bad_upstream_response, parse_json

_RETRYABLE_STATUSES = frozenset({408, 409, 429})
_JSON_HEADERS = {"content-type": "application/json", "accept": "application/json"}


@functools.lru_cache(maxsize=1024)  # frozen in, frozen out: one object per deployment and mode
def client_timeout(timeouts: Timeouts, *, stream: bool) -> aiohttp.ClientTimeout:
    """Connect, time-to-first-byte and total limits as one aiohttp timeout.

    Streaming, ``sock_read`` bounds every wait for data: the wait for the response head (time
    to first byte) and each gap between chunks, so a stalled stream fails too. Not streaming,
    the upstream sends nothing until the whole answer is generated, so that wait is the
    generation time: ``response_s`` (120 s by default, above ``first_byte_s`` so long answers
    of slow models still fit, under the request deadline so a fallback still has time) bounds
    it, so a hung upstream fails long before ``total_s``. The router's per-request deadline
    bounds all attempts together.
    """
    return aiohttp.ClientTimeout(
        total=timeouts.total_s,
        sock_connect=timeouts.connect_s,
        sock_read=timeouts.first_byte_s if stream else timeouts.response_s,
    )


def json_headers(deployment: Deployment, auth: Mapping[str, str]) -> dict[str, str]:
    """Content headers, the provider's auth headers, then the deployment's extra headers."""
    headers = {**_JSON_HEADERS, **auth}
    headers.update(deployment.extra_headers)
    return headers


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from ``retry-after-ms``, ``Retry-After`` (seconds or HTTP date), or None."""
    if value := headers.get("retry-after-ms"):
        try:
            return max(0.0, float(value) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _error_message(body: bytes) -> tuple[str | None, str | None, str | None, str | None]:
    """(message, type, code, param) from an OpenAI, Anthropic or Ollama error body."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None, None, None, None
    if not isinstance(data, dict):
        return None, None, None, None
    error = data.get("error")
    if isinstance(error, str):  # Ollama: {"error": "..."}
        return error, None, None, None
    if isinstance(error, dict):
        message = error.get("message")
        code = error.get("code")
        return (
            message if isinstance(message, str) else None,
            error.get("type") if isinstance(error.get("type"), str) else None,
            str(code) if isinstance(code, str | int) else None,
            error.get("param") if isinstance(error.get("param"), str) else None,
        )
    message = data.get("message") or data.get("detail")
    return (message if isinstance(message, str) else None), None, None, None


def redact_key(message: str | None, deployment: Deployment) -> str | None:
    """``message`` without the deployment's API key, which some upstreams echo back in errors.

    Upstream messages are passed on to our clients and logged; the key is the operator's secret.
    """
    key = deployment.api_key
    if message and key and key in message:
        return message.replace(key, "[REDACTED]")
    return message


def error_from_status(
    status: int, body: bytes, headers: Mapping[str, str], deployment: Deployment
) -> UpstreamCallError:
    """Map a non-2xx upstream answer to ``UpstreamCallError`` (see the module docstring)."""
    message, err_type, code, param = _error_message(body)
    message = redact_key(message, deployment)
    where = f"{deployment.provider} deployment '{deployment.id}'"
    retry_after = parse_retry_after(headers) if status in (429, 503, 529) else None
    if status == 429:
        exc = UpstreamCallError(
            message or f"Rate limited by {where}",
            retryable=True,
            upstream_status=status,
            retry_after_s=retry_after,
            code="upstream_rate_limited",
            status_code=429,
        )
        exc.error_type = "rate_limit_error"
        return exc
    if status in _RETRYABLE_STATUSES or status >= 500:
        return UpstreamCallError(
            f"{where} answered HTTP {status}: {message or 'no error message'}",
            retryable=True,
            upstream_status=status,
            retry_after_s=retry_after,
            code="upstream_timeout" if status == 408 else "upstream_unavailable",
            status_code=504 if status == 408 else 502,
        )
    if status in (401, 403):
        # The gateway's upstream key is wrong: a 401 to our client would blame *its* key.
        return UpstreamCallError(
            f"{where} refused the gateway's credentials (HTTP {status}): "
            f"{message or 'no error message'}",
            retryable=False,
            upstream_status=status,
            code="upstream_auth_failed",
            status_code=502,
        )
    exc = UpstreamCallError(
        message or f"{where} refused the request with HTTP {status}",
        retryable=False,
        upstream_status=status,
        code=code or "upstream_rejected",
        status_code=status if 400 <= status < 500 else 502,
    )
    exc.param = param
    exc.error_type = err_type or "invalid_request_error"
    return exc


def transport_error(exc: BaseException, deployment: Deployment) -> UpstreamCallError:
    """Connection failures and timeouts: always retryable, 504 for timeouts, 502 otherwise."""
    where = f"{deployment.provider} deployment '{deployment.id}'"
    if isinstance(exc, TimeoutError):
        return UpstreamCallError(
            f"Timed out waiting for {where}",
            retryable=True,
            code="upstream_timeout",
            status_code=504,
        )
    if isinstance(exc, aiohttp.ClientPayloadError | aiohttp.ServerDisconnectedError):
        return UpstreamCallError(
            f"{where} closed the connection mid-response",
            retryable=True,
            code="upstream_disconnected",
        )
    return UpstreamCallError(
        f"Cannot reach {where}: {type(exc).__name__}: {exc}",
        retryable=True,
        code="upstream_unavailable",
    )


class post:  # lower-case: it replaced a function, callers write `async with upstream.post(...)`
    """POST ``payload`` as JSON; yield a 2xx response, or raise a mapped ``UpstreamCallError``.

    Transport failures inside the ``async with`` body (reading a stream) are mapped too; the
    response is closed (not returned to the pool) if the body exits early. A class rather than
    an ``@asynccontextmanager`` generator: this runs on every proxied call, and the generator's
    frames and ``athrow`` machinery cost a measurable share of it.
    """

    __slots__ = ("_deployment", "_headers", "_http", "_payload", "_resp", "_stream", "_url")

    def __init__(
        self,
        http: aiohttp.ClientSession,
        deployment: Deployment,
        url: str,
        payload: Any,
        headers: Mapping[str, str],
        *,
        stream: bool = False,
    ) -> None:
        self._http = http
        self._deployment = deployment
        self._url = url
        self._payload = payload
        self._headers = headers
        self._stream = stream
        self._resp: aiohttp.ClientResponse | None = None

    async def __aenter__(self) -> aiohttp.ClientResponse:
        deployment = self._deployment
        try:
            data = orjson.dumps(self._payload)
        except (TypeError, ValueError, RecursionError) as exc:
            # The caller's request, not the upstream: a 400 that never counts against the
            # deployment's health (the edge's depth limit makes this rare).
            raise InvalidRequestError(
                f"The request could not be encoded for the upstream: {exc}",
                code="invalid_request",
            ) from None
        try:
            resp = await self._http.post(
                self._url,
                data=data,
                headers=self._headers,
                timeout=client_timeout(deployment.timeouts, stream=self._stream),
            )
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise transport_error(exc, deployment) from exc
        if resp.status >= 300:
            try:
                try:
                    body = await resp.read()
                except (aiohttp.ClientError, TimeoutError):
                    body = b""
                raise error_from_status(resp.status, body, resp.headers, deployment)
            except BaseException:
                resp.close()
                raise
        self._resp = resp
        return resp

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        resp = self._resp
        if resp is None:  # pragma: no cover - __aenter__ raised, so no __aexit__
            return False
        self._resp = None
        if exc is None:
            resp.release()
            return False
        resp.close()
        if isinstance(exc, aiohttp.ClientError | TimeoutError):
            raise transport_error(exc, self._deployment) from exc
        return False


async def read_json(resp: aiohttp.ClientResponse, deployment: Deployment) -> dict[str, Any]:
    """The whole response body as a JSON object, or a 502 naming the deployment."""
    body = await resp.read()
    data = parse_json(body, source=f"deployment '{deployment.id}'")
    if not isinstance(data, dict):
        raise bad_upstream_response(f"deployment '{deployment.id}'", body)
    return data
