"""A per-request hook the gateway's server protocol fires when the client's connection drops.

The proxy cancels the upstream call when the client hangs up. Watching for that through ASGI
means a task per request parked on ``receive()`` (created, scheduled, woken when the response
completes): measurable on the hot path. ``HeaderTimeoutProtocol`` (``llm-gateway serve``'s
protocol) puts one ``DisconnectSignal`` in each request's scope under ``SCOPE_KEY`` and fires it
from ``connection_lost`` when the response was not complete, exactly when uvicorn would answer
``receive()`` with ``http.disconnect`` for that reason. Under another server the key is absent
and the proxy keeps its watch task.
"""

from __future__ import annotations

from collections.abc import Callable

SCOPE_KEY = "llmgw.disconnect"


class DisconnectSignal:
    """Holds at most one callback, called once if the connection drops mid-request.

    A drop before the callback is set is kept: setting a callback afterwards calls it at once.
    """

    __slots__ = ("_callback", "fired")

    def __init__(self) -> None:
        self._callback: Callable[[], None] | None = None
        self.fired = False

    @property
    def callback(self) -> Callable[[], None] | None:
        return self._callback

    @callback.setter
    def callback(self, callback: Callable[[], None] | None) -> None:
        if callback is not None and self.fired:
            callback()  # the connection is already gone
            return
        self._callback = callback

    def fire(self) -> None:
        self.fired = True
        callback, self._callback = self._callback, None
        if callback is not None:
            callback()
