"""API shapes of /conversations: create, update, read, and cursor-paginated lists."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ALIAS_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$"


def _clean_title(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    if not value:
        raise ValueError("must not be blank")
    return value


class ConversationCreate(BaseModel):
    """``POST /conversations``: both fields optional (a title is generated after the first turn)."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=200)
    model: str | None = Field(default=None, pattern=ALIAS_PATTERN)  # "auto" or an alias

    _title = field_validator("title")(_clean_title)


class ConversationUpdate(BaseModel):
    """``PATCH /conversations/{id}``: only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=200)
    archived: bool | None = None
    model: str | None = Field(default=None, pattern=ALIAS_PATTERN)

    _title = field_validator("title")(_clean_title)


class ConversationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    object: Literal["conversation"] = "conversation"
    id: uuid.UUID
    title: str | None
    model: str | None
    archived: bool
    summary: str | None
    message_count: int
    created_at: datetime
    updated_at: datetime
    last_activity_at: datetime


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    object: Literal["conversation.message"] = "conversation.message"
    id: uuid.UUID
    conversation_id: uuid.UUID
    seq: int
    role: str
    content: str
    tool_calls: list[dict[str, Any]] | None
    tool_call_id: str | None
    token_count: int
    model: str | None
    deployment: str | None
    usage: dict[str, Any] | None
    status: str
    error: str | None
    created_at: datetime


class ConversationPage(BaseModel):
    object: Literal["list"] = "list"
    data: list[ConversationOut]
    has_more: bool
    next_cursor: str | None  # pass as ?cursor= for the next page


class MessagePage(BaseModel):
    object: Literal["list"] = "list"
    data: list[MessageOut]
    has_more: bool
    next_cursor: str | None
