"""Bodies of the cache endpoints: flagging a wrong answer, flushing a namespace."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

_KEY = r"^[0-9a-f]{40}$"


class FlagRequest(BaseModel):
    """The ``x-gateway-cache-key`` of the answer that was wrong, and the model that served it."""

    model_config = ConfigDict(extra="forbid")
    model: str = Field(min_length=1, max_length=128)
    key: str = Field(pattern=_KEY)


class AdminFlagRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    namespace: str = Field(min_length=1, max_length=200)
    key: str = Field(pattern=_KEY)


class FlushRequest(BaseModel):
    """``user:<id>``, ``key:<id>``, ``master_key`` or ``shared`` (see ``x-gateway-cache`` docs)."""

    model_config = ConfigDict(extra="forbid")
    namespace: str = Field(min_length=1, max_length=200)


class FlagResponse(BaseModel):
    flagged: bool  # False: no such entry (expired, flushed, or already flagged)
