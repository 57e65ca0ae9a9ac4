"""uvicorn's httptools protocol with a header-read timeout and one socket write per response head.

A connection that opens and sends nothing, or trickles a request line and headers byte by byte,
used to be held forever (a slow-loris holds every socket the process may open). This protocol
arms a timer when the connection opens and when each request begins, disarms it once the headers
are complete, and closes the connection if it fires first. Idle time between requests is
uvicorn's own keep-alive timeout. The limit is ``LLMGW_SERVER__HEADER_TIMEOUT_S``, read from the
settings the lifespan put in the server state (``llm-gateway serve`` passes this class by its
import path, so every worker process uses it). Each request's cycle writes through
``HeadFirstTransport``, so a response's head and body leave in one system call, and each
request's scope carries a ``core.disconnect.DisconnectSignal`` fired when the connection drops
before its response is complete.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from llm_gateway.core.disconnect import SCOPE_KEY as DISCONNECT_KEY
from llm_gateway.core.disconnect import DisconnectSignal
from llm_gateway.core.state import STATE_KEY
from llm_gateway.middleware.head_write import HeadFirstTransport

DEFAULT_HEADER_TIMEOUT_S = 10.0


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` that closes connections whose headers do not arrive in time."""

    _header_timer: asyncio.TimerHandle | None = None

    def _header_timeout_s(self) -> float:
        state: Any = self.app_state.get(STATE_KEY)
        try:
            return float(state.settings.server.header_timeout_s)
        except AttributeError:
            return DEFAULT_HEADER_TIMEOUT_S

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(
                self._header_timeout_s(), self._headers_too_slow
            )

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _flush_cycle(self) -> None:
        """Send what the current cycle holds before the protocol writes or closes by itself."""
        cycle = self.cycle
        if cycle is not None and isinstance(cycle.transport, HeadFirstTransport):
            cycle.transport.flush()

    def send_400_response(self, msg: str) -> None:
        self._flush_cycle()  # a malformed pipelined request: the previous response goes first
        super().send_400_response(msg)

    def shutdown(self) -> None:
        self._flush_cycle()
        super().shutdown()

    def timeout_keep_alive_handler(self) -> None:
        self._flush_cycle()
        super().timeout_keep_alive_handler()

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        self._flush_cycle()
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        # Before the request's task is created (an eager task factory would run it at once).
        cast(dict[str, Any], self.scope)[DISCONNECT_KEY] = DisconnectSignal()
        previous = self.cycle
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and cycle is not previous:  # None or unchanged: an upgrade
            cycle.transport = cast(asyncio.Transport, HeadFirstTransport(self.transport, self.loop))

    def on_response_complete(self) -> None:
        # The last bytes leave now, not after the endpoint's cleanup and the access log. Called
        # from the final send; with a pipelined request queued, self.cycle is that later (silent)
        # request and the finished one's bytes leave at the iteration's end, still first.
        self._flush_cycle()
        self._disarm()  # idle until the next request: uvicorn's keep-alive timeout applies
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        cycle = self.cycle
        super().connection_lost(exc)
        if cycle is not None and cycle.disconnected:  # set only if the response was unfinished
            signal = cast(dict[str, Any], cycle.scope).get(DISCONNECT_KEY)
            if isinstance(signal, DisconnectSignal):
                signal.fire()
