"""/conversations: list, create, read, rename/archive, delete, and page through messages."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from llm_gateway.dependencies import AppStateDep, SessionDep
from llm_gateway.schemas.conversations import (
    ConversationCreate,
    ConversationOut,
    ConversationPage,
    ConversationUpdate,
    MessageOut,
    MessagePage,
)
from llm_gateway.services.auth.authenticate import PrincipalDep
from llm_gateway.services.conversations.cursor import CursorCodec
from llm_gateway.services.conversations.service import (
    ConversationService,
    parse_conversation_id,
    require_owner,
)

router = APIRouter(prefix="/conversations", tags=["conversations"])


def get_conversation_service(
    state: AppStateDep, session: SessionDep, principal: PrincipalDep
) -> ConversationService:
    owner_id = require_owner(principal)
    codec = CursorCodec(state.settings.security.jwt_secret.get_secret_value())
    return ConversationService(session, owner_id, codec, state.settings.chat, state.models)


ConversationId = Annotated[uuid.UUID, Depends(parse_conversation_id)]
ServiceDep = Annotated[ConversationService, Depends(get_conversation_service)]
LimitQuery = Annotated[int | None, Query(description="Page size (default 20)")]
CursorQuery = Annotated[
    str | None, Query(max_length=512, description="next_cursor of the last page")
]


@router.get("", response_model=ConversationPage)
async def list_conversations(
    service: ServiceDep,
    limit: LimitQuery = None,
    cursor: CursorQuery = None,
    q: Annotated[str | None, Query(max_length=200, description="Search in titles")] = None,
    archived: Annotated[
        bool | None, Query(description="true: only archived; false (default): only active")
    ] = False,
) -> ConversationPage:
    """My conversations, most recent activity first."""
    rows, next_cursor = await service.list_page(
        limit=limit, cursor=cursor, search=q, archived=archived
    )
    return ConversationPage(
        data=[ConversationOut.model_validate(row) for row in rows],
        has_more=next_cursor is not None,
        next_cursor=next_cursor,
    )


@router.post("", response_model=ConversationOut, status_code=201)
async def create_conversation(body: ConversationCreate, service: ServiceDep) -> ConversationOut:
    """Start an empty conversation (``POST /chat`` without an id also creates one)."""
    return ConversationOut.model_validate(await service.create(body))


@router.get("/{conversation_id}", response_model=ConversationOut)
async def get_conversation(service: ServiceDep, conversation_id: ConversationId) -> ConversationOut:
    return ConversationOut.model_validate(await service.get(conversation_id))


@router.patch("/{conversation_id}", response_model=ConversationOut)
async def update_conversation(
    service: ServiceDep, conversation_id: ConversationId, body: ConversationUpdate
) -> ConversationOut:
    """Rename, archive/unarchive, or change the preferred model."""
    return ConversationOut.model_validate(await service.update(conversation_id, body))


@router.delete("/{conversation_id}", status_code=204)
async def delete_conversation(service: ServiceDep, conversation_id: ConversationId) -> Response:
    """Delete the conversation and its messages for good (usage records are kept)."""
    await service.delete(conversation_id)
    return Response(status_code=204)


@router.get("/{conversation_id}/messages", response_model=MessagePage)
async def list_messages(
    service: ServiceDep,
    conversation_id: ConversationId,
    limit: LimitQuery = None,
    cursor: CursorQuery = None,
) -> MessagePage:
    """The conversation's messages, oldest first."""
    rows, next_cursor = await service.messages(conversation_id, limit=limit, cursor=cursor)
    return MessagePage(
        data=[MessageOut.model_validate(row) for row in rows],
        has_more=next_cursor is not None,
        next_cursor=next_cursor,
    )
