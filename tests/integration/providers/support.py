"""Helpers for adapter tests: deployments pointing at the fake upstream, stream collection."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.providers.base import ChatChunk, Deployment, ProviderName, Timeouts


def deployment(
    fake: FakeUpstream,
    provider: ProviderName,
    model: str = "demo",
    *,
    api_key: str | None = "sk-test",
    timeouts: Timeouts | None = None,
    base_url: str | None = None,
) -> Deployment:
    """A deployment of ``provider`` served by ``fake`` (OpenAI base URLs end in ``/v1``)."""
    url = base_url or (fake.base_url + "/v1" if provider == "openai" else fake.base_url)
    return Deployment(
        id=f"test/{provider}/0",
        alias="test",
        provider=provider,
        model=model,
        base_url=url,
        api_key=api_key,
        timeouts=timeouts or Timeouts(connect_s=2, first_byte_s=5, total_s=10),
        max_output_tokens=256,
    )


async def collect(stream: AsyncIterator[ChatChunk]) -> list[ChatChunk]:
    return [chunk async for chunk in stream]


def text_of(chunks: list[ChatChunk]) -> str:
    return "".join(
        c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices")
    )


def tool_calls_of(chunks: list[ChatChunk]) -> list[dict[str, Any]]:
    """Assemble streamed tool-call deltas the way OpenAI clients do (by ``index``)."""
    calls: dict[int, dict[str, Any]] = {}
    fragments: dict[int, int] = {}
    for chunk in chunks:
        for choice in chunk.get("choices") or ():
            for delta in choice["delta"].get("tool_calls") or ():
                call = calls.setdefault(delta["index"], {"id": None, "name": None, "arguments": ""})
                call["id"] = delta.get("id") or call["id"]
                fn = delta.get("function") or {}
                call["name"] = fn.get("name") or call["name"]
                if fn.get("arguments"):
                    call["arguments"] += fn["arguments"]
                    fragments[delta["index"]] = fragments.get(delta["index"], 0) + 1
    for index, call in calls.items():
        call["fragments"] = fragments.get(index, 0)
        call["input"] = json.loads(call["arguments"] or "{}")
    return [calls[i] for i in sorted(calls)]


def finish_of(chunks: list[ChatChunk]) -> str | None:
    reasons = [c["choices"][0]["finish_reason"] for c in chunks if c.get("choices")]
    return next((r for r in reversed(reasons) if r), None)


def usage_of(chunks: list[ChatChunk]) -> dict[str, Any]:
    """The usage-only final chunk every adapter ends with."""
    last = chunks[-1]
    assert last["choices"] == [], "the last chunk must be the usage-only chunk"
    usage: dict[str, Any] = last["usage"]
    return usage


WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
