"""The provider interface and the canonical request/response shape.

The canonical shape is OpenAI Chat Completions as plain dicts (parsed with orjson, never copied
deeply): requests are ``/v1/chat/completions`` bodies, responses are ``chat.completion`` objects,
stream items are ``chat.completion.chunk`` objects. Each adapter translates that shape to and from
its wire protocol; the router and the endpoints know nothing of wire formats.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import aiohttp

from llm_gateway.core.exceptions import InvalidRequestError, ServerError

ChatRequest = dict[str, Any]  # OpenAI chat.completions request body
ChatResponse = dict[str, Any]  # OpenAI chat.completion object
ChatChunk = dict[str, Any]  # OpenAI chat.completion.chunk object
EmbeddingRequest = dict[str, Any]  # OpenAI embeddings request body
EmbeddingResponse = dict[str, Any]  # OpenAI embeddings response ("object": "list")

ProviderName = Literal["openai", "anthropic", "ollama"]


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Per-deployment limits of one attempt: connecting, waiting for data, and the whole call.

    ``first_byte_s`` applies to streams (the head, then every gap between chunks), so a stream
    that keeps sending may run up to ``total_s``; a non-streamed answer arrives only when
    complete, so ``response_s`` bounds it. Both per-attempt waits stay well under the router's
    request deadline (300 s) so that a hung deployment leaves time for the next one.
    """

    connect_s: float = 5.0
    first_byte_s: float = 60.0
    total_s: float = 1800.0
    response_s: float = 120.0  # non-streamed: time to the response head (the whole answer)


@dataclass(frozen=True, slots=True)
class Deployment:
    """One upstream that can serve an alias: a provider, a model name there, and how to reach it."""

    id: str  # stable and unique, e.g. "gpt-4o-mini/openai/0"
    alias: str
    provider: ProviderName
    model: str  # the model name the upstream expects
    base_url: str
    api_key: str | None = field(default=None, repr=False)
    weight: float = 1.0
    rpm: int | None = None
    tpm: int | None = None
    timeouts: Timeouts = field(default_factory=Timeouts)
    extra_headers: tuple[tuple[str, str], ...] = ()
    # The alias's output cap: sent as max_tokens where the wire protocol requires one (Anthropic).
    max_output_tokens: int | None = None


class UpstreamCallError(ServerError):
    """An upstream call failed. ``retryable`` tells the router whether another try may succeed.

    ``upstream_status`` is the HTTP status the upstream sent (None for connection errors and
    timeouts); ``retry_after_s`` comes from its ``Retry-After`` header.
    """

    status_code = 502
    error_type = "upstream_error"
    code = "upstream_error"

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        upstream_status: int | None = None,
        retry_after_s: float | None = None,
        code: str | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message, code=code, status_code=status_code)
        self.retryable = retryable
        self.upstream_status = upstream_status
        self.retry_after_s = retry_after_s


class ProviderAdapter(abc.ABC):
    """Translate canonical requests to one wire protocol and back.

    Implementations are stateless and shared by every request; the aiohttp session is passed in.
    ``chat_stream`` must raise ``UpstreamCallError`` *before* yielding its first chunk when the
    upstream fails to start (so the router can retry or fail over), and yield canonical chunks as
    they arrive (never buffering the whole answer). A failure after the first chunk is raised as
    ``UpstreamCallError`` too; the caller turns it into the client protocol's error event.
    """

    name: ClassVar[ProviderName]

    @abc.abstractmethod
    async def chat(
        self, http: aiohttp.ClientSession, deployment: Deployment, request: ChatRequest
    ) -> ChatResponse:
        """One non-streaming completion, returned in canonical shape with ``usage``."""

    @abc.abstractmethod
    def chat_stream(
        self, http: aiohttp.ClientSession, deployment: Deployment, request: ChatRequest
    ) -> AsyncIterator[ChatChunk]:
        """Stream canonical chunks; the last one carries ``usage`` whenever the upstream gave it."""

    async def embed(
        self, http: aiohttp.ClientSession, deployment: Deployment, request: EmbeddingRequest
    ) -> EmbeddingResponse:
        """Embeddings in OpenAI's shape; providers without embeddings raise a client error."""
        raise InvalidRequestError(
            f"Provider '{self.name}' does not serve embeddings", code="unsupported_operation"
        )
