"""Every adapter maps every upstream fault the same way: retryable or not, status, Retry-After."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import aiohttp
import pytest

from llm_gateway.fake_upstream import Behaviour, FakeUpstream
from llm_gateway.providers.anthropic import AnthropicAdapter
from llm_gateway.providers.base import ProviderAdapter, Timeouts, UpstreamCallError
from llm_gateway.providers.ollama import OllamaAdapter
from llm_gateway.providers.openai import OpenAIAdapter
from tests.integration.providers.support import collect, deployment, text_of

ADAPTERS = [OpenAIAdapter(), AnthropicAdapter(), OllamaAdapter()]
REQUEST: dict[str, Any] = {"model": "x", "messages": [{"role": "user", "content": "one two three"}]}
SHORT = Timeouts(connect_s=1, first_byte_s=0.3, total_s=5)

pytestmark = pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda a: a.name)


async def _chat_error(
    adapter: ProviderAdapter, http: aiohttp.ClientSession, fake: FakeUpstream, **kw: Any
) -> UpstreamCallError:
    with pytest.raises(UpstreamCallError) as info:
        await adapter.chat(http, deployment(fake, adapter.name, **kw), REQUEST)
    return info.value


async def _stream_error_before_first_chunk(
    adapter: ProviderAdapter, http: aiohttp.ClientSession, fake: FakeUpstream, **kw: Any
) -> UpstreamCallError:
    stream = adapter.chat_stream(http, deployment(fake, adapter.name, **kw), REQUEST)
    with pytest.raises(UpstreamCallError) as info:
        await anext(stream)  # the very first pull fails: nothing was yielded
    return info.value


async def _stream_error_after_chunks(
    adapter: ProviderAdapter, http: aiohttp.ClientSession, fake: FakeUpstream, **kw: Any
) -> tuple[list[Any], UpstreamCallError]:
    received: list[Any] = []

    async def consume() -> None:
        async for chunk in adapter.chat_stream(http, deployment(fake, adapter.name, **kw), REQUEST):
            received.append(chunk)

    with pytest.raises(UpstreamCallError) as info:
        await consume()
    return received, info.value


async def test_429_is_retryable_with_retry_after(
    adapter: ProviderAdapter, http: aiohttp.ClientSession, fake: FakeUpstream
) -> None:
    fake.script("demo", Behaviour("status", status=429, retry_after_s=2, times=2))
    for exc in (
        await _chat_error(adapter, http, fake),
        await _stream_error_before_first_chunk(adapter, http, fake),
    ):
        assert exc.retryable
        assert (exc.upstream_status, exc.retry_after_s, exc.status_code) == (429, 2.0, 429)


@pytest.mark.parametrize("status", [408, 409, 500, 503, 529])
async def test_server_errors_are_retryable(
    adapter: ProviderAdapter, http: aiohttp.ClientSession, fake: FakeUpstream, status: int
) -> None:
    fake.script("demo", Behaviour("status", status=status, times=2))
    for exc in (
        await _chat_error(adapter, http, fake),
        await _stream_error_before_first_chunk(adapter, http, fake),
    ):
        assert exc.retryable
        assert exc.upstream_status == status
        assert exc.status_code in (502, 504)


@pytest.mark.parametrize("status", [400, 404, 413, 422])
async def test_client_errors_pass_through_unretried(
    adapter: ProviderAdapter, http: aiohttp.ClientSession, fake: FakeUpstream, status: int
) -> None:
    fake.script("demo", Behaviour("status", status=status, message="the upstream says no"))
    exc = await _chat_error(adapter, http, fake)
    assert not exc.retryable
    assert (exc.status_code, exc.upstream_status) == (status, status)
    assert exc.message == "the upstream says no"


@pytest.mark.parametrize("status", [401, 403])
async def test_upstream_auth_failures_are_the_gateways_problem(
    adapter: ProviderAdapter, http: aiohttp.ClientSession, fake: FakeUpstream, status: int
) -> None:
    fake.script("demo", Behaviour("status", status=status, message="invalid x-api-key"))
    exc = await _chat_error(adapter, http, fake)
    # Not a 401 to our client: that would blame the client's own (valid) gateway key.
    assert (exc.status_code, exc.code, exc.retryable) == (502, "upstream_auth_failed", False)
    assert "invalid x-api-key" in exc.message
    assert "sk-test" not in exc.message


@pytest.mark.parametrize("status", [400, 401, 500])
async def test_an_echoed_upstream_key_never_reaches_the_client(
    adapter: ProviderAdapter, http: aiohttp.ClientSession, fake: FakeUpstream, status: int
) -> None:
    # Some OpenAI-compatible servers quote the key they refused; our client must not see it.
    echo = "Incorrect API key provided: sk-test. Check your key."
    fake.script("demo", Behaviour("status", status=status, message=echo))
    exc = await _chat_error(adapter, http, fake)
    assert "sk-test" not in exc.message
    assert "Incorrect API key provided: [REDACTED]" in exc.message


async def test_hang_before_first_byte_times_out_retryably(
    adapter: ProviderAdapter, http: aiohttp.ClientSession, fake: FakeUpstream
) -> None:
    fake.script("demo", Behaviour("hang", times=2))
    # A stream hits the first-byte limit; a whole answer can only hit the total limit.
    whole = Timeouts(connect_s=1, first_byte_s=0.3, total_s=0.6)
    for exc in (
        await _chat_error(adapter, http, fake, timeouts=whole),
        await _stream_error_before_first_chunk(adapter, http, fake, timeouts=SHORT),
    ):
        assert exc.retryable
        assert (exc.code, exc.status_code) == ("upstream_timeout", 504)


async def test_a_whole_answer_may_take_longer_than_the_first_byte_limit(
    adapter: ProviderAdapter, http: aiohttp.ClientSession, fake: FakeUpstream
) -> None:
    # Not streaming, nothing arrives until the answer is complete: a long generation is not a
    # hang, and cutting it at first_byte_s would make the router retry it from scratch.
    fake.script("demo", latency_s=0.5)
    dep = deployment(fake, adapter.name, timeouts=SHORT)  # first byte 0.3 s, total 5 s
    response = await adapter.chat(http, dep, REQUEST)
    assert response["choices"][0]["message"]["content"] == "You said: one two three"
    exc = await _stream_error_before_first_chunk(adapter, http, fake, timeouts=SHORT)
    assert exc.code == "upstream_timeout"


async def test_stall_mid_stream_times_out(
    adapter: ProviderAdapter, http: aiohttp.ClientSession, fake: FakeUpstream
) -> None:
    fake.script("demo", Behaviour("hang", after_chunks=2))
    received, exc = await _stream_error_after_chunks(adapter, http, fake, timeouts=SHORT)
    assert received
    assert exc.code == "upstream_timeout"


async def test_disconnect_before_head_is_retryable(
    adapter: ProviderAdapter, http: aiohttp.ClientSession, fake: FakeUpstream
) -> None:
    fake.script("demo", Behaviour("disconnect", times=2))
    assert (await _chat_error(adapter, http, fake)).retryable
    assert (await _stream_error_before_first_chunk(adapter, http, fake)).retryable


async def test_disconnect_mid_stream_raises_after_the_chunks_sent(
    adapter: ProviderAdapter, http: aiohttp.ClientSession, fake: FakeUpstream
) -> None:
    fake.script("demo", Behaviour("disconnect", after_chunks=4))
    received, exc = await _stream_error_after_chunks(adapter, http, fake)
    assert text_of(received).startswith("You")
    assert exc.retryable
    assert exc.code == "upstream_disconnected"


async def test_connection_refused_is_retryable(
    adapter: ProviderAdapter, http: aiohttp.ClientSession, fake: FakeUpstream
) -> None:
    with socket.socket() as sock:  # a port that nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}" + ("/v1" if adapter.name == "openai" else "")
    exc = await _chat_error(adapter, http, fake, base_url=url)
    assert exc.retryable
    assert exc.code == "upstream_unavailable"
    assert exc.upstream_status is None


@pytest.mark.parametrize("kind", ["malformed", "non_json"])
async def test_garbage_bodies_are_502(
    adapter: ProviderAdapter, http: aiohttp.ClientSession, fake: FakeUpstream, kind: str
) -> None:
    fake.script("demo", Behaviour(kind))  # type: ignore[arg-type]
    exc = await _chat_error(adapter, http, fake)
    # Retryable like a 5xx: the router retries it and fails over (issue 10).
    assert (exc.status_code, exc.code, exc.retryable) == (502, "bad_upstream_response", True)


async def test_non_json_stream_is_502_before_first_chunk(
    adapter: ProviderAdapter, http: aiohttp.ClientSession, fake: FakeUpstream
) -> None:
    fake.script("demo", Behaviour("non_json"))
    exc = await _stream_error_before_first_chunk(adapter, http, fake)
    assert (exc.status_code, exc.code) == (502, "bad_upstream_response")


async def test_malformed_chunk_is_502(
    adapter: ProviderAdapter, http: aiohttp.ClientSession, fake: FakeUpstream
) -> None:
    fake.script("demo", Behaviour("malformed", after_chunks=2))
    received, exc = await _stream_error_after_chunks(adapter, http, fake)
    assert received
    assert (exc.status_code, exc.code) == (502, "bad_upstream_response")


async def test_in_stream_error_event_raises(
    adapter: ProviderAdapter, http: aiohttp.ClientSession, fake: FakeUpstream
) -> None:
    fake.script("demo", Behaviour("stream_error", after_chunks=2, message="it broke"))
    received, exc = await _stream_error_after_chunks(adapter, http, fake)
    assert received
    assert "it broke" in exc.message


async def test_error_event_first_raises_before_any_chunk(
    adapter: ProviderAdapter, http: aiohttp.ClientSession, fake: FakeUpstream
) -> None:
    # An error event as the very first frame: nothing reached the caller, so it may fail over.
    fake.script("demo", Behaviour("stream_error", after_chunks=0, message="overloaded"))
    exc = await _stream_error_before_first_chunk(adapter, http, fake)
    assert exc.retryable
    assert exc.code == "upstream_stream_error"


async def test_closing_the_stream_early_cancels_the_upstream_call(
    adapter: ProviderAdapter, http: aiohttp.ClientSession, fake: FakeUpstream
) -> None:
    fake.script("demo", reply_words=500, inter_token_s=0.01)
    stream = adapter.chat_stream(http, deployment(fake, adapter.name), REQUEST)
    await anext(stream)
    await anext(stream)
    await stream.aclose()  # what the proxy does when its client disconnects
    for _ in range(200):  # the fake notices when its next write hits a closed connection
        if fake.aborted_streams:
            break
        await asyncio.sleep(0.01)
    assert fake.aborted_streams == 1


async def test_fail_twice_then_succeed(
    adapter: ProviderAdapter, http: aiohttp.ClientSession, fake: FakeUpstream
) -> None:
    fake.script("demo", Behaviour("status", status=500, times=2))
    dep = deployment(fake, adapter.name)
    for _ in range(2):
        with pytest.raises(UpstreamCallError):
            await adapter.chat(http, dep, REQUEST)
    response = await adapter.chat(http, dep, REQUEST)
    assert response["choices"][0]["message"]["content"] == "You said: one two three"
    chunks = await collect(adapter.chat_stream(http, dep, REQUEST))
    assert text_of(chunks) == "You said: one two three"
