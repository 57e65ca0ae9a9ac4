"""Owner-only conversation CRUD and message history, with signed keyset cursors.

Deletion is hard: the conversation and all its messages are removed at once (archiving is the
reversible "hide it" option). Usage records are kept: they are billing data keyed by request id
and user, never by conversation, so spend reports stay correct after a delete.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.core.config import ChatSettings
from llm_gateway.core.exceptions import InvalidRequestError, NotFoundError, PermissionDeniedError
from llm_gateway.models.conversation import Conversation, Message
from llm_gateway.providers.registry import ModelRegistry
from llm_gateway.repositories import conversations as repo
from llm_gateway.schemas.conversations import ConversationCreate, ConversationUpdate
from llm_gateway.services.auth.principal import SCOPE_CHAT, Principal
from llm_gateway.services.context.window import AUTO_MODEL
from llm_gateway.services.conversations.cursor import CursorCodec


def require_owner(principal: Principal) -> uuid.UUID:
    """The user id conversations are filed under; 403 for callers that are not a user.

    The bootstrap master key has no user, and conversations always belong to one, so it cannot
    hold conversations: use a user's token or API key.
    """
    principal.require_scope(SCOPE_CHAT)
    if principal.user_id is None:
        raise PermissionDeniedError(
            "Conversations belong to users; the master key has none. "
            "Call /chat and /conversations with a user's access token or API key.",
            code="user_required",
        )
    return principal.user_id


def not_found(conversation_id: uuid.UUID | str) -> NotFoundError:
    # Same answer for unknown and foreign ids, so ids of other users' conversations don't leak.
    return NotFoundError(
        f"No conversation with id '{conversation_id}'",
        code="conversation_not_found",
        param="conversation_id",
    )


def parse_conversation_id(conversation_id: str) -> uuid.UUID:
    """A malformed id is as unknown as a missing one: 404, not a validation error."""
    try:
        return uuid.UUID(conversation_id)
    except ValueError:
        raise not_found(conversation_id[:64]) from None


def check_model_alias(models: ModelRegistry | None, alias: str | None) -> None:
    """404 ``model_not_found`` for an alias the registry does not serve ("auto" always exists)."""
    if alias is not None and alias != AUTO_MODEL and models is not None:
        models.get(alias)


class ConversationService:
    """One caller's view of their conversations, in the request's unit of work."""

    def __init__(
        self,
        session: AsyncSession,
        owner_id: uuid.UUID,
        codec: CursorCodec,
        settings: ChatSettings,
        models: ModelRegistry | None = None,
    ) -> None:
        self.session = session
        self.owner_id = owner_id
        self.codec = codec
        self.settings = settings
        self.models = models

    def page_size(self, limit: int | None) -> int:
        if limit is None:
            return self.settings.page_size
        if not 1 <= limit <= self.settings.max_page_size:
            raise InvalidRequestError(
                f"limit must be between 1 and {self.settings.max_page_size}",
                code="invalid_limit",
                param="limit",
            )
        return limit

    async def create(self, body: ConversationCreate) -> Conversation:
        check_model_alias(self.models, body.model)
        return await repo.create_conversation(
            self.session, owner_id=self.owner_id, title=body.title, model=body.model
        )

    async def get(self, conversation_id: uuid.UUID) -> Conversation:
        conversation = await repo.get_owned(self.session, conversation_id, self.owner_id)
        if conversation is None:
            raise not_found(conversation_id)
        return conversation

    async def list_page(
        self,
        *,
        limit: int | None,
        cursor: str | None,
        search: str | None,
        archived: bool | None,
    ) -> tuple[list[Conversation], str | None]:
        """A page of conversations (newest activity first) and the cursor of the next page."""
        size = self.page_size(limit)
        search = search.strip() if search else None
        scope = f"conversations:{self.owner_id}:{archived}:{search or ''}"
        after = None
        if cursor:
            position = self.codec.decode(scope, cursor)
            try:
                after = (datetime.fromisoformat(position["at"]), uuid.UUID(position["id"]))
            except (KeyError, TypeError, ValueError):
                raise InvalidRequestError("Malformed cursor", code="invalid_cursor") from None
        rows = await repo.list_owned(
            self.session,
            self.owner_id,
            limit=size + 1,
            after=after,
            search=search,
            archived=archived,
        )
        if len(rows) <= size:
            return rows, None
        last = rows[size - 1]
        position = {"at": last.last_activity_at.isoformat(), "id": str(last.id)}
        return rows[:size], self.codec.encode(scope, position)

    async def update(self, conversation_id: uuid.UUID, body: ConversationUpdate) -> Conversation:
        conversation = await self.get(conversation_id)
        changes = body.model_dump(exclude_unset=True)
        if "archived" in changes and changes["archived"] is None:
            raise InvalidRequestError("archived must be true or false", param="archived")
        check_model_alias(self.models, changes.get("model"))
        for field, value in changes.items():
            setattr(conversation, field, value)
        await self.session.flush()
        await self.session.refresh(conversation)
        return conversation

    async def delete(self, conversation_id: uuid.UUID) -> None:
        await repo.delete_conversation(self.session, await self.get(conversation_id))

    async def messages(
        self, conversation_id: uuid.UUID, *, limit: int | None, cursor: str | None
    ) -> tuple[list[Message], str | None]:
        """A page of the conversation's messages, oldest first."""
        await self.get(conversation_id)
        size = self.page_size(limit)
        scope = f"messages:{self.owner_id}:{conversation_id}"
        after_seq = 0
        if cursor:
            seq = self.codec.decode(scope, cursor).get("seq")
            if not isinstance(seq, int):
                raise InvalidRequestError("Malformed cursor", code="invalid_cursor")
            after_seq = seq
        rows = await repo.list_messages(
            self.session, conversation_id, after_seq=after_seq, limit=size + 1
        )
        if len(rows) <= size:
            return rows, None
        return rows[:size], self.codec.encode(scope, {"seq": rows[size - 1].seq})
