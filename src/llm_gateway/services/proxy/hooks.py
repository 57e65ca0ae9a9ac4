"""Hook points for quota and usage accounting around each proxied call (the quotas work fills them).

Both run for ``/v1/chat/completions``, ``/v1/messages`` and ``/v1/embeddings``:

* ``before_upstream`` runs once per request after authentication, validation and model lookup,
  before the router's first upstream attempt. Reserve tokens or budget here; raise
  ``RateLimitError`` (or any ``GatewayError``) to refuse the request: it becomes a proper 429 (or
  whatever status it carries) in the caller's API format, with ``ctx.response_headers`` and the
  error's own headers (``Retry-After``) attached. Headers set on ``ctx.response_headers`` here
  (``x-ratelimit-*``) go out on the success response too.
* ``finalize`` runs exactly once per request on every outcome (success, client error, upstream
  failure, client disconnect, cancellation), after the response was sent (so it adds no
  latency), even if ``before_upstream`` never ran. Settle reservations and record usage here;
  ``ctx`` then holds usage (``ctx.usage``, ``ctx.prompt_tokens``, ``ctx.cached_tokens``...), the
  alias and deployment that served the call, every attempt, the status and error code, timings
  and ``ctx.client_disconnected``. Exceptions raised here are logged and swallowed.
"""

from __future__ import annotations

from typing import Any

from llm_gateway.services.proxy.context import CallContext
from llm_gateway.services.quotas import proxy_hooks
from llm_gateway.state import AppState


async def before_upstream(state: AppState, ctx: CallContext, request: dict[str, Any]) -> None:
    """Reserve quota for ``request`` (canonical shape) or raise ``RateLimitError``."""
    await proxy_hooks.before_proxy_call(state, ctx, request)


async def finalize(state: AppState, ctx: CallContext) -> None:
    """Settle the reservation and record usage for ``ctx``."""
    await proxy_hooks.after_proxy_call(state, ctx)
