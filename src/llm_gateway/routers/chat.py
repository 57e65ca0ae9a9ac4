"""/chat: one conversational turn streamed as Server-Sent Events (or one JSON body); /chat/ws."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Request, WebSocket
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.requests import HTTPConnection

from llm_gateway.schemas.chat import ChatRequestBody, ChatResponseBody
from llm_gateway.services import tokens
from llm_gateway.services.auth.authenticate import PrincipalDep
from llm_gateway.services.chat.deps import ChatAgent
from llm_gateway.services.chat.service import SSE_HEADERS, ChatService
from llm_gateway.services.chat.websocket import ChatSocket
from llm_gateway.services.chat.wiring import build_chat_deps, chat_agent
from llm_gateway.state import STATE_KEY, AppState

router = APIRouter(tags=["chat"])

_SSE_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "``stream: true``: ``text/event-stream`` with events ``meta``, ``tool``, "
        "``token``, ``guardrail`` and one ``done`` or ``error``; ``: ping`` comments keep idle "
        "connections alive. ``stream: false``: one ``chat.turn`` JSON object.",
        "content": {"text/event-stream": {}, "application/json": {}},
        "model": ChatResponseBody,
    }
}


def _state(connection: HTTPConnection) -> AppState:
    return cast(AppState, getattr(connection.state, STATE_KEY))


def get_chat_agent(connection: HTTPConnection) -> ChatAgent:
    """The agent runner /chat uses (one dependency for HTTP and WebSocket; tests override it)."""
    return chat_agent(_state(connection))


async def get_chat_service(
    connection: HTTPConnection, agent: Annotated[ChatAgent, Depends(get_chat_agent)]
) -> ChatService:
    state = _state(connection)
    await tokens.ensure_built(state.models.upstream_models())  # the agent counts, on the loop
    return ChatService(build_chat_deps(state, agent))


ChatServiceDep = Annotated[ChatService, Depends(get_chat_service)]


@router.post("/chat", responses=_SSE_DOC)
async def chat(
    request: Request, principal: PrincipalDep, body: ChatRequestBody, service: ChatServiceDep
) -> Response:
    """Send a message (creating the conversation when no id is given) and stream the reply."""
    request_id = str(getattr(request.state, "request_id", "") or "")
    turn = await service.start(principal, body, request_id)
    if body.stream:
        return StreamingResponse(
            service.sse(turn), media_type="text/event-stream", headers=SSE_HEADERS
        )
    result = await service.collect(turn)
    return JSONResponse(result.model_dump(mode="json"))


@router.websocket("/chat/ws")
async def chat_socket(websocket: WebSocket, service: ChatServiceDep) -> None:
    """Several turns over one socket; the same events as JSON messages ``{"type": ...}``."""
    await ChatSocket(websocket, _state(websocket), service).serve()
