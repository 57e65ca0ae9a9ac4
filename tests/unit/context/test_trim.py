"""Trimming never drops the system prompt or the latest message, never splits a tool call."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llm_gateway.services.context.trim import (
    ContextMessage,
    ContextOverflowError,
    group_units,
    trim_context,
)
from llm_gateway.services.tokens import REPLY_PRIMING_TOKENS


def user(text: str, tokens: int, seq: int = 0) -> ContextMessage:
    return ContextMessage("user", text, tokens, seq)


def assistant(text: str, tokens: int, seq: int = 0) -> ContextMessage:
    return ContextMessage("assistant", text, tokens, seq)


def tool_turn(call_id: str, tokens: int, seq: int) -> list[ContextMessage]:
    call = {"id": call_id, "type": "function", "function": {"name": "calc", "arguments": "{}"}}
    return [
        ContextMessage("assistant", "", tokens, seq, tool_calls=[call]),
        ContextMessage("tool", "42", tokens, seq + 1, tool_call_id=call_id),
    ]


@st.composite
def conversations(draw: st.DrawFn) -> list[ContextMessage]:
    """Alternating turns, some answered through tool calls, ending with a user message."""
    history: list[ContextMessage] = []
    seq = 1
    for _ in range(draw(st.integers(0, 25))):
        history.append(user(f"u{seq}", draw(st.integers(1, 300)), seq))
        seq += 1
        if draw(st.booleans()):
            history.extend(tool_turn(f"call_{seq}", draw(st.integers(1, 200)), seq))
            seq += 2
        history.append(assistant(f"a{seq}", draw(st.integers(1, 300)), seq))
        seq += 1
    history.append(user("latest", draw(st.integers(1, 300)), seq))
    return history


def _total(messages: list[ContextMessage]) -> int:
    return REPLY_PRIMING_TOKENS + sum(m.cost for m in messages)


@settings(max_examples=300, deadline=None)
@given(
    history=conversations(),
    budget=st.integers(300, 6000),
    system_tokens=st.integers(0, 120),
    summary_tokens=st.one_of(st.none(), st.integers(1, 400)),
)
def test_trimming_invariants(
    history: list[ContextMessage], budget: int, system_tokens: int, summary_tokens: int | None
) -> None:
    system = [ContextMessage("system", "be brief", system_tokens)] if system_tokens else []
    summary = None if summary_tokens is None else ContextMessage("system", "sum", summary_tokens)
    try:
        result = trim_context(system=system, history=history, budget=budget, summary=summary)
    except ContextOverflowError:
        assert _total([*system, history[-1]]) > budget
        return
    kept = result.messages
    assert _total(kept) <= budget
    assert result.tokens == _total(kept)
    assert kept[: len(system)] == system  # the system prompt always leads
    assert kept[-1] is history[-1]  # the latest message is always there
    turns = kept[len(system) + (1 if result.summary_used else 0) :]
    assert turns[0].role == "user"
    # A contiguous run of the newest turns: exactly the history after what was dropped.
    assert [*result.dropped, *turns] == [m for unit in group_units(history) for m in unit]
    # Every tool call is followed by its results, and no result is without its call.
    for i, message in enumerate(turns):
        if message.tool_calls:
            ids = {c["id"] for c in message.tool_calls}
            assert {m.tool_call_id for m in turns[i + 1 : i + 1 + len(ids)]} == ids
        if message.role == "tool":
            call = next(m for m in reversed(turns[:i]) if m.tool_calls)
            assert message.tool_call_id in {c["id"] for c in call.tool_calls or []}
    if summary is not None and result.summary_used:
        assert kept[len(system)] is summary


def test_everything_fits_nothing_dropped() -> None:
    history = [user("hi", 5, 1), assistant("hello", 5, 2), user("again", 5, 3)]
    result = trim_context(system=[], history=history, budget=1000)
    assert result.messages == history
    assert result.dropped == []


def test_oldest_turns_go_first_and_the_kept_part_starts_with_a_user_message() -> None:
    history = [user("old", 100, 1), assistant("old answer", 100, 2), user("new", 10, 3)]
    budget = REPLY_PRIMING_TOKENS + 14 + 104 + 5  # room for "new" and one old message only
    result = trim_context(system=[], history=history, budget=budget)
    assert result.messages == [history[2]]  # the old answer alone would open with an assistant
    assert result.dropped == history[:2]


def test_tool_call_and_results_are_dropped_together() -> None:
    history = [user("q", 10, 1), *tool_turn("c1", 100, 2), assistant("a", 10, 4), user("n", 10, 5)]
    result = trim_context(system=[], history=history, budget=200)
    assert [m.role for m in result.messages] == ["user"]
    assert all(m.role != "tool" for m in result.messages)


def test_orphan_tool_results_are_never_sent() -> None:
    orphan = ContextMessage("tool", "42", 5, 1, tool_call_id="gone")
    result = trim_context(system=[], history=[orphan, user("q", 5, 2)], budget=1000)
    assert [m.role for m in result.messages] == ["user"]


def test_a_message_larger_than_the_window_is_refused_naming_the_model() -> None:
    with pytest.raises(ContextOverflowError) as raised:
        trim_context(
            system=[ContextMessage("system", "s", 10)],
            history=[user("huge", 5000)],
            budget=4000,
            model_label="model 'mini'",
        )
    assert raised.value.status_code == 422
    assert "model 'mini'" in raised.value.message
    assert "4000" in raised.value.message
