"""The official ``anthropic`` SDK, sync and async, unchanged except base URL and key."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import anthropic
import pytest

from llm_gateway.fake_upstream import Behaviour
from tests.integration.proxy.conftest import MASTER_KEY
from tests.integration.proxy.harness import GatewayThread

USER: Any = [{"role": "user", "content": "hello claude"}]
TOOL: Any = {
    "name": "get_weather",
    "description": "Weather for a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}


@pytest.fixture
def sync_client(gateway: GatewayThread) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=gateway.base_url, api_key=MASTER_KEY, max_retries=0) as c:
        yield c


@pytest.fixture
async def async_client(gateway: GatewayThread) -> AsyncIterator[anthropic.AsyncAnthropic]:
    async with anthropic.AsyncAnthropic(
        base_url=gateway.base_url, api_key=MASTER_KEY, max_retries=0
    ) as c:
        yield c


@pytest.mark.parametrize("model", ["claude", "chat"])
def test_sync_message(sync_client: anthropic.Anthropic, model: str) -> None:
    message = sync_client.messages.create(model=model, max_tokens=64, messages=USER)
    assert message.content[0].type == "text"
    assert message.content[0].text == "You said: hello claude"
    assert message.stop_reason == "end_turn"
    assert message.usage.output_tokens == 4
    assert message._request_id is not None


def test_sync_stream(sync_client: anthropic.Anthropic) -> None:
    with sync_client.messages.stream(model="llama", max_tokens=64, messages=USER) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "You said: hello claude"
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens == 4


def test_sync_tools(sync_client: anthropic.Anthropic) -> None:
    message = sync_client.messages.create(
        model="chat",
        max_tokens=64,
        messages=[{"role": "user", "content": 'call get_weather {"city": "Rome"}'}],
        tools=[TOOL],
    )
    assert message.stop_reason == "tool_use"
    block = message.content[-1]
    assert block.type == "tool_use"
    assert (block.name, block.input) == ("get_weather", {"city": "Rome"})


def test_sync_errors(sync_client: anthropic.Anthropic, gateway: GatewayThread) -> None:
    with pytest.raises(anthropic.NotFoundError):
        sync_client.messages.create(model="nope", max_tokens=5, messages=USER)
    with anthropic.Anthropic(base_url=gateway.base_url, api_key="sk-wrong", max_retries=0) as c:
        with pytest.raises(anthropic.AuthenticationError):
            c.messages.create(model="chat", max_tokens=5, messages=USER)


def test_sync_mid_stream_failure_raises(
    sync_client: anthropic.Anthropic, gateway: GatewayThread
) -> None:
    assert gateway.fake is not None
    gateway.fake.script("claude-fake", Behaviour("stream_error", after_chunks=3))
    with pytest.raises(anthropic.APIStatusError):  # noqa: PT012 - the error arrives mid-iteration
        with sync_client.messages.stream(model="claude", max_tokens=64, messages=USER) as s:
            for _ in s.text_stream:
                pass


async def test_async_stream_with_tool_use(async_client: anthropic.AsyncAnthropic) -> None:
    async with async_client.messages.stream(
        model="claude",
        max_tokens=64,
        messages=[{"role": "user", "content": 'call get_weather {"city": "Lagos"}'}],
        tools=[TOOL],
    ) as stream:
        final = await stream.get_final_message()
    block = final.content[-1]
    assert block.type == "tool_use"
    assert block.input == {"city": "Lagos"}
    assert final.stop_reason == "tool_use"


async def test_async_message(async_client: anthropic.AsyncAnthropic) -> None:
    message = await async_client.messages.create(model="chat", max_tokens=64, messages=USER)
    assert message.content[0].type == "text"
    assert message.content[0].text == "You said: hello claude"
