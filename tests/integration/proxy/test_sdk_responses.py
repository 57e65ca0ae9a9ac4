"""The official ``openai`` SDK's Responses API against the gateway, changed only in base URL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from pydantic import BaseModel

from tests.integration.auth.helpers import PASSWORD
from tests.integration.proxy.conftest import MASTER_KEY
from tests.integration.proxy.harness import GatewayThread
from tests.integration.proxy.open_responses import validate_response

WEATHER: Any = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}


class Reply(BaseModel):
    reply: str


@pytest.fixture
def sdk(gateway: GatewayThread) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(
        base_url=gateway.base_url + "/v1", api_key=MASTER_KEY, max_retries=0
    ) as client:
        yield client


def _user_key(gateway: GatewayThread) -> str:
    """A fresh user with a chat-scoped API key."""
    email = f"resp-{uuid.uuid4().hex[:8]}@example.com"
    with httpx.Client(base_url=gateway.base_url, timeout=30) as http:
        assert http.post("/auth/register", json={"email": email, "password": PASSWORD}).is_success
        token = http.post("/auth/login", json={"email": email, "password": PASSWORD}).json()[
            "access_token"
        ]
        created = http.post(
            "/users/me/api-keys",
            json={"name": "responses", "scopes": ["chat"]},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert created.status_code in (200, 201), created.text
        key: str = created.json()["key"]
    return key


def test_create_plain(sdk: openai.OpenAI) -> None:
    response = sdk.responses.create(model="chat", input="hello sdk")
    validate_response(response.model_dump(mode="json", exclude_unset=True))
    assert response.output_text == "You said: hello sdk"
    assert response.status == "completed"
    assert response.usage is not None
    assert response.usage.output_tokens == 4


def test_instructions_become_the_system_message(sdk: openai.OpenAI) -> None:
    response = sdk.responses.create(model="chat", instructions="Be brief.", input="echo: hi")
    upstream = json.loads(response.output_text)  # the fake echoes the request it received
    assert upstream["messages"][0] == {"role": "system", "content": "Be brief."}
    assert upstream["messages"][-1] == {"role": "user", "content": "echo: hi"}
    assert response.instructions == "Be brief."


def test_structured_output_parses(sdk: openai.OpenAI) -> None:
    parsed = sdk.responses.parse(model="chat", input="weather?", text_format=Reply)
    assert parsed.output_parsed == Reply(reply="You said: weather?")
    echoed = sdk.responses.create(
        model="chat",
        input="echo: x",
        text={
            "format": {
                "type": "json_schema",
                "name": "reply",
                "schema": Reply.model_json_schema(),
                "strict": True,
            }
        },
    )
    upstream_format = json.loads(echoed.output_text)["response_format"]
    assert upstream_format["type"] == "json_schema"
    assert upstream_format["json_schema"]["name"] == "reply"


def test_stream_helper(sdk: openai.OpenAI) -> None:
    deltas: list[str] = []
    with sdk.responses.stream(model="chat", input="stream me") as stream:
        for event in stream:  # raw events are checked against the spec in test_responses_api
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
        final = stream.get_final_response()
    assert "".join(deltas) == "You said: stream me"
    assert final.output_text == "You said: stream me"
    assert final.usage is not None


def test_tools_round_trip_with_previous_response_id(
    sdk: openai.OpenAI, gateway: GatewayThread
) -> None:
    first = sdk.responses.create(
        model="chat", input='call get_weather {"city": "Lima"}', tools=[WEATHER]
    )
    calls = [item for item in first.output if item.type == "function_call"]
    assert len(calls) == 1
    assert calls[0].name == "get_weather"
    assert json.loads(calls[0].arguments) == {"city": "Lima"}
    second = sdk.responses.create(
        model="chat",
        previous_response_id=first.id,
        tools=[WEATHER],
        input=[{"type": "function_call_output", "call_id": calls[0].call_id, "output": "18C"}],
    )
    assert second.output_text == "Tool result: 18C"
    assert second.previous_response_id == first.id
    # The upstream saw the whole turn: the user's words, the stored call, then its output.
    assert gateway.fake is not None
    last = gateway.fake.requests("demo")[-1]["body"]["messages"]
    assert [m["role"] for m in last] == ["user", "assistant", "tool"]
    assert last[1]["tool_calls"][0]["id"] == calls[0].call_id
    assert last[2] == {"role": "tool", "tool_call_id": calls[0].call_id, "content": "18C"}


def test_streamed_tool_call(sdk: openai.OpenAI) -> None:
    with sdk.responses.stream(
        model="chat", input='call get_weather {"city": "Oslo"}', tools=[WEATHER]
    ) as stream:
        final = stream.get_final_response()
    call = final.output[0]
    assert call.type == "function_call"
    assert json.loads(call.arguments) == {"city": "Oslo"}


def test_previous_response_id_carries_the_conversation(sdk: openai.OpenAI) -> None:
    first = sdk.responses.create(model="chat", instructions="Only here.", input="my name is Ana")
    second = sdk.responses.create(model="chat", previous_response_id=first.id, input="echo: again")
    messages = json.loads(second.output_text)["messages"]
    # Instructions do not carry over (OpenAI's rule); the turns do.
    assert messages == [
        {"role": "user", "content": "my name is Ana"},
        {"role": "assistant", "content": "You said: my name is Ana"},
        {"role": "user", "content": "echo: again"},
    ]


def test_retrieve_and_delete(sdk: openai.OpenAI) -> None:
    created = sdk.responses.create(model="chat", input="keep", metadata={"k": "v"})
    fetched = sdk.responses.retrieve(created.id)
    assert fetched.id == created.id
    assert fetched.output_text == "You said: keep"
    assert fetched.metadata == {"k": "v"}
    sdk.responses.delete(created.id)
    with pytest.raises(openai.NotFoundError):
        sdk.responses.retrieve(created.id)


def test_store_false(sdk: openai.OpenAI) -> None:
    created = sdk.responses.create(model="chat", input="forget", store=False)
    with pytest.raises(openai.NotFoundError):
        sdk.responses.retrieve(created.id)


def test_stored_responses_are_owner_only(gateway: GatewayThread) -> None:
    base = gateway.base_url + "/v1"
    with (
        openai.OpenAI(base_url=base, api_key=_user_key(gateway), max_retries=0) as alice,
        openai.OpenAI(base_url=base, api_key=_user_key(gateway), max_retries=0) as bob,
        openai.OpenAI(base_url=base, api_key=MASTER_KEY, max_retries=0) as master,
    ):
        mine = alice.responses.create(model="chat", input="secret")
        assert alice.responses.retrieve(mine.id).output_text == "You said: secret"
        for other in (bob, master):
            with pytest.raises(openai.NotFoundError):
                other.responses.retrieve(mine.id)
            with pytest.raises(openai.NotFoundError):
                other.responses.delete(mine.id)
            with pytest.raises(openai.NotFoundError):
                other.responses.create(model="chat", input="x", previous_response_id=mine.id)
        assert alice.responses.retrieve(mine.id).id == mine.id  # still there


def test_refusals_are_sdk_errors(sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.responses.create(model="chat", input="x", tools=[{"type": "web_search_preview"}])
    body: Any = caught.value.body
    assert body["code"] == "unsupported_tool"
    assert body["request_id"]
