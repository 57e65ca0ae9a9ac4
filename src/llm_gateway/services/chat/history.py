"""Stored messages → what the model sees: the system prompt, the running summary, usable turns."""

from __future__ import annotations

from collections.abc import Sequence

from llm_gateway.core.config import ChatSettings
from llm_gateway.models.conversation import Conversation, Message
from llm_gateway.services.context.summary import SUMMARY_PREFIX, summary_message
from llm_gateway.services.context.trim import ContextMessage
from llm_gateway.services.tokens import count_tokens


def to_context(message: Message) -> ContextMessage | None:
    """The message as context, or None for one the model should not see again.

    Failed replies that produced no text are history for the user, not for the model; partial
    replies stay, because the user saw them.
    """
    if message.role == "assistant" and message.status == "error" and not message.content:
        if not message.tool_calls:
            return None
    return ContextMessage(
        role=message.role,
        content=message.content,
        tokens=message.token_count,
        seq=message.seq,
        tool_calls=message.tool_calls or None,
        tool_call_id=message.tool_call_id,
    )


def usable_history(messages: Sequence[Message]) -> list[ContextMessage]:
    return [c for m in messages if (c := to_context(m)) is not None]


def system_context(settings: ChatSettings, tokenizer_model: str | None) -> list[ContextMessage]:
    """The configured system prompt as the first message, when one is set."""
    prompt = settings.system_prompt.strip()
    if not prompt:
        return []
    return [ContextMessage("system", prompt, count_tokens(prompt, tokenizer_model))]


def summary_context(
    conversation: Conversation | None, settings: ChatSettings, tokenizer_model: str | None
) -> ContextMessage | None:
    if conversation is None or not settings.summary_enabled or not conversation.summary:
        return None
    tokens = count_tokens(SUMMARY_PREFIX + conversation.summary, tokenizer_model)
    return summary_message(conversation.summary, tokens)
