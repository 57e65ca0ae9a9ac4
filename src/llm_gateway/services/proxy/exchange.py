"""One raw ASGI request/response: reading the body, sending JSON or SSE, watching for disconnects.

The proxy endpoints skip Starlette's Request/Response objects: on the hot path every allocation
shows up in the added latency. Responses carry the gateway headers (deployment, model, attempts)
and whatever hooks put in ``ctx.response_headers``.
"""

from __future__ import annotations

import asyncio
import time

import orjson
from starlette.types import Receive, Scope, Send

from llm_gateway.core.disconnect import SCOPE_KEY as DISCONNECT_KEY
from llm_gateway.core.disconnect import DisconnectSignal
from llm_gateway.core.errors import render_error
from llm_gateway.core.exceptions import GatewayError, InvalidRequestError
from llm_gateway.core.json_depth import MAX_JSON_DEPTH, depth_exceeds, may_exceed_depth
from llm_gateway.providers.streaming import SSE_CONTENT_TYPE, SSE_HEADERS
from llm_gateway.services.proxy.context import CallContext

Headers = list[tuple[bytes, bytes]]
JSON_TYPE = b"application/json"
_SSE_HEAD: Headers = [
    (b"content-type", SSE_CONTENT_TYPE.encode()),
    *((k.encode(), v.encode()) for k, v in SSE_HEADERS.items()),
]


class Exchange:
    """Send side and disconnect watch for one proxied request."""

    __slots__ = (
        "_completing",
        "_signal",
        "_task",
        "_watcher",
        "ctx",
        "receive",
        "scope",
        "send",
        "started",
    )

    def __init__(self, scope: Scope, receive: Receive, send: Send, ctx: CallContext) -> None:
        self.scope = scope
        self.receive = receive
        self.send = send
        self.ctx = ctx
        self.started = False  # the response head went out: errors must now go in-band
        self._completing = False
        self._watcher: asyncio.Task[None] | None = None
        self._signal: DisconnectSignal | None = None
        self._task: asyncio.Task[object] | None = None

    # --- request ---------------------------------------------------------------------------

    async def read_body(self) -> bytes | None:
        """The whole request body, or None when the client went away while sending it."""
        message = await self.receive()
        body: bytes = message.get("body", b"")
        if not message.get("more_body"):
            return body if message["type"] == "http.request" else None
        parts = [body]
        while message.get("more_body"):
            message = await self.receive()
            if message["type"] != "http.request":
                return None
            parts.append(message.get("body", b""))
        return b"".join(parts)

    @staticmethod
    def parse_json(raw: bytes) -> object:
        """``raw`` parsed with orjson (400 ``invalid_json``); a JSON ``null`` parses to None."""
        try:
            body: object = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise InvalidRequestError(
                "We could not parse the JSON body of your request.", code="invalid_json"
            ) from None
        if may_exceed_depth(raw) and depth_exceeds(body):
            raise InvalidRequestError(
                f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels.",
                code="json_too_deep",
            )
        return body

    def watch_disconnect(self) -> None:
        """Cancel the current task if the client disconnects before the response is complete.

        Under the gateway's own server protocol the connection's loss calls us back
        (``core.disconnect``); elsewhere a task waits on ``receive()`` for ``http.disconnect``.
        """
        task = asyncio.current_task()
        if task is None:
            return
        signal = self.scope.get(DISCONNECT_KEY)
        if signal is not None:
            self._signal, self._task = signal, task
            signal.callback = self._connection_lost
            return
        self._watcher = asyncio.create_task(self._watch(task))

    def _connection_lost(self) -> None:
        task = self._task
        if task is not None and not self._completing:
            self.ctx.client_disconnected = True
            task.cancel()

    async def _watch(self, task: asyncio.Task[object]) -> None:
        while (await self.receive())["type"] != "http.disconnect":
            pass
        # Servers also report "disconnect" once the response is complete; that is not a hang-up.
        if not self._completing:
            self.ctx.client_disconnected = True
            task.cancel()

    def stop_watching(self) -> None:
        """Stop the watch if the response is unfinished (an error path).

        Once the response is complete, ASGI servers answer the pending ``receive()`` with
        ``http.disconnect`` at once, so the watcher ends by itself: cancelling it would only
        add the cost of a ``CancelledError`` to every request.
        """
        signal = self._signal
        if signal is not None:
            signal.callback = None
            self._task = None
            return
        watcher = self._watcher
        if watcher is not None and not self._completing and not watcher.done():
            watcher.cancel()

    # --- response --------------------------------------------------------------------------

    def _head(self, status: int, headers: Headers) -> None:
        ctx = self.ctx
        headers.append((b"x-gateway-attempts", b"%d" % len(ctx.attempts)))
        if ctx.deployment is not None:
            headers.append((b"x-gateway-deployment", ctx.deployment.encode()))
        if ctx.alias is not None:
            headers.append((b"x-gateway-model", ctx.alias.encode()))
        if ctx.api == "anthropic" and ctx.request_id:
            headers.append((b"request-id", ctx.request_id.encode()))
        for name, value in ctx.response_headers.items():
            headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
        ctx.status_code = status
        self.started = True

    async def send_json(self, status: int, body: bytes) -> None:
        """A complete JSON response."""
        headers: Headers = [(b"content-type", JSON_TYPE), (b"content-length", b"%d" % len(body))]
        self._head(status, headers)
        send = self.send
        await send({"type": "http.response.start", "status": status, "headers": headers})
        self.ctx.first_byte_at = time.perf_counter()
        self._completing = True
        await send({"type": "http.response.body", "body": body})

    async def send_error(self, exc: GatewayError) -> None:
        """``exc`` rendered in the API's own format (OpenAI's, or Anthropic's on /v1/messages)."""
        status, body, rendered = render_error(
            exc, request_id=self.ctx.request_id, path=self.scope["path"]
        )
        rendered.pop("x-request-id", None)  # the request-context middleware adds it
        rendered.pop("content-type", None)
        headers: Headers = [(b"content-type", JSON_TYPE), (b"content-length", b"%d" % len(body))]
        headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in rendered.items()]
        self._head(status, headers)
        self.ctx.fail(exc)
        await self.send({"type": "http.response.start", "status": status, "headers": headers})
        self._completing = True
        await self.send({"type": "http.response.body", "body": body})

    async def start_stream(self, first: bytes) -> None:
        """The SSE head and the first event, in one go."""
        headers = list(_SSE_HEAD)
        self._head(200, headers)
        await self.send({"type": "http.response.start", "status": 200, "headers": headers})
        self.ctx.first_byte_at = time.perf_counter()
        await self.send({"type": "http.response.body", "body": first, "more_body": True})

    async def stream(self, data: bytes) -> None:
        await self.send({"type": "http.response.body", "body": data, "more_body": True})

    async def end_stream(self, data: bytes = b"") -> None:
        self._completing = True
        await self.send({"type": "http.response.body", "body": data})

    async def emit(self, data: bytes) -> None:
        """One SSE event, opening the response first if needed."""
        if self.started:
            await self.stream(data)
        else:
            await self.start_stream(data)

    async def finish(self, data: bytes = b"") -> None:
        """The last SSE bytes (``[DONE]``, an error event), opening the response if needed."""
        if self.started:
            await self.end_stream(data)
        else:
            await self.start_stream(data)
            await self.end_stream()
