"""The grey-zone judge: the gateway's small model asked whether two prompts ask the same thing.

Off unless ``LLMGW_CACHE__JUDGE_ALIAS`` names an alias. Asked only about a candidate the
verifier scored just under its threshold (within ``judge_band``) and that no veto refused (a
changed number, negation or role is never overruled). Bounded: at most ``judge_per_minute``
calls per process (a fixed one-minute window), each cut off after ``judge_timeout_s``; over the
budget, on a timeout, an upstream error or a reply that is neither yes nor no, the verifier's
decision stands (a miss). The call goes through the router (``call``: the app's wiring), so the
alias's deployments, retries and cooldowns apply; it is not cached and not billed to the caller.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from llm_gateway.core.logging import get_logger

ChatCall = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
_log = get_logger("llm_gateway.cache.judge")

SYSTEM = (
    "You check a response cache. Two requests to an assistant are shown. Answer YES if one "
    "answer would serve both equally well (same meaning, only worded differently), NO if they "
    "ask for different things (another number, place, time, person, direction, negation or "
    "kind of question). Reply with one word: YES or NO."
)
_VERDICT = re.compile(r"^\W*(yes|no|예|네|아니요|아니오)\b", re.IGNORECASE)


class CacheJudge:
    """``same(cached, asked)``: True / False from the model, None when it could not say."""

    def __init__(
        self, call: ChatCall, alias: str, *, per_minute: int = 60, timeout_s: float = 2.0
    ) -> None:
        self._call = call
        self.alias = alias
        self.per_minute = per_minute
        self.timeout_s = timeout_s
        self._window_start = float("-inf")
        self._used = 0

    def _take(self) -> bool:
        """One call from this minute's budget (False: spent; the caller falls back)."""
        now = time.monotonic()
        if now - self._window_start >= 60.0:
            self._window_start, self._used = now, 0
        if self._used >= self.per_minute:
            return False
        self._used += 1
        return True

    async def same(self, cached: str, asked: str) -> bool | None:
        if not self._take():
            return None
        request = {
            "model": self.alias,
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": f"Request 1: {cached}\nRequest 2: {asked}"},
            ],
            "max_tokens": 3,
            "temperature": 0,
            "stream": False,
        }
        try:
            response = await asyncio.wait_for(self._call(request), self.timeout_s)
            text = str(response["choices"][0]["message"]["content"] or "")
        except Exception as exc:  # any failure: the verifier's decision stands
            _log.info("cache judge unavailable", alias=self.alias, error=type(exc).__name__)
            return None
        return parse_verdict(text)


def parse_verdict(text: str) -> bool | None:
    """YES → True, NO → False (English or Korean), anything else → None."""
    m = _VERDICT.match(text.strip())
    if m is None:
        return None
    return m.group(1).lower() in ("yes", "예", "네")
