"""``FakeUpstream``: an aiohttp server speaking OpenAI, Anthropic and Ollama, with scripted faults.

In tests::

    async with FakeUpstream() as server:          # 127.0.0.1, ephemeral port
        server.script("demo", Behaviour("status", status=429, retry_after_s=1, times=2))
        ... server.base_url ...                   # http://127.0.0.1:<port>
        server.requests("demo")                   # what the upstream received

Over HTTP (CLI and demo mode): ``POST /_fake/script`` with
``{"model": "demo", "behaviours": [{"status": 429, "times": 2}], "knobs": {"ttft_s": 0.1}}``,
``GET /_fake/requests[?model=demo]`` (the log, plus ``aborted_streams``) and ``POST /_fake/reset``.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Awaitable, Callable, Iterable
from types import TracebackType
from typing import Any

from aiohttp import web

from llm_gateway.fake_upstream import handlers
from llm_gateway.fake_upstream.anthropic_wire import AnthropicWire
from llm_gateway.fake_upstream.behaviour import Behaviour, Knobs, check_knobs, parse_behaviour
from llm_gateway.fake_upstream.handlers import FakeState, json_response
from llm_gateway.fake_upstream.ollama_wire import OllamaWire
from llm_gateway.fake_upstream.openai_wire import OpenAIWire

DEFAULT_MODELS = ("demo", "demo-large", "demo-embed", "echo")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FakeUpstream:
    """The fake server; start with ``async with`` (or ``start``/``stop``)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        knobs: Knobs | None = None,
        models: Iterable[str] = DEFAULT_MODELS,
        api_key: str | None = None,
        record_requests: bool = True,
        seed: int | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self._state = FakeState(
            knobs=knobs or Knobs(),
            models=tuple(models),
            api_key=api_key,
            record=record_requests,
            rng=random.Random(seed),
        )
        self._initial_knobs = self._state.knobs
        self._runner: web.AppRunner | None = None

    # --- lifecycle -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://host:port`` (append ``/v1`` for OpenAI clients)."""
        return f"http://{self.host}:{self.port}"

    def build_app(self) -> web.Application:
        openai, anthropic, ollama = OpenAIWire(), AnthropicWire(), OllamaWire()
        state = self._state

        def bind(fn: Callable[..., Awaitable[web.StreamResponse]], *args: Any) -> Handler:
            async def handler(request: web.Request) -> web.StreamResponse:
                return await fn(state, *args, request)

            return handler

        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", bind(handlers.chat, openai))
        app.router.add_post("/chat/completions", bind(handlers.chat, openai))
        app.router.add_post("/v1/embeddings", bind(handlers.openai_embeddings, openai))
        app.router.add_get("/v1/models", bind(handlers.openai_models))
        app.router.add_post("/v1/messages", bind(handlers.chat, anthropic))
        app.router.add_post("/api/chat", bind(handlers.chat, ollama))
        app.router.add_post("/api/embed", bind(handlers.ollama_embed, ollama))
        app.router.add_get("/api/tags", bind(handlers.ollama_tags))
        app.router.add_post("/_fake/script", self._http_script)
        app.router.add_get("/_fake/requests", self._http_requests)
        app.router.add_post("/_fake/reset", self._http_reset)
        return app

    async def start(self) -> None:
        """Bind and serve; ``OSError`` (address in use) propagates with nothing left running."""
        self._state.closing.clear()
        runner = web.AppRunner(
            self.build_app(), access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = runner.addresses[0][1]

    async def stop(self) -> None:
        self._state.closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeUpstream:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # --- in-process control --------------------------------------------------------------------

    def script(self, model: str, *behaviours: Behaviour, **knobs: Any) -> None:
        """Queue ``behaviours`` for ``model`` (``"*"``: any unscripted model); set its knobs."""
        self._state.script.add(model, behaviours)
        if knobs:
            current = self._state.script.knobs.setdefault(model, {})
            current.update(check_knobs(knobs))

    def set_knobs(self, **knobs: Any) -> None:
        """Change the global knobs (per-model ones from ``script`` still take precedence)."""
        self._state.knobs = dataclasses.replace(self._state.knobs, **check_knobs(knobs))

    def requests(self, model: str | None = None) -> list[dict[str, Any]]:
        """Recorded requests, oldest first: ``path``, ``model``, ``headers``, ``body``."""
        return [r for r in self._state.log if model is None or r["model"] == model]

    @property
    def aborted_streams(self) -> int:
        """How many streams the client closed before their end (client-disconnect tests)."""
        return self._state.aborted_streams

    def reset(self) -> None:
        """Forget scripts, knob changes and the request log."""
        self._state.knobs = self._initial_knobs
        self._state.script.clear()
        self._state.log.clear()
        self._state.aborted_streams = 0

    # --- HTTP control --------------------------------------------------------------------------

    async def _http_script(self, request: web.Request) -> web.Response:
        try:
            body = await handlers.read_body(request)
            model = body.get("model", "*")
            raw = body.get("behaviours") or []
            if not isinstance(model, str) or not isinstance(raw, list):
                raise ValueError("'model' must be a string and 'behaviours' a list")
            behaviours = [parse_behaviour(b) for b in raw]
            self.script(model, *behaviours, **(body.get("knobs") or {}))
        except (ValueError, TypeError) as exc:
            return json_response({"error": str(exc)}, 400)
        return json_response({"ok": True, "model": model, "queued": len(behaviours)})

    async def _http_requests(self, request: web.Request) -> web.Response:
        requests = self.requests(request.query.get("model"))
        return json_response({"requests": requests, "aborted_streams": self.aborted_streams})

    async def _http_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return json_response({"ok": True})
