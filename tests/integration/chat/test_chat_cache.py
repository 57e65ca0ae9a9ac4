"""/chat with the response cache: a repeated conversation is replayed as SSE, per user."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from llm_gateway.core.database import session_scope
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.models.usage import UsageRecord
from llm_gateway.state import AppState
from tests.integration.auth.helpers import Account
from tests.integration.chat.support import chat_events, registry_yaml


@pytest.fixture
def models_file(fake: FakeUpstream, tmp_path: Path) -> Path:
    text = registry_yaml(fake.base_url).replace(
        "    price: {input: 1.0, output: 2.0}\n",
        "    price: {input: 1.0, output: 2.0}\n"
        "    cache: {mode: exact, deterministic_only: false}\n",
    )
    path = tmp_path / "models.yaml"
    path.write_text(text, encoding="utf-8")
    return path


async def test_a_repeated_question_is_answered_from_the_cache_for_the_same_user_only(
    client: httpx.AsyncClient, alice: Account, bob: Account, app_state: AppState
) -> None:
    question = "what is a good name for a goldfish"
    first = await chat_events(client, alice.headers, message=question, model="mini")
    assert first[-1].event == "done"
    assert "cache" not in first[-1].data
    again = await chat_events(client, alice.headers, message=question, model="mini")
    done = again[-1]
    assert done.event == "done"
    assert done.data["cache"] == "hit"
    assert done.data["cost_usd"] == 0
    text = "".join(e.data["text"] for e in again if e.event == "token")
    assert text == "".join(e.data["text"] for e in first if e.event == "token")
    other = await chat_events(client, bob.headers, message=question, model="mini")
    assert "cache" not in other[-1].data  # another user's namespace
    assert app_state.cache.counters.hits == 1


async def test_a_chat_cache_hit_is_recorded_with_its_tokens_as_a_cache_hit(
    client: httpx.AsyncClient, alice: Account, app_state: AppState
) -> None:
    question = "name three colours of the rainbow"
    await chat_events(client, alice.headers, message=question, model="mini")
    again = await chat_events(client, alice.headers, message=question, model="mini")
    assert again[-1].data["cache"] == "hit"
    assert await app_state.usage.wait_idle(10)
    async with session_scope(app_state.session_factory) as session:
        rows = await session.scalars(
            select(UsageRecord)
            .where(UsageRecord.endpoint == "/chat")
            .order_by(UsageRecord.created_at)
        )
        miss, hit = list(rows.all())
    assert (miss.cache_hit, hit.cache_hit) == (False, True)
    assert hit.completion_tokens == miss.completion_tokens > 0
    assert hit.prompt_tokens > 0
    assert hit.cached_tokens == hit.prompt_tokens
    assert hit.cost_usd == 0 < miss.cost_usd
