"""LangChain's ``ChatOpenAI`` through the gateway: invoke, stream, bind_tools."""

from __future__ import annotations

import pytest
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from tests.integration.proxy.conftest import MASTER_KEY
from tests.integration.proxy.harness import GatewayThread


@pytest.fixture
def llm(gateway: GatewayThread) -> ChatOpenAI:
    return ChatOpenAI(
        model="chat",
        base_url=gateway.base_url + "/v1",
        api_key=SecretStr(MASTER_KEY),
        max_retries=0,
    )


def test_invoke(llm: ChatOpenAI) -> None:
    message = llm.invoke("hello chain")
    assert message.content == "You said: hello chain"
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_tokens"] == 4


def test_stream(llm: ChatOpenAI) -> None:
    text = "".join(str(chunk.content) for chunk in llm.stream("hello chain"))
    assert text == "You said: hello chain"


async def test_async_stream(llm: ChatOpenAI) -> None:
    text = "".join([str(chunk.content) async for chunk in llm.astream("hello async")])
    assert text == "You said: hello async"


def test_bind_tools(llm: ChatOpenAI) -> None:
    def get_weather(city: str) -> str:
        """Weather for a city."""
        return "sunny"

    message = llm.bind_tools([get_weather]).invoke('call get_weather {"city": "Quito"}')
    assert message.tool_calls[0]["name"] == "get_weather"
    assert message.tool_calls[0]["args"] == {"city": "Quito"}
