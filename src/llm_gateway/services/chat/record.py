"""Save a turn's reply: the tool calls it made, their results, and the answer with its status."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import orjson

from llm_gateway.agent.events import DoneEvent, ErrorEvent
from llm_gateway.core.database import session_scope
from llm_gateway.providers.registry import ModelRegistry
from llm_gateway.repositories import conversations as repo
from llm_gateway.services.chat.deps import ChatDeps
from llm_gateway.services.chat.events import usage_dict
from llm_gateway.services.chat.prepare import PreparedTurn
from llm_gateway.services.tokens import count_tokens, count_tool_call_tokens


@dataclass(frozen=True, slots=True)
class TurnOutcome:
    """How the turn ended and what it cost (estimated from the text when the run was cut off)."""

    status: str  # complete | partial | error
    content: str
    done: DoneEvent | None
    error_code: str = ""
    error_message: str = ""
    error_status: int = 500
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0

    def unsaved(self, code: str, message: str) -> TurnOutcome:
        """The reply could not be stored: an error for the client, but the usage still counts.

        The upstream call happened either way, so the tokens and cost stay for quota settlement
        and the usage record.
        """
        return replace(
            self,
            status="error",
            done=None,
            error_code=code,
            error_message=message,
            error_status=500,
        )


def _arguments(value: Any) -> str:
    if isinstance(value, str):
        return value
    return orjson.dumps(value or {}).decode()


def _tool_messages(records: list[dict[str, Any]], model: str | None) -> list[dict[str, Any]]:
    """The agent's tool calls as an assistant ``tool_calls`` message plus one result each."""
    calls: list[dict[str, Any]] = [
        {
            "id": str(record.get("id")),
            "type": "function",
            "function": {
                "name": str(record.get("name")),
                "arguments": _arguments(record.get("arguments")),
            },
        }
        for record in records
        if record.get("id") and record.get("name")
    ]
    if not calls:
        return []
    outputs = {str(r.get("id")): str(r.get("output", "")) for r in records}
    messages: list[dict[str, Any]] = [
        {
            "role": "assistant",
            "content": "",
            "tool_calls": calls,
            "token_count": count_tool_call_tokens(calls, model),
        }
    ]
    for call in calls:
        output = outputs.get(call["id"], "")
        messages.append(
            {
                "role": "tool",
                "content": output,
                "tool_call_id": call["id"],
                "token_count": count_tokens(output, model),
            }
        )
    return messages


def _partial_cost(
    registry: ModelRegistry | None, alias: str | None, prompt_tokens: int, completion_tokens: int
) -> float:
    # A cut-off reply was still billed upstream; price it so cost budgets see it too.
    if registry is None or alias is None or alias not in registry:
        return 0.0
    return registry.cost(alias, prompt_tokens, completion_tokens)


def reply_outcome(
    deps: ChatDeps,
    prepared: PreparedTurn,
    terminal: DoneEvent | ErrorEvent,
    streamed: str,
    served_by: str | None = None,
) -> TurnOutcome:
    """How the turn ended: the agent's usage, or an estimate from the text when it was cut off."""
    if isinstance(terminal, DoneEvent):
        usage = terminal.usage
        return TurnOutcome(
            status="complete",
            content=terminal.content,
            done=terminal,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            cost_usd=usage.cost_usd,
        )
    content = streamed or terminal.partial_content
    # Cut off mid-answer: the prompt was sent and these tokens were produced (an estimate).
    prompt_tokens = prepared.context_tokens if content else 0
    completion_tokens = count_tokens(content, prepared.window.tokenizer_model)
    return TurnOutcome(
        status="partial" if content else "error",
        content=content,
        done=None,
        error_code=terminal.code,
        error_message=terminal.message,
        error_status=terminal.status_code,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cost_usd=_partial_cost(deps.registry, served_by, prompt_tokens, completion_tokens),
    )


async def save_reply(
    deps: ChatDeps, prepared: PreparedTurn, outcome: TurnOutcome, served_by: str | None = None
) -> None:
    """Store the reply (and any tool calls before it) in one unit of work.

    Raises:
        NoResultFound: the conversation was deleted while the turn ran.
    """
    model = prepared.window.tokenizer_model
    done = outcome.done
    tools = _tool_messages(done.tool_calls, model) if done is not None else []
    usage = None
    if done is not None:
        usage = {**usage_dict(done.usage), "cost_usd": done.usage.cost_usd}
    async with session_scope(deps.session_factory) as session:
        for message in tools:
            await repo.append_message(
                session, prepared.conversation_id, status="complete", **message
            )
        await repo.append_message(
            session,
            prepared.conversation_id,
            id=prepared.message_id,
            role="assistant",
            content=outcome.content,
            token_count=count_tokens(outcome.content, model),
            model=done.model if done else served_by,
            deployment=done.deployment if done else None,
            usage=usage,
            status=outcome.status,
            error=None if done else f"{outcome.error_code}: {outcome.error_message}",
        )
