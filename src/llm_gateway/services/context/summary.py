"""The running summary: which old turns to fold into it, and the small-model prompt that does it.

Compaction runs in the background after a turn, before the history overflows: once the turns not
yet summarized exceed ``trigger_ratio`` of the prompt budget, the oldest whole units are folded
into the summary until what is left is under ``target_ratio``. So trimming at request time rarely
has to drop a turn the summary does not already cover.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from llm_gateway.services.context.trim import ContextMessage, group_units

SUMMARY_PREFIX = "Summary of the earlier conversation (older turns are not shown):\n"
_MAX_CHARS_PER_MESSAGE = 2000  # a summary needs the gist, not a 20-page paste
_MAX_TRANSCRIPT_CHARS = 12_000  # one small-model call; longer folds run in several calls

# (system prompt, user prompt, max tokens) -> text
Complete = Callable[[str, str, int], Awaitable[str]]

_SYSTEM = (
    "You maintain a running summary of a conversation between a user and an assistant. "
    "Merge the previous summary with the new turns into one updated summary. Keep facts, names, "
    "numbers, decisions, the user's preferences and open questions; drop pleasantries. Write "
    "compact prose or bullets in the conversation's language, at most {words} words. Reply with "
    "the summary only."
)


@dataclass(frozen=True, slots=True)
class CompactionPlan:
    """Messages to fold into the summary; ``through_seq`` is the last one's position."""

    messages: list[ContextMessage]
    through_seq: int


def plan_compaction(
    history: Sequence[ContextMessage], budget: int, *, trigger_ratio: float, target_ratio: float
) -> CompactionPlan | None:
    """The oldest whole units to summarize, or None while the history is under the trigger.

    The latest exchange is never folded, and what remains starts with a user message.
    """
    units = group_units(history)
    total = sum(m.cost for unit in units for m in unit)
    if len(units) < 2 or total <= trigger_ratio * budget:
        return None
    # The latest exchange (the last user message and what answered it) is never folded.
    limit = max((i for i, unit in enumerate(units) if unit[0].role == "user"), default=0)
    target = target_ratio * budget
    cut = 0
    while cut < limit and total > target:
        total -= sum(m.cost for m in units[cut])
        cut += 1
    while cut < limit and units[cut][0].role != "user":
        cut += 1
    folded = [m for unit in units[:cut] for m in unit]
    if not folded:
        return None
    return CompactionPlan(messages=folded, through_seq=max(m.seq for m in folded))


def render_transcript(messages: Sequence[ContextMessage]) -> list[str]:
    """One line per message (long contents clipped), grouped into calls of bounded size."""
    chunks: list[str] = []
    current = ""
    for message in messages:
        text = message.content
        if message.tool_calls:
            names = ", ".join(
                str((call.get("function") or {}).get("name", "tool")) for call in message.tool_calls
            )
            text = f"{text} [called tools: {names}]".strip()
        if len(text) > _MAX_CHARS_PER_MESSAGE:
            text = text[:_MAX_CHARS_PER_MESSAGE] + " [...]"
        line = f"{message.role}: {text}\n"
        if current and len(current) + len(line) > _MAX_TRANSCRIPT_CHARS:
            chunks.append(current)
            current = ""
        current += line
    if current:
        chunks.append(current)
    return chunks


async def fold_summary(
    complete: Complete,
    previous: str | None,
    messages: Sequence[ContextMessage],
    *,
    max_tokens: int,
) -> str:
    """The previous summary updated with ``messages``, one small-model call per chunk."""
    summary = previous or ""
    system = _SYSTEM.format(words=max(20, int(max_tokens * 0.7)))
    for chunk in render_transcript(messages):
        prompt = f"Previous summary:\n{summary or '(none)'}\n\nNew turns:\n{chunk}"
        summary = (await complete(system, prompt, max_tokens)).strip() or summary
    return summary


def clip_summary(text: str, tokens: int, max_tokens: int) -> str:
    """Cut an over-long summary (models overshoot) to about ``max_tokens``, at a word."""
    if tokens <= max_tokens or not text:
        return text
    keep = int(len(text) * max_tokens / tokens)
    return text[:keep].rsplit(" ", 1)[0] + " [...]"


def summary_message(summary: str, tokens: int) -> ContextMessage:
    """The summary as the system message placed before the kept turns."""
    return ContextMessage(role="system", content=SUMMARY_PREFIX + summary, tokens=tokens)
