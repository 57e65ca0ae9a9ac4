"""A response's writes of one event-loop iteration leave in one socket write.

uvicorn writes the status line and headers when the app sends ``http.response.start``, each body
message when it is sent, and a chunked response's terminator on the last: two ``send`` system
calls (and two TCP segments) for every buffered JSON response, which showed up as ~7 % of a
worker's CPU under load, and one per event for a stream, even when the upstream delivered
several events (the last content, the usage chunk, ``[DONE]``, the terminator) in one read. The
gateway's protocol (``header_timeout.HeaderTimeoutProtocol``) hands each request/response cycle
this wrapper instead of the raw transport: it holds what the cycle writes during one loop
iteration and writes it as one buffer from a callback scheduled by the iteration's first write,
which runs before any later request's writes on the connection (callbacks run in order). The
protocol flushes it before anything it writes or closes itself (a 400, shutdown, timeouts), and
when the response completes, so its last bytes do not wait for the endpoint's cleanup.
"""

from __future__ import annotations

import asyncio


class HeadFirstTransport:
    """The parts of ``asyncio.Transport`` a uvicorn cycle uses, writes coalesced per iteration."""

    __slots__ = ("_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] | None = None

    def write(self, data: bytes) -> None:
        held = self._held
        if held is None:
            self._held = [data]
            self._loop.call_soon(self.flush)  # after whatever else this iteration writes
        else:
            held.append(data)

    def flush(self) -> None:
        """Write the held bytes now (no-op when nothing is held)."""
        held = self._held
        if held is not None:
            self._held = None
            if not self._transport.is_closing():  # the client left meanwhile: nothing to send
                self._transport.write(held[0] if len(held) == 1 else b"".join(held))

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def close(self) -> None:
        self.flush()
        self._transport.close()
