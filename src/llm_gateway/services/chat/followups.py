"""After a turn, in the background: title a new conversation and fold old turns into the summary.

Both jobs read in one short unit of work, call the small model with no session open, and write
with a conditional update, so a user's rename or a concurrent summary is never overwritten.
Under a ``pii_input`` policy of ``mask``/``hash`` the user text they send is redacted first, as
the agent path redacts a turn (docs/GUARDRAILS.md); the stored messages stay as they are.
"""

from __future__ import annotations

import dataclasses
import re
import uuid

from llm_gateway.core.database import session_scope
from llm_gateway.core.exceptions import GatewayError
from llm_gateway.core.logging import get_logger
from llm_gateway.repositories import conversations as repo
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.chat.deps import ChatDeps, Redact
from llm_gateway.services.chat.history import system_context, usable_history
from llm_gateway.services.context.summary import clip_summary, fold_summary, plan_compaction
from llm_gateway.services.context.trim import ContextMessage
from llm_gateway.services.context.window import ModelWindow
from llm_gateway.services.tokens import count_tokens

_log = get_logger("llm_gateway.chat.followups")

TITLE_MAX_CHARS = 80
_TITLE_SYSTEM = (
    "Write a short title (at most six words) for the conversation below, in its language. "
    "Reply with the title only: no quotes, no trailing punctuation."
)
_TITLE_NOISE = re.compile(r"^(title\s*:\s*)", re.IGNORECASE)


def clean_title(raw: str) -> str | None:
    """One line, no quotes or "Title:" prefix, at most ``TITLE_MAX_CHARS`` (cut at a word)."""
    lines = [line for line in raw.strip().splitlines() if line.strip()]
    if not lines:
        return None
    text = _TITLE_NOISE.sub("", " ".join(lines[0].split())).strip(" \"'`*#").rstrip(".!?:;,")
    if len(text) > TITLE_MAX_CHARS:
        text = text[:TITLE_MAX_CHARS].rsplit(" ", 1)[0].rstrip(" ,.;:") or text[:TITLE_MAX_CHARS]
    return text or None


def redact_user_messages(
    messages: list[ContextMessage], redact: Redact | None
) -> list[ContextMessage]:
    """``messages`` with each user message's text passed through ``redact`` (copies)."""
    if redact is None:
        return messages
    return [
        dataclasses.replace(m, content=redact(m.content)) if m.role == "user" else m
        for m in messages
    ]


def schedule_followups(
    deps: ChatDeps,
    principal: Principal,
    conversation_id: uuid.UUID,
    window: ModelWindow,
    *,
    needs_title: bool,
) -> None:
    """Queue the title (first exchange only) and a compaction check for the conversation.

    ``principal``'s guardrail policy decides whether the user text they send is redacted.
    """
    redact = deps.redactor_for(principal) if deps.redactor_for is not None else None
    if needs_title and deps.settings.titles_enabled:
        deps.jobs.submit(
            f"title:{conversation_id}", lambda: generate_title(deps, conversation_id, redact)
        )
    if deps.settings.summary_enabled and deps.small_model is not None:
        deps.jobs.submit(
            f"summary:{conversation_id}", lambda: compact(deps, conversation_id, window, redact)
        )


async def generate_title(
    deps: ChatDeps, conversation_id: uuid.UUID, redact: Redact | None = None
) -> None:
    """Title the conversation from its first exchange; ``redact`` applies to the user text sent."""
    async with session_scope(deps.session_factory) as session:
        conversation = await repo.get_by_id(session, conversation_id)
        if conversation is None or conversation.title is not None:
            return
        first = await repo.first_messages(session, conversation_id, limit=4)
    user = next((m.content for m in first if m.role == "user"), "")
    reply = next((m.content for m in first if m.role == "assistant" and m.content), "")
    title = None
    if deps.small_model is not None:
        sent = redact(user) if redact is not None else user
        prompt = f"user: {sent[:1500]}\nassistant: {reply[:1500]}"
        try:
            title = clean_title(await deps.small_model.complete(_TITLE_SYSTEM, prompt, 24))
        except GatewayError as exc:
            _log.info("title generation failed; using the first words", error=exc.code)
    title = title or clean_title(user) or "New conversation"
    async with session_scope(deps.session_factory) as session:
        await repo.set_title_if_empty(session, conversation_id, title)


async def compact(
    deps: ChatDeps, conversation_id: uuid.UUID, window: ModelWindow, redact: Redact | None = None
) -> None:
    """Fold the oldest turns into the summary once the unsummarized history nears the window.

    ``redact`` applies to the user turns sent and to the previous summary, which an older
    version may have written from unredacted turns.
    """
    settings = deps.settings
    if deps.small_model is None:
        return
    async with session_scope(deps.session_factory) as session:
        conversation = await repo.get_by_id(session, conversation_id)
        if conversation is None:
            return
        through = conversation.summary_through_seq
        previous = conversation.summary
        rows = await repo.recent_messages(
            session, conversation_id, after_seq=through, limit=settings.history_max_messages
        )
    fixed = sum(m.cost for m in system_context(settings, window.tokenizer_model))
    # The summary itself will take up to summary_max_tokens of the window.
    history_budget = max(1, window.budget - fixed - settings.summary_max_tokens)
    plan = plan_compaction(
        usable_history(rows),
        history_budget,
        trigger_ratio=settings.summary_trigger_ratio,
        target_ratio=settings.summary_target_ratio,
    )
    if plan is None:
        return
    if previous and redact is not None:
        previous = redact(previous)
    summary = await fold_summary(
        deps.small_model.complete,
        previous,
        redact_user_messages(plan.messages, redact),
        max_tokens=settings.summary_max_tokens,
    )
    if not summary:
        return
    tokens = count_tokens(summary, window.tokenizer_model)
    summary = clip_summary(summary, tokens, settings.summary_max_tokens)
    async with session_scope(deps.session_factory) as session:
        stored = await repo.set_summary(
            session,
            conversation_id,
            summary=summary,
            through_seq=plan.through_seq,
            expected_through_seq=through,
        )
    _log.debug("conversation compacted", conversation_id=str(conversation_id), stored=stored)
