"""Before the model is called: check the request, fit the context, store the user message.

Everything here happens in one short unit of work that is committed before the first event is
sent, so a rejected turn (404, 403, 422, 429) stores nothing, and the stream that follows holds
no database session.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.core.database import session_scope
from llm_gateway.core.exceptions import UnprocessableError
from llm_gateway.models.conversation import Conversation
from llm_gateway.repositories import conversations as repo
from llm_gateway.schemas.chat import ChatRequestBody
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.chat.deps import ChatDeps
from llm_gateway.services.chat.history import summary_context, system_context, usable_history
from llm_gateway.services.context.trim import ContextMessage, TrimResult, trim_context
from llm_gateway.services.context.window import AUTO_MODEL, ModelWindow, model_window
from llm_gateway.services.conversations.service import (
    check_model_alias,
    not_found,
    parse_conversation_id,
    require_owner,
)
from llm_gateway.services.tokens import count_tokens


@dataclass(frozen=True, slots=True)
class PreparedTurn:
    """A turn ready to run: ids, the trimmed messages for the agent, and the quota reservation."""

    owner_id: uuid.UUID
    conversation_id: uuid.UUID
    user_message_id: uuid.UUID
    message_id: uuid.UUID  # the assistant reply's id, announced in ``meta`` before it exists
    requested_model: str
    window: ModelWindow
    messages: list[dict[str, Any]]
    context_tokens: int
    needs_title: bool
    admission: Any
    request_id: str
    started_at: float  # time.monotonic() when the request arrived


def check_message(text: str, max_chars: int) -> str:
    """The message, or 422 when it is blank or longer than the configured limit."""
    if not text.strip():
        raise UnprocessableError("message must not be empty", code="empty_message", param="message")
    if len(text) > max_chars:
        raise UnprocessableError(
            f"message is {len(text)} characters long; the limit is {max_chars}",
            code="message_too_long",
            param="message",
        )
    return text


async def _load(
    session: AsyncSession, owner_id: uuid.UUID, conversation_id: str | None
) -> Conversation | None:
    if conversation_id is None:
        return None
    conversation = await repo.get_owned(session, parse_conversation_id(conversation_id), owner_id)
    if conversation is None:
        raise not_found(conversation_id)
    return conversation


async def _fit(
    session: AsyncSession,
    deps: ChatDeps,
    conversation: Conversation | None,
    window: ModelWindow,
    user: ContextMessage,
) -> TrimResult:
    settings = deps.settings
    history: list[ContextMessage] = []
    if conversation is not None:
        after = conversation.summary_through_seq if settings.summary_enabled else 0
        rows = await repo.recent_messages(
            session, conversation.id, after_seq=after, limit=settings.history_max_messages
        )
        history = usable_history(rows)
    return trim_context(
        system=system_context(settings, window.tokenizer_model),
        history=[*history, user],
        budget=window.budget,
        summary=summary_context(conversation, settings, window.tokenizer_model),
        model_label=window.label,
    )


async def prepare_turn(
    deps: ChatDeps, principal: Principal, body: ChatRequestBody, request_id: str
) -> PreparedTurn:
    """Validate, trim and store the user message; raise the turn's 4xx before any event."""
    started_at = time.monotonic()
    owner_id = require_owner(principal)
    text = check_message(body.message, deps.settings.max_message_chars)
    async with session_scope(deps.session_factory) as session:
        conversation = await _load(session, owner_id, body.conversation_id)
        requested = body.model or (conversation.model if conversation else None) or AUTO_MODEL
        # An unknown alias is refused here, before anything is stored (404 model_not_found).
        check_model_alias(deps.registry, requested)
        if requested != AUTO_MODEL:
            info = deps.registry.find(requested) if deps.registry else None
            # QUOTA: the caller's tier must allow an explicitly requested alias (403 names it).
            deps.quota.check_model(principal, requested, info.tier if info else None)
        window = model_window(deps.registry, requested, deps.settings)
        user_tokens = count_tokens(text, window.tokenizer_model)
        user = ContextMessage("user", text, user_tokens)
        fitted = await _fit(session, deps, conversation, window, user)
        # QUOTA: reserve before the model is called; settled in ChatTurn when the reply is saved.
        admission = await deps.quota.admit(
            principal,
            prompt_tokens=fitted.tokens,
            max_output_tokens=window.reserved_output,
            request_id=request_id,
        )
        try:
            if conversation is None:
                conversation = await repo.create_conversation(
                    session, owner_id=owner_id, title=None, model=body.model
                )
            stored = await repo.append_message(
                session,
                conversation.id,
                role="user",
                content=text,
                token_count=user_tokens,
                status="complete",
            )
            await session.commit()
        except BaseException:
            await deps.quota.settle(admission)
            raise
    return PreparedTurn(
        owner_id=owner_id,
        conversation_id=conversation.id,
        user_message_id=stored.id,
        message_id=uuid.uuid4(),
        requested_model=requested,
        window=window,
        messages=[m.to_openai() for m in fitted.messages],
        context_tokens=fitted.tokens,
        needs_title=conversation.title is None and stored.seq == 1,
        admission=admission,
        request_id=request_id,
        started_at=started_at,
    )
