"""``/v1/responses`` over HTTP: shapes against the Open Responses types, every provider, 400s."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from llm_gateway.fake_upstream import Behaviour, FakeUpstream
from tests.integration.proxy.conftest import AUTH, Finalized
from tests.integration.proxy.open_responses import (
    parse_sse,
    validate_event,
    validate_request,
    validate_response,
)

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
    "strict": True,
}


async def _create(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    validate_request(body)
    return await client.post("/v1/responses", json=body, headers=AUTH)


async def _events(client: httpx.AsyncClient, **body: Any) -> list[dict[str, Any]]:
    validate_request({**body, "stream": True})
    async with client.stream(
        "POST", "/v1/responses", json={**body, "stream": True}, headers=AUTH
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        raw = await response.aread()
    events = []
    for name, data in parse_sse(raw):
        assert name == data["type"]  # the SSE event name repeats the type, as OpenAI's do
        validate_event(data)
        events.append(data)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    return events


def _text(response: dict[str, Any]) -> str:
    return "".join(
        part["text"]
        for item in response["output"]
        if item["type"] == "message"
        for part in item["content"]
    )


@pytest.mark.parametrize("alias", ["chat", "claude", "llama"])
async def test_every_provider_answers_in_the_responses_shape(
    client: httpx.AsyncClient, alias: str
) -> None:
    response = await _create(client, model=alias, input="hello there")
    assert response.status_code == 200, response.text
    body = response.json()
    validate_response(body)
    assert body["id"].startswith("resp_")
    assert body["object"] == "response"
    assert body["status"] == "completed"
    assert body["model"] == alias
    assert _text(body) == "You said: hello there"
    assert body["usage"]["output_tokens"] == 4
    assert body["usage"]["total_tokens"] == body["usage"]["input_tokens"] + 4


@pytest.mark.parametrize("alias", ["chat", "claude", "llama"])
async def test_every_provider_streams_the_event_sequence(
    client: httpx.AsyncClient, alias: str
) -> None:
    events = await _events(client, model=alias, input="hello there")
    kinds = [e["type"] for e in events]
    assert kinds[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert kinds[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    deltas = [e["delta"] for e in events if e["type"] == "response.output_text.delta"]
    assert "".join(deltas) == "You said: hello there"
    final = events[-1]["response"]
    assert final["status"] == "completed"
    assert _text(final) == "You said: hello there"
    assert final["usage"]["output_tokens"] == 4
    assert events[0]["response"]["status"] == "in_progress"
    assert events[0]["response"]["id"] == final["id"]


@pytest.mark.parametrize("alias", ["chat", "claude", "llama"])
async def test_function_calls_stream_as_items_with_argument_deltas(
    client: httpx.AsyncClient, alias: str
) -> None:
    events = await _events(
        client, model=alias, input='call get_weather {"city": "Lima"}', tools=[WEATHER]
    )
    added = [e for e in events if e["type"] == "response.output_item.added"]
    assert [a["item"]["type"] for a in added] == ["function_call"]
    assert added[0]["item"]["status"] == "in_progress"
    deltas = "".join(
        e["delta"] for e in events if e["type"] == "response.function_call_arguments.delta"
    )
    assert orjson.loads(deltas) == {"city": "Lima"}
    done = next(e for e in events if e["type"] == "response.function_call_arguments.done")
    assert orjson.loads(done["arguments"]) == {"city": "Lima"}
    item = events[-1]["response"]["output"][0]
    assert item["type"] == "function_call"
    assert item["name"] == "get_weather"
    assert item["status"] == "completed"
    assert item["id"] == added[0]["item"]["id"] == done["item_id"]


@pytest.mark.parametrize("alias", ["chat", "claude", "llama"])
async def test_tool_round_trip_without_storage(client: httpx.AsyncClient, alias: str) -> None:
    """The stateless form: the caller sends the function_call back with its output."""
    first = (
        await _create(
            client, model=alias, input='call get_weather {"city": "Lima"}', tools=[WEATHER]
        )
    ).json()
    call = first["output"][0]
    assert call["type"] == "function_call"
    second = await _create(
        client,
        model=alias,
        tools=[WEATHER],
        store=False,
        input=[
            {"type": "message", "role": "user", "content": 'call get_weather {"city": "Lima"}'},
            {k: call[k] for k in ("type", "call_id", "name", "arguments")},
            {"type": "function_call_output", "call_id": call["call_id"], "output": "18C, sunny"},
        ],
    )
    assert second.status_code == 200, second.text
    assert _text(second.json()) == "Tool result: 18C, sunny"


async def test_length_cut_is_an_incomplete_response(client: httpx.AsyncClient) -> None:
    words = " ".join(f"w{i}" for i in range(30))
    response = (await _create(client, model="chat", input=words, max_output_tokens=16)).json()
    validate_response(response)
    assert response["status"] == "incomplete"
    assert response["incomplete_details"] == {"reason": "max_output_tokens"}
    events = await _events(client, model="chat", input=words, max_output_tokens=16)
    assert events[-1]["type"] == "response.incomplete"


async def test_upstream_failure_mid_stream_is_a_failed_response(
    client: httpx.AsyncClient, fake: FakeUpstream, finalized: Finalized
) -> None:
    fake.script("demo", Behaviour(kind="stream_error", after_chunks=2))
    async with client.stream(
        "POST",
        "/v1/responses",
        json={"model": "chat", "input": "x y z", "stream": True},
        headers=AUTH,
    ) as response:
        events = [data for _, data in parse_sse(await response.aread())]
    assert events[-1]["type"] == "response.failed"
    validate_event(events[-1])
    assert events[-1]["response"]["error"]["code"]
    assert len(finalized.calls) == 1
    assert finalized.last.status_code >= 500


async def test_upstream_failure_before_the_stream_is_an_http_error(
    client: httpx.AsyncClient, fake: FakeUpstream
) -> None:
    fake.script("demo", Behaviour(kind="status", status=400, message="bad thing"))
    response = await client.post(
        "/v1/responses", json={"model": "chat", "input": "x", "stream": True}, headers=AUTH
    )
    assert response.status_code >= 400
    assert response.json()["error"]["request_id"] == response.headers["x-request-id"]


async def test_store_false_is_not_retrievable(client: httpx.AsyncClient) -> None:
    created = (await _create(client, model="chat", input="hi", store=False)).json()
    assert created["store"] is False
    missing = await client.get(f"/v1/responses/{created['id']}", headers=AUTH)
    assert missing.status_code == 404
    follow = await _create(client, model="chat", input="again", previous_response_id=created["id"])
    assert follow.status_code == 404
    assert follow.json()["error"]["param"] == "previous_response_id"


async def test_stored_stream_is_retrievable_then_deleted(client: httpx.AsyncClient) -> None:
    events = await _events(client, model="chat", input="keep me")
    rid = events[-1]["response"]["id"]
    got = await client.get(f"/v1/responses/{rid}", headers=AUTH)
    assert got.status_code == 200
    assert got.json() == events[-1]["response"]
    deleted = await client.delete(f"/v1/responses/{rid}", headers=AUTH)
    assert deleted.json() == {"id": rid, "object": "response.deleted", "deleted": True}
    assert (await client.get(f"/v1/responses/{rid}", headers=AUTH)).status_code == 404
    assert (await client.delete(f"/v1/responses/{rid}", headers=AUTH)).status_code == 404


async def test_each_create_is_finalized_once(
    client: httpx.AsyncClient, finalized: Finalized
) -> None:
    await _create(client, model="chat", input="one")
    await _events(client, model="chat", input="two")
    await client.post(
        "/v1/responses", json={"model": "chat", "input": [{"type": "x"}]}, headers=AUTH
    )
    assert [c.endpoint for c in finalized.calls] == ["responses"] * 3
    assert [c.status_code for c in finalized.calls] == [200, 200, 400]
    assert finalized.calls[1].stream is True
    assert finalized.calls[1].usage is not None


BAD_BODIES: list[tuple[dict[str, Any], str | None, str]] = [
    ({"model": "chat"}, "input", "missing_required_parameter"),
    ({"input": "x"}, "model", "missing_required_parameter"),
    ({"model": "chat", "input": 5}, "input", "invalid_value"),
    ({"model": "chat", "input": []}, "input", "invalid_value"),
    ({"model": "chat", "input": [{"type": "file_search_call"}]}, "input[0].type", None),
    ({"model": "chat", "input": [{"role": "tool", "content": "x"}]}, "input[0].role", None),
    (
        {"model": "chat", "input": [{"role": "user", "content": [{"type": "input_file"}]}]},
        None,
        None,
    ),
    (
        {"model": "chat", "input": "x", "tools": [{"type": "web_search_preview"}]},
        "tools[0].type",
        "unsupported_tool",
    ),
    ({"model": "chat", "input": "x", "tools": [{"type": "function"}]}, "tools[0].name", None),
    ({"model": "chat", "input": "x", "background": True}, "background", "unsupported_parameter"),
    ({"model": "chat", "input": "x", "conversation": "conv_1"}, "conversation", None),
    ({"model": "chat", "input": "x", "frobnicate": 1}, "frobnicate", "unknown_parameter"),
    ({"model": "chat", "input": "x", "temperature": 3}, "temperature", None),
    ({"model": "chat", "input": "x", "max_output_tokens": 15}, "max_output_tokens", None),
    (
        {"model": "chat", "input": "x", "text": {"format": {"type": "json_schema"}}},
        "text.format.name",
        None,
    ),
    (
        {"model": "chat", "input": "x", "text": {"format": {"type": "yaml"}}},
        "text.format.type",
        None,
    ),
    ({"model": "chat", "input": "x", "tool_choice": {"type": "web_search"}}, "tool_choice", None),
    ({"model": "chat", "input": "x", "metadata": {"k": 1}}, "metadata", None),
    ({"model": "chat", "input": "x", "stream": "yes"}, "stream", "invalid_type"),
    ({"model": "auto", "input": "x"}, "model", "unsupported_model"),
    ({"model": "plain", "input": "x", "tools": [WEATHER]}, "tools", "unsupported_parameter"),
]


@pytest.mark.parametrize(("body", "param", "code"), BAD_BODIES)
async def test_bad_input_is_a_400_naming_the_param(
    client: httpx.AsyncClient, body: dict[str, Any], param: str | None, code: str | None
) -> None:
    response = await client.post("/v1/responses", json=body, headers=AUTH)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["request_id"] == response.headers["x-request-id"]
    if param is not None:
        assert error["param"] == param
    if code is not None:
        assert error["code"] == code


@pytest.mark.parametrize("raw", [b"not json", b"null", b"[1]", b'"s"'])
async def test_non_object_bodies_are_400(client: httpx.AsyncClient, raw: bytes) -> None:
    response = await client.post(
        "/v1/responses", content=raw, headers={**AUTH, "content-type": "application/json"}
    )
    assert response.status_code == 400


async def test_unknown_alias_and_unknown_id_are_404(client: httpx.AsyncClient) -> None:
    assert (await _create(client, model="nope", input="x")).status_code == 404
    missing = await client.get("/v1/responses/resp_doesnotexist", headers=AUTH)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "response_not_found"


async def test_routes_need_a_credential(client: httpx.AsyncClient) -> None:
    assert (
        await client.post("/v1/responses", json={"model": "chat", "input": "x"})
    ).status_code == 401
    assert (await client.get("/v1/responses/resp_x")).status_code == 401
    assert (await client.delete("/v1/responses/resp_x")).status_code == 401


@pytest.mark.parametrize("alias", ["chat", "claude", "llama"])
async def test_a_codex_shaped_request_works_on_every_provider(
    client: httpx.AsyncClient, alias: str
) -> None:
    """Developer messages, a namespace of tools, reasoning items and Codex's extra fields."""
    namespace = {
        "type": "namespace",
        "name": "multi_agent_v1",
        "description": "Sub-agents",
        "tools": [{"type": "function", "name": "close_agent", "parameters": {"type": "object"}}],
    }
    body = {
        "model": alias,
        "store": False,
        "include": ["reasoning.encrypted_content"],
        "reasoning": {"summary": "auto"},
        "prompt_cache_key": "k",
        "client_metadata": {"thread_id": "t"},
        "tools": [WEATHER, namespace],
        "input": [
            {
                "type": "message",
                "role": "developer",
                "content": [{"type": "input_text", "text": "rules"}],
            },
            {"type": "reasoning", "summary": [], "encrypted_content": "opaque"},
            {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "call multi_agent_v1__close_agent"}],
            },
        ],
    }
    response = await client.post("/v1/responses", json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    # No spec validation here: namespace tools are an OpenAI extension the spec lacks.
    (item,) = response.json()["output"]
    assert (item["type"], item["namespace"], item["name"]) == (
        "function_call",
        "multi_agent_v1",
        "close_agent",
    )
