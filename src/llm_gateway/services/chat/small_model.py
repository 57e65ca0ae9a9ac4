"""One-shot calls to the small model for titles and summaries (never on a reply's critical path)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from llm_gateway.core.exceptions import UpstreamError

ChatCall = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class SmallModel:
    """``complete(system, prompt, max_tokens)`` against one alias through the gateway's router."""

    def __init__(self, call: ChatCall, alias: str) -> None:
        self._call = call
        self.alias = alias

    async def complete(self, system: str, prompt: str, max_tokens: int) -> str:
        """The reply's text.

        Raises:
            GatewayError: the router's errors, or ``UpstreamError`` for a reply without text.
        """
        response = await self._call(
            {
                "model": self.alias,
                "messages": [
                    {"role": "system", "content": system},
                    {"role": "user", "content": prompt},
                ],
                "max_tokens": max_tokens,
                "temperature": 0.2,
                "stream": False,
            }
        )
        try:
            content = response["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise UpstreamError("The small model's reply has no message") from None
        if not isinstance(content, str):
            raise UpstreamError("The small model's reply has no text")
        return content
