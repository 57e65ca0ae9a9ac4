"""A finished run in OpenAI's shapes: the ``chat.completion`` object and its ``usage``.

Kept apart from the graph's nodes (which import LangGraph) so the HTTP edges and the response
cache can shape answers without loading the graph.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from llm_gateway.agent.events import Usage


def completion_object(
    content: str, finish_reason: str, model: str, usage: Usage, metadata: dict[str, Any]
) -> dict[str, Any]:
    """An OpenAI ``chat.completion`` object with the extra ``gateway`` field."""
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
                "logprobs": None,
            }
        ],
        "usage": usage_object(usage),
        "gateway": metadata,
    }


def usage_object(usage: Usage) -> dict[str, Any]:
    """OpenAI's ``usage`` object for ``usage`` (cache writes as the canonical usage has them)."""
    details: dict[str, int] = {"cached_tokens": usage.cached_tokens}
    if usage.cache_write_tokens:
        details["cache_write_tokens"] = usage.cache_write_tokens
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
        "prompt_tokens_details": details,
    }
