"""The analyzer: fast pass when confident, the LLM when not, the fast pass when the LLM fails."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from llm_gateway.agent.intent import IntentAnalyzer
from llm_gateway.providers.base import UpstreamCallError

UNSURE = [{"role": "user", "content": "Tell me about the Framework Laptop 16 and how it's doing"}]
CLEAR = [{"role": "user", "content": "What is 347 * 29?"}]


def reply(body: dict[str, Any]) -> dict[str, Any]:
    return {"choices": [{"message": {"role": "assistant", "content": json.dumps(body)}}]}


class FakeLLM:
    def __init__(self, behaviour: Any) -> None:
        self.behaviour = behaviour
        self.requests: list[dict[str, Any]] = []

    async def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(request)
        if isinstance(self.behaviour, BaseException):
            raise self.behaviour
        if self.behaviour == "hang":
            await asyncio.sleep(30)
        result: dict[str, Any] = self.behaviour
        return result


@pytest.fixture(scope="module")
def analyzer() -> IntentAnalyzer:
    return IntentAnalyzer(small_alias="mini")


def test_unsure_prompt_is_really_unsure(analyzer: IntentAnalyzer) -> None:
    assert analyzer.fast_pass(UNSURE) is None


async def test_confident_fast_pass_skips_the_llm(analyzer: IntentAnalyzer) -> None:
    llm = FakeLLM(reply({"intent": "general"}))
    result = await analyzer.analyze(CLEAR, llm, timeout_s=1.0)
    assert (result.label, result.source) == ("tool:calculator", "rules")
    assert llm.requests == []


async def test_unsure_prompt_goes_to_the_llm(analyzer: IntentAnalyzer) -> None:
    llm = FakeLLM(reply({"intent": "tool:web_search", "complexity": "simple", "language": "en"}))
    result = await analyzer.analyze(UNSURE, llm, timeout_s=1.0)
    assert (result.label, result.source) == ("tool:web_search", "llm")
    assert llm.requests[0]["model"] == "mini"


@pytest.mark.parametrize(
    "behaviour",
    [
        UpstreamCallError("upstream down", retryable=True),
        ConnectionResetError("reset"),
        {"choices": [{"message": {"content": "I think it's general?"}}]},
    ],
)
async def test_llm_failure_falls_back_to_the_guess(
    analyzer: IntentAnalyzer, behaviour: Any
) -> None:
    result = await analyzer.analyze(UNSURE, FakeLLM(behaviour), timeout_s=1.0)
    guess = analyzer.guess(UNSURE)
    assert result.source == "fallback"
    assert (result.label, result.complexity) == (guess.label, guess.complexity)


async def test_llm_timeout_falls_back(analyzer: IntentAnalyzer) -> None:
    result = await analyzer.analyze(UNSURE, FakeLLM("hang"), timeout_s=0.05)
    assert result.source == "fallback"


async def test_no_llm_means_fallback(analyzer: IntentAnalyzer) -> None:
    result = await analyzer.analyze(UNSURE, None, timeout_s=1.0)
    assert result.source == "fallback"


async def test_cancellation_is_not_swallowed(analyzer: IntentAnalyzer) -> None:
    task = asyncio.ensure_future(analyzer.analyze(UNSURE, FakeLLM("hang"), timeout_s=10))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
