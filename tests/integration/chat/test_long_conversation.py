"""A 500-turn conversation stays inside the model's window, with a running summary of the rest."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from llm_gateway.agent.context import AgentOptions
from llm_gateway.agent.events import (
    AgentEvent,
    DoneEvent,
    IntentEvent,
    ModelEvent,
    TokenEvent,
    Usage,
)
from llm_gateway.app import create_app
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.context.summary import SUMMARY_PREFIX
from llm_gateway.services.tokens import count_message_tokens
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.auth.helpers import Account
from tests.integration.chat.conftest import install_agent
from tests.integration.chat.support import chat, chat_settings, registry_yaml

WINDOW = 2048
RESERVED = 512  # the alias's max output, below LLMGW_CHAT__RESERVED_OUTPUT_TOKENS
TURNS = 500


class EchoCountAgent:
    """Answers instantly (no upstream call) and records the messages of every run."""

    def __init__(self, state: AppState) -> None:
        self.calls: list[list[dict[str, Any]]] = []

    async def run(
        self,
        messages: Sequence[Mapping[str, Any]],
        principal: Principal,
        requested_model: str = "auto",
        options: AgentOptions | None = None,
    ) -> AsyncIterator[AgentEvent]:
        self.calls.append([dict(m) for m in messages])
        text = f"Noted point number {len(self.calls)}, which I will remember carefully."
        yield IntentEvent("general", "simple", "en", 1.0, "rules")
        yield ModelEvent("mini", "small", "test")
        yield TokenEvent(text)
        yield DoneEvent(text, "stop", Usage(10, 10, 0, 0.0), "mini")


@pytest.fixture
def agents() -> list[Any]:
    return []


@pytest.fixture
def app(backend: Backend, fake: FakeUpstream, tmp_path: Path, agents: list[Any]) -> FastAPI:
    models_file = tmp_path / "models.yaml"
    models_file.write_text(registry_yaml(fake.base_url, small_window=WINDOW), encoding="utf-8")
    settings = chat_settings(
        backend, models_file, summary_max_tokens=120, titles_enabled=False, system_prompt="Be kind."
    )
    application = create_app(settings)
    install_agent(application, agents, EchoCountAgent)
    return application


@pytest.mark.slow
async def test_500_turns_stay_within_the_window_with_a_summary(
    client: httpx.AsyncClient, alice: Account, app_state: AppState, agents: list[Any]
) -> None:
    conversation_id = None
    for turn in range(TURNS):
        body: dict[str, Any] = {"message": f"Remember fact {turn}: the code is {turn * 7919}."}
        if conversation_id:
            body["conversation_id"] = conversation_id
        response = await chat(client, alice.headers, stream=False, **body)
        assert response.status_code == 200, response.text
        conversation_id = response.json()["conversation_id"]
        seen = agents[0].calls[-1]
        assert count_message_tokens(seen, "gpt-4o-mini") <= WINDOW - RESERVED
        assert seen[0] == {"role": "system", "content": "Be kind."}
        assert seen[-1] == {"role": "user", "content": body["message"]}
        if turn % 50 == 49:
            await app_state.chat_jobs.join()  # let summaries catch up, as idle time would

    await app_state.chat_jobs.join()
    conversation = (
        await client.get(f"/conversations/{conversation_id}", headers=alice.headers)
    ).json()
    assert conversation["message_count"] == 2 * TURNS
    assert conversation["summary"]
    final = await chat(
        client,
        alice.headers,
        conversation_id=conversation_id,
        message="What was fact 0?",
        stream=False,
    )
    assert final.status_code == 200
    seen = agents[0].calls[-1]
    assert seen[1]["role"] == "system"
    assert seen[1]["content"].startswith(SUMMARY_PREFIX)
    assert count_message_tokens(seen, "gpt-4o-mini") <= WINDOW - RESERVED
    # The summary covers what the window no longer holds: only recent turns are sent verbatim.
    assert len(seen) < 2 * TURNS // 4
