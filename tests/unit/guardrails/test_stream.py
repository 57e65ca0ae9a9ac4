"""Streamed answers: the held-back window catches a secret split across chunks."""

from __future__ import annotations

from llm_gateway.core.config import GuardrailSettings
from llm_gateway.guardrails import GuardrailEngine, StreamGuard

KEY = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1w"


def run(guard: StreamGuard, chunks: list[str]) -> tuple[str, bool]:
    sent: list[str] = []
    for chunk in chunks:
        decision = guard.feed(chunk)
        sent.append(decision.text)
        if decision.stop:
            return "".join(sent), True
    final = guard.finish()
    sent.append(final.text)
    return "".join(sent), final.stop


def split_every(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def test_secret_split_across_tiny_chunks_is_masked(engine: GuardrailEngine) -> None:
    answer = "Your key is " + KEY + ". Keep it safe. " + "More text follows here. " * 10
    sent, stopped = run(engine.stream_guard(), split_every(answer, 3))
    assert not stopped
    assert KEY[:8] not in sent
    assert sent == answer.replace(KEY, "[REDACTED:API_KEY]")


def test_no_prefix_of_the_secret_is_released_before_it_is_complete(
    engine: GuardrailEngine,
) -> None:
    guard = engine.stream_guard()
    released = guard.feed("word " * 40 + "sk-proj-Ab3d").text
    released += guard.feed("Ef6hIj").text
    assert "sk-" not in released
    assert released.startswith("word word")


def test_clean_stream_passes_through_unchanged(engine: GuardrailEngine) -> None:
    answer = "이 문장은 안전합니다. " * 30
    sent, stopped = run(engine.stream_guard(), split_every(answer, 7))
    assert (sent, stopped) == (answer, False)


def test_regenerate_action_stops_the_stream_before_the_secret() -> None:
    engine = GuardrailEngine(GuardrailSettings(secret_action="regenerate"))
    guard = engine.stream_guard()
    answer = "Intro text. " * 20 + "key: " + KEY + " and the rest of the answer."
    sent, stopped = run(guard, split_every(answer, 5))
    assert stopped
    assert "sk-proj" not in sent
    assert sent.startswith("Intro text.")
    assert [f.rule_id for f in guard.findings] == ["secret.openai_key"]
    assert guard.feed("more").stop


def test_endless_private_key_stops_when_the_buffer_overflows() -> None:
    settings = GuardrailSettings(stream_max_buffer_chars=512)
    guard = GuardrailEngine(settings).stream_guard()
    chunks = ["ok:\n-----BEGIN PRIVATE KEY-----\n"] + ["QUJDREVGR0g=" * 8 + "\n"] * 20
    sent, stopped = run(guard, chunks)
    assert stopped
    assert "QUJD" not in sent


def test_context_before_the_window_still_counts(engine: GuardrailEngine) -> None:
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    answer = "aws_secret_access_key = " + secret + " done." + " filler" * 30
    sent, _ = run(engine.stream_guard(), split_every(answer, 4))
    assert secret not in sent
    assert "[REDACTED:AWS_KEY]" in sent
