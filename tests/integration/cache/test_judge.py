"""The grey-zone judge through the fake upstream: asked only just under the threshold, bounded
per minute and in time, and the verifier's miss stands whenever it cannot answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from llm_gateway.app import create_app
from llm_gateway.cache.semantic.judge import CacheJudge, parse_verdict
from llm_gateway.fake_upstream import Behaviour, FakeUpstream
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.cache.conftest import chat
from tests.integration.proxy.conftest import AUTH, proxy_settings

CACHED = "What is the capital of France?"
# Scored under the English threshold within the band (0.3), no veto: session 21's weights give
# 0.78, 0.68 and 0.87 against 0.881 (band 0.58-0.88). Retraining moves these scores: re-pick when
# this test breaks (session 20: session 11's "what's france's capital city" fell to 0.55, and one
# prompt with "." or "!" added moved by up to 0.4, so three distinct prompts now; session 21:
# "france, capital city?" rose to 0.89, over the threshold).
GREYS = ("capital of france, please", "capital of france please", "whats the capital of france")
NUMBER = "What is the capital of France in 2 words?"  # a veto: never judged


@pytest.fixture
def app(backend: Backend, models_file: Path) -> FastAPI:
    judge = {"judge_alias": "judge", "judge_per_minute": 2, "judge_timeout_s": 0.5}
    return create_app(proxy_settings(backend, models_file, cache=judge))


async def _ask(client: httpx.AsyncClient, text: str) -> str:
    """Asked without storing the answer (``no-store``): only ``CACHED`` is ever an entry."""
    headers = AUTH if text == CACHED else {**AUTH, "cache-control": "no-store"}
    r = await client.post("/v1/chat/completions", json=chat("sem", text), headers=headers)
    assert r.status_code == 200, r.text
    return r.headers["x-gateway-cache"]


def _judge(state: AppState) -> CacheJudge:
    assert state.cache.semantic is not None
    assert state.cache.semantic.judge is not None
    return state.cache.semantic.judge


async def test_no_verdict_keeps_the_miss_and_the_budget_caps_calls(
    client: httpx.AsyncClient, fake: FakeUpstream, app_state: AppState
) -> None:
    assert await _ask(client, CACHED) == "miss"
    assert await _ask(client, NUMBER) == "miss"
    assert fake.requests("judge-up") == []  # a vetoed candidate is never judged
    # The fake answers "You said: ..." (no verdict), then hangs past the timeout.
    fake.script("judge-up", Behaviour(kind="ok"), Behaviour(kind="hang", seconds=5.0))
    assert await _ask(client, GREYS[0]) == "miss"
    assert await _ask(client, GREYS[1]) == "miss"
    assert await _ask(client, GREYS[2]) == "miss"  # over this minute's budget of 2: no call
    assert len(fake.requests("judge-up")) == 2
    counters = app_state.cache.counters
    assert (counters.judge_calls, counters.judge_fallbacks, counters.judge_hits) == (3, 3, 0)
    judge_request = fake.requests("judge-up")[0]["body"]
    assert judge_request["max_tokens"] == 3
    assert CACHED in judge_request["messages"][1]["content"]


async def test_a_yes_serves_the_grey_candidate_and_a_no_does_not(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    verdicts = iter(["NO", "Yes."])

    async def model(request: dict[str, Any]) -> dict[str, Any]:  # the paid model, stubbed
        return {"choices": [{"message": {"role": "assistant", "content": next(verdicts)}}]}

    _judge(app_state)._call = model
    assert await _ask(client, CACHED) == "miss"
    assert await _ask(client, GREYS[0]) == "miss"  # NO
    assert await _ask(client, GREYS[1]) == "semantic"  # YES
    assert app_state.cache.counters.judge_hits == 1


@pytest.mark.parametrize(
    ("text", "verdict"),
    [("YES", True), ("no.", False), ("네", True), ("아니요", False), ("Maybe", None), ("", None)],
)
def test_verdicts(text: str, verdict: bool | None) -> None:
    assert parse_verdict(text) is verdict
