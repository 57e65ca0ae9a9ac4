"""An open upstream stream whose first chunk has already arrived, so nothing is retried any more."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType

from llm_gateway.core.exceptions import GatewayError
from llm_gateway.providers.base import ChatChunk, Deployment, UpstreamCallError
from llm_gateway.services.routing.errors import timeout_error, unexpected_error

OnClose = Callable[[Deployment, GatewayError | None], Awaitable[None]]


async def _close(chunks: AsyncIterator[ChatChunk]) -> None:
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        await aclose()


async def open_stream(
    chunks: AsyncIterator[ChatChunk], deployment: Deployment, *, on_close: OnClose
) -> ChatStream:
    """Wait for the first chunk of ``chunks``; any failure up to then is the caller's to retry."""
    try:
        first = await anext(chunks)
    except StopAsyncIteration:
        await _close(chunks)
        raise UpstreamCallError(
            f"Deployment '{deployment.id}' ended the stream without sending anything",
            retryable=True,
            code="upstream_empty_stream",
        ) from None
    except BaseException:
        await _close(chunks)
        raise
    return ChatStream(first, chunks, deployment, on_close)


class ChatStream:
    """Canonical chunks from one deployment; ``aclose()`` (or ``async with``) releases it.

    A failure after the first chunk is raised as a ``GatewayError`` (``UpstreamCallError`` for
    upstream trouble); the caller turns it into its protocol's error event.
    """

    __slots__ = ("_closed", "_first", "_on_close", "_rest", "deployment")

    def __init__(
        self,
        first: ChatChunk,
        rest: AsyncIterator[ChatChunk],
        deployment: Deployment,
        on_close: OnClose,
    ) -> None:
        self._first: ChatChunk | None = first
        self._rest = rest
        self._on_close = on_close
        self._closed = False
        self.deployment = deployment

    def __aiter__(self) -> ChatStream:
        return self

    async def __anext__(self) -> ChatChunk:
        first = self._first
        if first is not None:
            self._first = None
            return first
        try:
            return await self._rest.__anext__()
        except StopAsyncIteration:
            await self.aclose()
            raise
        except GatewayError as exc:
            await self.aclose(exc)
            raise
        except asyncio.CancelledError:
            raise
        except TimeoutError as exc:
            error = timeout_error(self.deployment)
            await self.aclose(error)
            raise error from exc
        except Exception as exc:
            error = unexpected_error(exc, self.deployment)
            await self.aclose(error)
            raise error from exc

    async def aclose(self, error: GatewayError | None = None) -> None:
        """Release the upstream response (idempotent); ``error`` marks a failed stream."""
        if self._closed:
            return
        self._closed = True
        try:
            await _close(self._rest)
        finally:
            await self._on_close(self.deployment, error)

    async def __aenter__(self) -> ChatStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
