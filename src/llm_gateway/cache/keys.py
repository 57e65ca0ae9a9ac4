"""Cache keys: the canonical request hashed, and the tenant namespace it lives in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from llm_gateway.services.auth.principal import Principal

SHARED_NAMESPACE = "shared"
# Fields that never change the answer's content (transport, accounting, caching itself).
_IGNORED = frozenset(
    {"stream", "stream_options", "user", "metadata", "store", "service_tier", "cache"}
)


def tenant_namespace(principal: Principal | None, *, shared: bool) -> str:
    """``user:<id>`` (an API key counts as its owner), ``key:<id>``, ``master``, or shared.

    Shared only by an admin's explicit setting: the alias's ``shared: true`` (``shared``) or
    the API key's ``cache_shared`` flag (``PUT /admin/cache/api-keys/{id}``)."""
    if shared or (principal is not None and principal.cache_shared):
        return SHARED_NAMESPACE
    if principal is None:
        return "anonymous"
    if principal.user_id is not None:
        return f"user:{principal.user_id}"
    if principal.api_key_id is not None:
        return f"key:{principal.api_key_id}"
    return f"{principal.auth_method}"


def canonical_request(request: Mapping[str, Any]) -> bytes:
    """Every field that can change the output (alias, messages, system, tools, sampling...)."""
    kept = {k: v for k, v in request.items() if k not in _IGNORED and v is not None}
    return orjson.dumps(kept, option=orjson.OPT_SORT_KEYS)


def is_deterministic(request: Mapping[str, Any]) -> bool:
    """Temperature 0 (or top_p 0), a single choice, and no logprobs sampling."""
    n = request.get("n")
    if n is not None and n != 1:
        return False
    temperature = request.get("temperature")
    top_p = request.get("top_p")
    return temperature == 0 or top_p == 0
