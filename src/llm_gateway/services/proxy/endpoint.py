"""The raw ASGI endpoint shared by the proxy routes: auth, body, handler, errors, ``finalize``.

Every proxied request gets one ``CallContext`` and exactly one ``hooks.finalize`` call, whatever
happens: success, a client or upstream error, a client disconnect (which cancels the upstream
call), or the server cancelling the request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from starlette.types import Receive, Scope, Send

from llm_gateway.core.exceptions import GatewayError
from llm_gateway.core.logging import add_access_log_fields, get_logger
from llm_gateway.services.auth.authenticate import authenticate, credential_from_headers
from llm_gateway.services.proxy import hooks
from llm_gateway.services.proxy.context import (
    CLIENT_CLOSED,
    CLIENT_MODEL,
    Api,
    CallContext,
    Endpoint,
)
from llm_gateway.services.proxy.exchange import Exchange
from llm_gateway.state import STATE_KEY, AppState

_log = get_logger("llm_gateway.proxy")

Handler = Callable[[AppState, Exchange, object], Awaitable[None]]


async def run_finalize(state: AppState, ctx: CallContext) -> None:
    """Call ``hooks.finalize`` once; its failures are logged, never sent to the client."""
    if ctx.finalized:
        return
    ctx.finalized = True
    try:
        await hooks.finalize(state, ctx)
    except Exception:
        _log.exception("finalize hook failed", request_id=ctx.request_id)


class ProxyEndpoint:
    """An ASGI app for one proxy route (Starlette mounts class instances as raw ASGI apps)."""

    def __init__(
        self,
        handler: Handler,
        *,
        api: Api,
        endpoint: Endpoint,
        scope: str | None,
        reads_body: bool = True,
        finalize: bool = True,
    ) -> None:
        self.handler = handler
        self.api: Api = api
        self.endpoint: Endpoint = endpoint
        self.required_scope = scope
        self.reads_body = reads_body
        self.finalize = finalize

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_state = scope["state"]
        state: AppState = request_state[STATE_KEY]
        ctx = CallContext(
            request_id=request_state.get("request_id"), api=self.api, endpoint=self.endpoint
        )
        exchange = Exchange(scope, receive, send, ctx)
        try:
            await self._run(state, exchange)
        except asyncio.CancelledError:
            if not ctx.client_disconnected:
                ctx.status_code, ctx.error_code = CLIENT_CLOSED, "cancelled"
                raise  # the server is cancelling us (shutdown): finalize below, then go
            # Our own disconnect watcher cancelled the call: the client is gone, nothing to send.
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            ctx.status_code, ctx.error_code = CLIENT_CLOSED, "client_disconnected"
        except Exception:
            ctx.status_code, ctx.error_code = 500, "internal_error"
            raise  # rendered (and logged) by the request-context middleware
        finally:
            exchange.stop_watching()
            ctx.ended_at = time.perf_counter()
            add_access_log_fields(
                scope["state"],
                error=ctx.error_code,
                model=ctx.extras.get(CLIENT_MODEL, ctx.requested_model),
                alias=ctx.alias,
                deployment=ctx.deployment,
                attempts=len(ctx.attempts) or None,
            )
            if self.finalize:
                await run_finalize(state, ctx)

    async def _run(self, state: AppState, exchange: Exchange) -> None:
        ctx = exchange.ctx
        try:
            principal = await authenticate(
                state, credential_from_headers(exchange.scope["headers"])
            )
            if self.required_scope is not None:
                principal.require_scope(self.required_scope)
            ctx.principal = principal
            body: object = None
            if self.reads_body:
                raw = await exchange.read_body()
                if raw is None:  # the client left while sending the body
                    ctx.client_disconnected = True
                    ctx.status_code, ctx.error_code = CLIENT_CLOSED, "client_disconnected"
                    return
                body = exchange.parse_json(raw)
                exchange.watch_disconnect()
            await self.handler(state, exchange, body)
        except GatewayError as exc:
            ctx.fail(exc)
            if not exchange.started:
                await exchange.send_error(exc)
                return
            # Handlers report stream failures in-band; this only guards against a hang.
            _log.warning("error after response start", error=exc.code, request_id=ctx.request_id)
            await exchange.end_stream()
