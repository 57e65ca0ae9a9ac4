"""Credentials in query strings never reach the logs (uvicorn logs WebSocket request paths)."""

from __future__ import annotations

import io
import logging
import sys

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
