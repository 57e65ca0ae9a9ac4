"""API shapes of /chat (request, one-body answer) and of the /chat/ws client messages."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from llm_gateway.schemas.conversations import ALIAS_PATTERN


class ChatRequestBody(BaseModel):
    """One user turn. Without ``conversation_id`` a new conversation is created.

    ``message`` length is checked by the service against ``LLMGW_CHAT__MAX_MESSAGE_CHARS`` so the
    422 can name the configured limit.
    """

    model_config = ConfigDict(extra="forbid")

    conversation_id: str | None = Field(default=None, max_length=64)
    message: str
    model: str | None = Field(default=None, pattern=ALIAS_PATTERN)  # "auto" or an alias
    stream: bool = True
    use_tools: bool = True  # let the agent call tools on this turn


class ChatResponseBody(BaseModel):
    """``stream: false``: everything the SSE events would have said, as one object."""

    object: Literal["chat.turn"] = "chat.turn"
    conversation_id: str
    user_message_id: str
    message_id: str
    status: Literal["complete", "partial", "error"]
    content: str
    requested_model: str
    model: str | None
    deployment: str | None
    intent: dict[str, Any] | None
    finish_reason: str | None
    usage: dict[str, Any] | None
    cost_usd: float | None
    context_tokens: int
    tools: list[dict[str, Any]]
    guardrails: list[dict[str, Any]]
    error: dict[str, Any] | None = None


class WsAuth(BaseModel):
    """First WebSocket message when the handshake carried no credential."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["auth"]
    token: str = Field(min_length=1, max_length=4096)


class WsChat(BaseModel):
    """Start a turn; events stream back as ``{"type": <event>, ...}`` messages."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["chat"]
    conversation_id: str | None = Field(default=None, max_length=64)
    message: str
    model: str | None = Field(default=None, pattern=ALIAS_PATTERN)
    use_tools: bool = True

    def as_request(self) -> ChatRequestBody:
        return ChatRequestBody(
            conversation_id=self.conversation_id,
            message=self.message,
            model=self.model,
            stream=True,
            use_tools=self.use_tools,
        )


class WsControl(BaseModel):
    """``cancel`` stops the running turn (its reply is kept as ``partial``); ``ping`` → ``pong``."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["cancel", "ping"]
