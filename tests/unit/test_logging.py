"""Credentials in query strings never reach the logs (uvicorn logs WebSocket request paths)."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from llm_gateway.core.logging import configure_logging


def test_query_string_credentials_are_masked_in_stdlib_logs() -> None:
    configure_logging(level="INFO", json=False)
    handler = logging.getLogger().handlers[0]
    buffer = io.StringIO()
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    try:
        # uvicorn's own loggers get their levels from whichever server ran last in this process:
        # use a fresh logger with uvicorn's message shape.
        logging.getLogger("test.uvicorn.error").warning(
            '%s - "WebSocket %s" [accepted]', "127.0.0.1:5000", "/chat/ws?token=eyJsecret.x.y"
        )
        logging.getLogger("other").warning("GET /x?api_key=sk-gw-abc&page=2")
    finally:
        handler.setStream(sys.stderr)
    out = buffer.getvalue()
    assert "eyJsecret" not in out
    assert "sk-gw-abc" not in out
    assert "token=***" in out
    assert "page=2" in out


async def test_json_access_line_carries_request_context() -> None:
    """The access log's JSON line: the request's fields, the bound request id, no secrets."""
    import asyncio

    import orjson
    import structlog

    from llm_gateway.core.logging import JsonAccessLog

    buffer = io.StringIO()
    access = JsonAccessLog(buffer)
    tokens = structlog.contextvars.bind_contextvars(request_id="req_abc", token="sk-secret")
    try:
        access.info("request", method="POST", path="/v1/chat/completions", status=200)
        access.info("request", method="GET", path="/v1/models", status=401)
    finally:
        structlog.contextvars.reset_contextvars(**tokens)
    assert buffer.getvalue() == ""  # written together at the end of the loop iteration
    await asyncio.sleep(0)
    first, second = (orjson.loads(line) for line in buffer.getvalue().splitlines())
    assert first["event"] == "request"
    assert first["level"] == "info"
    assert (first["method"], first["path"], first["status"]) == (
        "POST",
        "/v1/chat/completions",
        200,
    )
    assert first["request_id"] == "req_abc"
    assert first["timestamp"].endswith("Z")
    assert second["status"] == 401
    assert "sk-secret" not in buffer.getvalue()


def test_access_line_timestamp_is_isoformat_utc() -> None:
    """The cached-seconds clock writes what ``datetime.isoformat()`` writes, fraction or not."""
    from datetime import UTC, datetime

    from llm_gateway.core.logging import _Clock

    clock = _Clock()
    for instant in (
        datetime(2026, 12, 4, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2026, 12, 5, 0, 0, 0, 0, tzinfo=UTC),
        datetime(2026, 12, 5, 0, 0, 0, 1, tzinfo=UTC),
        datetime(2027, 12, 5, 0, 0, 0, 1, tzinfo=UTC),  # same second of another year
    ):
        assert clock.format(instant) == instant.isoformat().replace("+00:00", "Z")
    assert clock.now().endswith("Z")


def test_access_line_redacts_secret_keys_every_time() -> None:
    from llm_gateway.core.logging import JsonAccessLog

    log = JsonAccessLog(io.StringIO())
    for _ in range(3):  # checked names are cached: the cache must not let a secret through
        fields = {"Authorization": "Bearer x", "path": "/v1/x", "api_key": "k"}
        log.redact(fields)
        assert fields == {"Authorization": "***", "path": "/v1/x", "api_key": "***"}


def test_access_log_key_cache_is_per_log_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The safe-name cache lives on the log (no module state) and stops growing at its bound."""
    from llm_gateway.core import logging as gateway_logging

    monkeypatch.setattr(gateway_logging, "SAFE_KEYS_MAX", 5)
    first, second = (gateway_logging.JsonAccessLog(io.StringIO()) for _ in range(2))
    first.redact({f"k{i}": i for i in range(20)} | {"token": "t"})
    assert first._safe_keys == {f"k{i}" for i in range(5)}
    assert second._safe_keys == set()
    fields: dict[str, object] = {"k19": 1, "token": "t"}  # past the bound: still checked
    first.redact(fields)
    assert fields == {"k19": 1, "token": "***"}
