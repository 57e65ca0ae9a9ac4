"""A response's head and its first body bytes in one socket write.

uvicorn writes the status line and headers when the app sends ``http.response.start``, and the
body when it sends ``http.response.body``: two ``send`` system calls (and two TCP segments) for
every buffered JSON response, which showed up as ~7 % of a worker's CPU under load. The gateway's
protocol (``header_timeout.HeaderTimeoutProtocol``) hands each request/response cycle this
wrapper instead of the raw transport: it holds the cycle's first write (the head) until the next
write, which goes out joined with it. The proxy sends the head and the body (or the first stream
event) in the same event-loop iteration, so nothing waits; if no second write comes in that
iteration (a response without a body, ``100 Continue``), the held bytes go out on the next one.
"""

from __future__ import annotations

import asyncio


class HeadFirstTransport:
    """The parts of ``asyncio.Transport`` a uvicorn cycle uses, with the first write held."""

    __slots__ = ("_first", "_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._first = True
        self._held: bytes | None = None

    def write(self, data: bytes) -> None:
        if self._first:
            self._first = False
            self._held = data
            self._loop.call_soon(self.flush)  # in case no body follows in this iteration
            return
        held = self._held
        if held is not None:
            self._held = None
            data = held + data
        self._transport.write(data)

    def flush(self) -> None:
        """Write the held head now (no-op once it went out)."""
        held = self._held
        if held is not None:
            self._held = None
            self._transport.write(held)

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def close(self) -> None:
        self.flush()
        self._transport.close()
