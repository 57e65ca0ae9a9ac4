"""Health endpoint bodies."""

from __future__ import annotations

from pydantic import BaseModel


class LiveResponse(BaseModel):
    status: str = "ok"


class ReadyResponse(BaseModel):
    status: str = "ok"
    checks: dict[str, str]
    backends: dict[str, str]
