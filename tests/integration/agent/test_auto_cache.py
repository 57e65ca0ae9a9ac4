"""``"model": "auto"`` with the response cache on: a repeat is served before any agent work."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from llm_gateway.app import create_app
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.conftest import build_settings
from tests.integration.agent.conftest import AUTH, MASTER_KEY, FakeSearx, agent_settings

URL = "/v1/chat/completions"


@pytest.fixture
def app(backend: Backend, models_file: Path, searx: FakeSearx) -> FastAPI:
    groups = agent_settings(models_file, searx.url)
    return create_app(
        build_settings(
            backend, security={"master_key": MASTER_KEY}, cache={"auto_mode": "exact"}, **groups
        )
    )


def _body(text: str, **extra: object) -> dict[str, object]:
    return {
        "model": "auto",
        "temperature": 0,
        "messages": [{"role": "user", "content": text}],
        **extra,
    }


async def test_auto_answer_is_cached_and_replayed_streamed(
    client: httpx.AsyncClient, fake: FakeUpstream, app_state: AppState
) -> None:
    first = await client.post(URL, json=_body("tell me a fun fact about otters"), headers=AUTH)
    assert first.status_code == 200, first.text
    assert first.headers["x-gateway-cache"] == "miss"
    upstream_calls = len(fake.requests())
    second = await client.post(
        URL, json=_body("tell me a fun fact about otters", stream=True), headers=AUTH
    )
    assert second.headers["x-gateway-cache"] == "hit"
    assert len(fake.requests()) == upstream_calls  # no intent call, no model call
    assert second.text.endswith("data: [DONE]\n\n")
    assert first.json()["choices"][0]["message"]["content"].split()[0] in second.text
    assert app_state.cache.counters.hits == 1


async def test_auto_answers_that_used_a_tool_are_not_stored(
    client: httpx.AsyncClient, searx: FakeSearx, app_state: AppState
) -> None:
    for _ in range(2):
        r = await client.post(URL, json=_body("search the web for seoul weather"), headers=AUTH)
        assert r.status_code == 200, r.text
        assert r.headers["x-gateway-cache"] == "miss"
    assert searx.queries  # the answer did use the web_search tool
    assert app_state.cache.counters.stores == 0
