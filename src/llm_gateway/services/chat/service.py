"""The /chat service: start a turn, then serve it as SSE bytes or as one JSON body."""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson

from llm_gateway.agent.context import AgentOptions
from llm_gateway.core.exceptions import GatewayError
from llm_gateway.schemas.chat import ChatRequestBody, ChatResponseBody
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.chat.deps import ChatDeps
from llm_gateway.services.chat.events import ChatEvent, intent_dict, usage_dict
from llm_gateway.services.chat.prepare import prepare_turn
from llm_gateway.services.chat.turn import ChatTurn

SSE_HEADERS = {
    "Cache-Control": "no-cache, no-transform",  # no-transform: proxies must not gzip-buffer it
    "X-Accel-Buffering": "no",  # nginx: pass each event through as it is written
    "Connection": "keep-alive",
}
HEARTBEAT = b": ping\n\n"


class ChatTurnError(GatewayError):
    """A non-streamed turn that failed before producing any text; the ids travel in headers."""


def sse_bytes(event: ChatEvent) -> bytes:
    """One Server-Sent Event: ``event: <name>`` and a single-line JSON ``data:`` field."""
    return b"event: " + event.name.encode() + b"\ndata: " + orjson.dumps(event.data) + b"\n\n"


class ChatService:
    """Runs turns with the app's agent, storage, quota gate and background jobs."""

    def __init__(self, deps: ChatDeps) -> None:
        self.deps = deps

    async def start(self, principal: Principal, body: ChatRequestBody, request_id: str) -> ChatTurn:
        """Check and store the user message (raising 4xx here), then start the agent run."""
        prepared = await prepare_turn(self.deps, principal, body, request_id)
        options = AgentOptions(stream=body.stream, use_tools=body.use_tools, own_tool_results=True)
        turn = ChatTurn(self.deps, principal, prepared, options)
        turn.start()
        return turn

    async def sse(self, turn: ChatTurn) -> AsyncIterator[bytes]:
        """The turn as SSE, with a comment line whenever nothing was sent for a heartbeat.

        When the client goes away the response is cancelled here, and ``interrupt`` lets the
        turn save its partial reply on its own task.
        """
        heartbeat = self.deps.settings.heartbeat_interval_s
        try:
            while True:
                try:
                    event = await turn.next_event(heartbeat)
                except TimeoutError:
                    yield HEARTBEAT
                    continue
                if event is None:
                    return
                yield sse_bytes(event)
        finally:
            turn.interrupt()
            turn.close()

    async def collect(self, turn: ChatTurn) -> ChatResponseBody:
        """Run the turn to its end and answer with one body (``stream: false``)."""
        final: ChatEvent | None = None
        try:
            while (event := await turn.next_event()) is not None:
                if event.terminal:
                    final = event
        finally:
            turn.close()
        await turn.wait()
        outcome = turn.outcome
        prepared = turn.prepared
        ids = {
            "x-conversation-id": str(prepared.conversation_id),
            "x-message-id": str(prepared.message_id),
        }
        if outcome is None or final is None:
            raise ChatTurnError("The turn ended without a result", headers=ids)
        if outcome.status == "error":
            status = outcome.error_status if 400 <= outcome.error_status < 600 else 502
            error = ChatTurnError(
                outcome.error_message, code=outcome.error_code, status_code=status, headers=ids
            )
            error.error_type = "invalid_request_error" if status < 500 else "upstream_error"
            raise error
        done = outcome.done
        return ChatResponseBody(
            conversation_id=str(prepared.conversation_id),
            user_message_id=str(prepared.user_message_id),
            message_id=str(prepared.message_id),
            status="complete" if done else "partial",
            content=outcome.content,
            requested_model=prepared.requested_model,
            model=done.model if done else (turn.model.alias if turn.model else None),
            deployment=done.deployment if done else None,
            intent=intent_dict(turn.intent),
            finish_reason=done.finish_reason if done else None,
            usage=usage_dict(done.usage) if done else None,
            cost_usd=done.usage.cost_usd if done else None,
            context_tokens=prepared.context_tokens,
            tools=turn.tools,
            guardrails=turn.guardrails,
            error=None if done else {"code": outcome.error_code, "message": outcome.error_message},
        )
