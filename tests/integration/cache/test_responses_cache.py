"""The exact cache on ``/v1/responses``: a repeat is a hit, replayed as Responses events."""

from __future__ import annotations

import httpx
import orjson

from llm_gateway.fake_upstream import FakeUpstream
from tests.integration.proxy.conftest import AUTH


def _text(response: dict[str, object]) -> str:
    return "".join(
        part["text"]  # type: ignore[index]
        for item in response["output"]  # type: ignore[attr-defined]
        if item["type"] == "message"
        for part in item["content"]
    )


async def test_a_repeated_response_is_served_from_the_cache_streamed_or_not(
    client: httpx.AsyncClient, fake: FakeUpstream
) -> None:
    body = {"model": "cached", "input": "what is two plus two?", "temperature": 0, "store": False}
    first = await client.post("/v1/responses", json=body, headers=AUTH)
    assert first.status_code == 200, first.text
    assert first.headers["x-gateway-cache"] == "miss"
    second = await client.post("/v1/responses", json=body, headers=AUTH)
    assert second.headers["x-gateway-cache"] == "hit"
    assert _text(second.json()) == _text(first.json())
    streamed = await client.post(
        "/v1/responses", json={**body, "stream": True, "cache": {"ttl": 60}}, headers=AUTH
    )
    assert streamed.headers["x-gateway-cache"] == "hit"
    events = [
        orjson.loads(line.removeprefix("data: "))
        for line in streamed.text.split("\n")
        if line.startswith("data: ")
    ]
    assert events[-1]["type"] == "response.completed"
    deltas = [e["delta"] for e in events if e["type"] == "response.output_text.delta"]
    assert "".join(deltas) == _text(first.json())
    assert len(fake.requests("cached-up")) == 1
    assert all("cache" not in r["body"] for r in fake.requests("cached-up"))
