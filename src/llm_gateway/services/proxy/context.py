"""The one object that follows a proxied request from parsing to ``finalize``."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from llm_gateway.core.exceptions import GatewayError
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.routing.trace import RouteTrace

Api = Literal["openai", "anthropic"]
Endpoint = Literal["chat", "messages", "embeddings", "models", "responses"]
CLIENT_CLOSED = 499  # nginx's "client closed request": the status recorded on a disconnect
CLIENT_MODEL = "client_model"  # ``extras`` key: the model name as sent, before model_routes


@dataclass(slots=True)
class CallContext(RouteTrace):
    """Request id, caller, model, routing trace, timings, usage and outcome of one proxied call.

    The router fills the inherited ``RouteTrace`` fields (``attempts``, ``alias``,
    ``deployment``, ``provider``, ``upstream_model``). Timings are ``time.perf_counter()``
    readings except ``started_at_unix``. ``response_headers`` are added to the response (success
    or error), so hooks can set rate-limit headers; ``extras`` is scratch space for hooks (a
    quota reservation, for instance) carried from ``before_upstream`` to ``finalize``.
    """

    request_id: str | None = None
    api: Api = "openai"
    endpoint: Endpoint = "chat"
    principal: Principal | None = None
    requested_model: str | None = None
    stream: bool = False
    started_at_unix: float = field(default_factory=time.time)
    started_at: float = field(default_factory=time.perf_counter)
    first_byte_at: float | None = None  # response head sent (for streams: with the first chunk)
    ended_at: float | None = None
    usage: dict[str, Any] | None = None  # canonical usage, always requested from upstream
    status_code: int = 200
    error_code: str | None = None
    client_disconnected: bool = False
    response_headers: dict[str, str] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    finalized: bool = False
    # Streamed text kept until the upstream reports usage, so a stream that never does is still
    # counted with the tokenizer instead of escaping the token and cost limits.
    streamed_parts: list[str] = field(default_factory=list)

    def observe_chunk(self, chunk: Mapping[str, Any]) -> None:
        """Record a canonical stream chunk's usage, or its text while no usage has arrived."""
        usage = chunk.get("usage")
        if usage:
            self.usage = usage
            self.streamed_parts.clear()
            return
        if self.usage is not None:
            return
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") or {}
            if content := delta.get("content"):
                self.streamed_parts.append(content)
            for call in delta.get("tool_calls") or ():
                if arguments := (call.get("function") or {}).get("arguments"):
                    self.streamed_parts.append(arguments)

    def streamed_text(self) -> str | None:
        """The text streamed without a usage report, or None when usage arrived (or nothing)."""
        if self.usage is not None or not self.streamed_parts:
            return None
        return "".join(self.streamed_parts)

    def fail(self, exc: GatewayError) -> None:
        """Record ``exc`` as the outcome (the last failure wins)."""
        self.status_code = exc.status_code
        self.error_code = exc.code

    @property
    def prompt_tokens(self) -> int:
        return int((self.usage or {}).get("prompt_tokens") or 0)

    @property
    def completion_tokens(self) -> int:
        return int((self.usage or {}).get("completion_tokens") or 0)

    @property
    def cached_tokens(self) -> int:
        details = (self.usage or {}).get("prompt_tokens_details") or {}
        return int(details.get("cached_tokens") or 0)

    @property
    def duration_ms(self) -> float | None:
        return None if self.ended_at is None else (self.ended_at - self.started_at) * 1000

    @property
    def time_to_first_byte_ms(self) -> float | None:
        return None if self.first_byte_at is None else (self.first_byte_at - self.started_at) * 1000
