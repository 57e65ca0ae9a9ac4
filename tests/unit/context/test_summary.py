"""Compaction planning, summary folding and title cleaning."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llm_gateway.services.chat.followups import TITLE_MAX_CHARS, clean_title
from llm_gateway.services.context.summary import (
    clip_summary,
    fold_summary,
    plan_compaction,
    render_transcript,
)
from llm_gateway.services.context.trim import ContextMessage


def _history(turns: int, tokens: int = 20) -> list[ContextMessage]:
    messages: list[ContextMessage] = []
    for i in range(turns):
        messages.append(ContextMessage("user", f"question {i}", tokens, 2 * i + 1))
        messages.append(ContextMessage("assistant", f"answer {i}", tokens, 2 * i + 2))
    return messages


def test_nothing_to_compact_below_the_trigger() -> None:
    assert plan_compaction(_history(3), 1000, trigger_ratio=0.75, target_ratio=0.5) is None


@settings(max_examples=200, deadline=None)
@given(turns=st.integers(1, 60), budget=st.integers(50, 3000))
def test_compaction_folds_a_prefix_and_leaves_a_user_led_tail(turns: int, budget: int) -> None:
    history = _history(turns)
    plan = plan_compaction(history, budget, trigger_ratio=0.75, target_ratio=0.5)
    total = sum(m.cost for m in history)
    if plan is None:
        # Under the trigger, or only the latest exchange is left (it is never folded).
        assert total <= 0.75 * budget or turns == 1
        return
    folded = plan.messages
    assert folded == history[: len(folded)]  # the oldest messages, in order
    rest = history[len(folded) :]
    assert rest[-2:] == history[-2:], "the latest exchange is never folded"
    assert rest[0].role == "user"
    assert plan.through_seq == folded[-1].seq


async def test_fold_summary_merges_chunks_in_order() -> None:
    prompts: list[str] = []

    async def complete(system: str, prompt: str, max_tokens: int) -> str:
        prompts.append(prompt)
        return f"summary#{len(prompts)}"

    messages = [ContextMessage("user", "x" * 1900, 500, i) for i in range(1, 15)]
    assert len(render_transcript(messages)) > 1
    result = await fold_summary(complete, "earlier facts", messages, max_tokens=100)
    assert result == f"summary#{len(prompts)}"
    assert "earlier facts" in prompts[0]
    assert "summary#1" in prompts[1]  # each call builds on the previous summary


def test_clip_summary_cuts_long_summaries() -> None:
    text = "word " * 400
    clipped = clip_summary(text, 400, 100)
    assert len(clipped) < len(text) / 3
    assert clip_summary("short", 5, 100) == "short"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('"Trip to Lisbon."', "Trip to Lisbon"),
        ("Title: Budget planning\nextra line", "Budget planning"),
        ("   ", None),
        ("**Rust borrow checker**", "Rust borrow checker"),
    ],
)
def test_clean_title(raw: str, expected: str | None) -> None:
    assert clean_title(raw) == expected


def test_long_titles_are_cut_at_a_word() -> None:
    title = clean_title("word " * 50)
    assert title is not None
    assert len(title) <= TITLE_MAX_CHARS
    assert title.endswith("word")
