"""What the router records about one call: every attempt, and who finally served it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Outcome = Literal["ok", "error", "timeout", "cancelled"]


@dataclass(slots=True)
class Attempt:
    """One try against one deployment."""

    deployment: str
    alias: str
    outcome: Outcome
    error_code: str | None = None
    upstream_status: int | None = None
    latency_ms: float = 0.0  # to the whole answer, or to the first chunk for streams


@dataclass(slots=True)
class RouteTrace:
    """Filled in by the router during a call; callers read it afterwards (headers, usage, logs).

    ``alias`` is the alias that finally served the call (a fallback's, if one was used) and
    ``deployment`` the deployment id; both stay None when every attempt failed.
    """

    attempts: list[Attempt] = field(default_factory=list)
    # Set by the caller: may this caller be served by (alias, model tier)? Fallbacks it may not
    # use are skipped, so a cooldown never serves (and bills) a model the caller cannot ask for.
    permits: Callable[[str, str | None], bool] | None = None
    deadline: float | None = None  # loop time after which no attempt starts or continues
    alias: str | None = None
    deployment: str | None = None
    provider: str | None = None
    upstream_model: str | None = None
