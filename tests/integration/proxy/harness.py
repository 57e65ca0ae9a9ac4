"""A real gateway server for clients that need one: uvicorn + fake upstream on a background loop.

Sync SDK clients block the test's thread, so neither the gateway nor the fake upstream may run
on the test's event loop; both run on one loop in a daemon thread, on ephemeral ports.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import uvicorn

from llm_gateway.app import create_app
from llm_gateway.core.config import Settings
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.middleware.header_timeout import HeaderTimeoutProtocol
from llm_gateway.state import STATE_KEY, AppState

T = TypeVar("T")


class GatewayThread:
    """Start with ``start()``; ``base_url`` is the gateway, ``fake`` its upstream."""

    def __init__(self, settings_for: Callable[[str], Settings]) -> None:
        self._settings_for = settings_for
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gateway", daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: uvicorn.Server | None = None
        self._error: BaseException | None = None
        self.fake: FakeUpstream | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def state(self) -> AppState:
        if self._server is None:
            raise RuntimeError("gateway not started")
        lifespan: Any = self._server.lifespan
        state: AppState = lifespan.state[STATE_KEY]
        return state

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(60):
            raise RuntimeError("gateway did not start within 60 s")
        if self._error is not None:
            raise RuntimeError("gateway failed to start") from self._error

    def stop(self) -> None:
        if self._server is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(setattr, self._server, "should_exit", True)
        self._thread.join(30)

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the gateway's loop and wait for its result."""
        if self._loop is None:
            raise RuntimeError("gateway not started")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(30)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to start() rather than lost in the thread
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        async with FakeUpstream(seed=1) as fake:
            self.fake = fake
            app = create_app(self._settings_for(fake.base_url))
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
            # The protocol ``llm-gateway serve`` runs (header timeout, disconnect signal).
            config = uvicorn.Config(
                app,
                http=HeaderTimeoutProtocol,
                log_level="warning",
                access_log=False,
                lifespan="on",
            )
            self._server = uvicorn.Server(config)
            serving = asyncio.create_task(self._server.serve(sockets=[sock]))
            while not self._server.started:
                if serving.done():
                    await serving  # raises the startup error
                    raise RuntimeError("uvicorn exited during startup")
                await asyncio.sleep(0.01)
            self._ready.set()
            await serving
