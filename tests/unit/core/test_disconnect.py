"""A client hang-up cancels the proxied call: through the server's signal, or a watch task."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from starlette.types import Message

from llm_gateway.core.disconnect import SCOPE_KEY, DisconnectSignal
from llm_gateway.services.proxy.context import CallContext
from llm_gateway.services.proxy.exchange import Exchange


def _exchange(scope_extra: dict[str, object], receive: Callable[[], object]) -> Exchange:
    async def send(message: Message) -> None:
        return None

    scope = {"type": "http", "path": "/v1/chat/completions", "headers": [], **scope_extra}
    ctx = CallContext(request_id="req_test", api="openai", endpoint="chat")
    return Exchange(scope, receive, send, ctx)  # type: ignore[arg-type]


async def _pending() -> Message:
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


async def _call(exchange: Exchange, started: asyncio.Event) -> None:
    exchange.watch_disconnect()
    started.set()
    await asyncio.sleep(30)


async def test_the_server_signal_cancels_the_call_without_a_watch_task() -> None:
    signal = DisconnectSignal()
    exchange = _exchange({SCOPE_KEY: signal}, _pending)
    started = asyncio.Event()
    task = asyncio.create_task(_call(exchange, started))
    await started.wait()
    assert exchange._watcher is None  # no task parked on receive()
    signal.fire()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    assert exchange.ctx.client_disconnected


async def test_the_signal_does_nothing_once_the_response_is_complete_or_the_call_ended() -> None:
    signal = DisconnectSignal()
    exchange = _exchange({SCOPE_KEY: signal}, _pending)
    started = asyncio.Event()
    task = asyncio.create_task(_call(exchange, started))
    await started.wait()
    exchange._completing = True  # the last body bytes were handed to the server
    signal.fire()
    await asyncio.sleep(0)
    assert not task.done()
    assert not exchange.ctx.client_disconnected
    exchange._completing = False
    exchange.stop_watching()
    assert signal.callback is None
    signal.fire()  # the connection drops after the call ended: nothing to cancel
    await asyncio.sleep(0)
    assert not task.done()
    task.cancel()


async def test_without_the_signal_a_watch_task_cancels_the_call() -> None:
    gone = asyncio.Event()

    async def receive() -> Message:
        await gone.wait()
        return {"type": "http.disconnect"}

    exchange = _exchange({}, receive)
    started = asyncio.Event()
    task = asyncio.create_task(_call(exchange, started))
    await started.wait()
    assert exchange._watcher is not None
    gone.set()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    assert exchange.ctx.client_disconnected


def test_a_signal_fired_before_its_callback_is_set_calls_it_when_set() -> None:
    signal = DisconnectSignal()
    signal.fire()  # the connection dropped before the endpoint started watching
    calls: list[str] = []
    signal.callback = lambda: calls.append("lost")
    assert calls == ["lost"]
    assert signal.callback is None  # called once, not kept
    signal.fire()
    assert calls == ["lost"]


async def test_a_hang_up_before_the_watch_begins_still_cancels_the_call() -> None:
    signal = DisconnectSignal()
    signal.fire()
    exchange = _exchange({SCOPE_KEY: signal}, _pending)
    task = asyncio.create_task(_call(exchange, asyncio.Event()))
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    assert exchange.ctx.client_disconnected
