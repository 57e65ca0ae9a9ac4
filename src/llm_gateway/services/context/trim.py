"""Fit a conversation into a model's context window without breaking it.

Invariants (property-tested): the result fits the budget; system messages and the latest
message are always kept; an assistant message that called tools is kept or dropped together with
all of its tool results (and a result never appears without its call); the kept history is a
contiguous run of the newest turns and starts with a user message; the running summary, when
there is one and it fits, sits right after the system messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from llm_gateway.core.exceptions import UnprocessableError
from llm_gateway.services.tokens import REPLY_PRIMING_TOKENS, TOKENS_PER_MESSAGE


class ContextOverflowError(UnprocessableError):
    """The newest message (with the system prompt) alone exceeds the model's context window."""

    code = "context_length_exceeded"


@dataclass(frozen=True, slots=True)
class ContextMessage:
    """One message as the model will see it, with its token count (content and tool calls)."""

    role: str
    content: str
    tokens: int
    seq: int = 0  # position in the conversation; 0 for messages that are not stored
    tool_calls: list[dict[str, Any]] | None = None
    tool_call_id: str | None = None

    @property
    def cost(self) -> int:
        """Tokens this message takes in a request, including the per-message overhead."""
        return self.tokens + TOKENS_PER_MESSAGE

    def to_openai(self) -> dict[str, Any]:
        message: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            message["tool_calls"] = self.tool_calls
        if self.tool_call_id is not None:
            message["tool_call_id"] = self.tool_call_id
        return message


@dataclass(frozen=True, slots=True)
class TrimResult:
    """What to send, what was left out (oldest first) and how many prompt tokens it makes."""

    messages: list[ContextMessage]
    dropped: list[ContextMessage] = field(default_factory=list)
    tokens: int = 0
    summary_used: bool = False


def group_units(history: Sequence[ContextMessage]) -> list[list[ContextMessage]]:
    """Split history into units that are kept or dropped whole.

    A unit is one user/assistant/system message, or an assistant message with ``tool_calls``
    followed by the tool results answering it. A tool result with no matching call, and a call
    group missing some of its results, are left out entirely: providers reject both.
    """
    units: list[list[ContextMessage]] = []
    i = 0
    while i < len(history):
        message = history[i]
        if message.role == "tool":
            i += 1  # an orphan result: its call is gone
            continue
        if message.role != "assistant" or not message.tool_calls:
            units.append([message])
            i += 1
            continue
        call_ids = {str(call.get("id")) for call in message.tool_calls}
        group = [message]
        i += 1
        while i < len(history) and history[i].role == "tool":
            if history[i].tool_call_id in call_ids:
                group.append(history[i])
            i += 1
        if {m.tool_call_id for m in group[1:]} == call_ids:
            units.append(group)
    return units


def _cost(unit: Sequence[ContextMessage]) -> int:
    return sum(m.cost for m in unit)


def trim_context(
    *,
    system: Sequence[ContextMessage],
    history: Sequence[ContextMessage],
    budget: int,
    summary: ContextMessage | None = None,
    model_label: str = "the model",
) -> TrimResult:
    """Keep the system messages, the summary and as many of the newest turns as ``budget`` allows.

    Args:
        system: Leading system messages, always kept.
        history: The conversation, oldest first; its last message is the one being answered.
        budget: Prompt tokens available (context window minus the reply's reserve).
        summary: The running summary of older turns, kept when it fits.
        model_label: Names the model in the overflow error.

    Raises:
        ContextOverflowError: the system messages and the latest message alone exceed ``budget``.
    """
    units = group_units(history)
    if not units:
        raise UnprocessableError("There is no message to answer", code="empty_context")
    latest = units[-1]
    fixed = REPLY_PRIMING_TOKENS + sum(m.cost for m in system)
    needed = fixed + _cost(latest)
    if needed > budget:
        raise ContextOverflowError(
            f"The message needs {needed} tokens but {model_label} accepts at most {budget} "
            "input tokens (its context window minus the tokens reserved for the reply). "
            "Shorten the message or choose a model with a larger context window.",
            param="message",
        )
    remaining = budget - needed
    summary_used = summary is not None and summary.cost <= remaining
    if summary is not None and summary_used:
        remaining -= summary.cost
    first_kept = len(units) - 1
    for index in range(len(units) - 2, -1, -1):
        cost = _cost(units[index])
        if cost > remaining:
            break
        remaining -= cost
        first_kept = index
    # Providers expect the turns after the system prompt to open with a user message.
    while first_kept < len(units) - 1 and units[first_kept][0].role != "user":
        remaining += _cost(units[first_kept])
        first_kept += 1
    kept = [m for unit in units[first_kept:] for m in unit]
    dropped = [m for unit in units[:first_kept] for m in unit]
    head = [*system, summary] if summary is not None and summary_used else list(system)
    return TrimResult(
        messages=[*head, *kept],
        dropped=dropped,
        tokens=budget - remaining,
        summary_used=summary_used,
    )
