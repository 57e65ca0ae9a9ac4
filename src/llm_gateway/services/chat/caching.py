"""The response cache in front of /chat's agent: a hit replays the cached answer as events.

Wraps the ``ChatAgent`` a turn runs. The key is the whole conversation window the agent would
see (so only a repeated conversation hits exactly; semantic mode compares the last question
within the same earlier turns), with the requested model's cache settings (``auto``: the
``LLMGW_CACHE__AUTO_*`` ones). A hit streams the stored text as token events and ends with a
``DoneEvent`` whose metadata says ``cache`` and whose usage is the cached answer's tokens (all
prompt tokens as cached) at the alias's ``hit_price_fraction`` (zero by default); the turn then
stores, meters and frames it like any reply (tokens settle against limits only if the alias's
``hits_count_tokens`` says so). Answers that used tools or were touched
by a guardrail are never stored; the caller's guardrail policy decides what may be served
(``services.guardrails.cache_gate``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from llm_gateway.agent.completion import usage_object
from llm_gateway.agent.context import AgentOptions
from llm_gateway.agent.conversation import user_text
from llm_gateway.agent.events import AgentEvent, DoneEvent, ModelEvent, TokenEvent, Usage
from llm_gateway.cache.controls import NO_CONTROLS
from llm_gateway.cache.replay import PIECE_CHARS
from llm_gateway.providers.registry_schema import CacheSpec
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.chat.deps import ChatAgent
from llm_gateway.services.guardrails.cache_gate import cache_allowed, hit_allowed, hit_text
from llm_gateway.services.proxy.caching import auto_spec
from llm_gateway.services.quotas.metering import measure_cache_hit
from llm_gateway.state import AppState

CACHE_META = "cache"
# False when the alias says cache hits do not count toward token limits (usage still records them).
CACHE_SETTLES_TOKENS = "cache_settles_tokens"


class CachingChatAgent:
    """A ``ChatAgent`` that answers repeats from the response cache."""

    def __init__(self, inner: ChatAgent, state: AppState) -> None:
        self.inner = inner
        self.state = state

    def _spec(self, requested_model: str) -> CacheSpec | None:
        if requested_model == "auto":
            return auto_spec(self.state)
        info = self.state.models.find(requested_model)
        return None if info is None else info.cache

    def run(
        self,
        messages: Sequence[Mapping[str, Any]],
        principal: Principal,
        requested_model: str = "auto",
        options: AgentOptions | None = None,
    ) -> AsyncIterator[AgentEvent]:
        spec = self._spec(requested_model)
        if (
            spec is None
            or spec.mode == "off"
            or not cache_allowed(self.state, principal, user_text(messages), messages)
        ):
            return self.inner.run(messages, principal, requested_model, options)
        return self._cached(spec, messages, principal, requested_model, options)

    async def _cached(
        self,
        spec: CacheSpec,
        messages: Sequence[Mapping[str, Any]],
        principal: Principal,
        requested_model: str,
        options: AgentOptions | None,
    ) -> AsyncIterator[AgentEvent]:
        params = dict(options.params) if options is not None else {}
        request = {"model": requested_model, "messages": [dict(m) for m in messages], **params}
        cache = self.state.cache
        plan = cache.plan(
            spec, alias=requested_model, principal=principal, request=request, controls=NO_CONTROLS
        )
        hit = None if plan is None else await cache.lookup(plan)
        if hit is not None and hit_allowed(self.state, principal, hit, user_text(messages)):
            response = hit.response
            choice = (response.get("choices") or [{}])[0]
            text = hit_text(hit)
            model = str(response.get("model") or requested_model)
            yield ModelEvent(alias=model, tier="cache", reason=f"cache {hit.kind}")
            for start in range(0, len(text), PIECE_CHARS):
                yield TokenEvent(text[start : start + PIECE_CHARS])
            record, settle = measure_cache_hit(
                self.state, alias=model, usage=response.get("usage") or {}
            )
            yield DoneEvent(
                content=text,
                finish_reason=str(choice.get("finish_reason") or "stop"),
                usage=Usage(
                    prompt_tokens=record.prompt_tokens,
                    completion_tokens=record.completion_tokens,
                    cached_tokens=record.cached_tokens,
                    cost_usd=record.cost_usd,
                ),
                model=model,
                metadata={
                    CACHE_META: hit.kind,
                    "cache_key": hit.digest,
                    CACHE_SETTLES_TOKENS: settle.prompt_tokens + settle.completion_tokens > 0,
                },
            )
            return
        async for event in self.inner.run(messages, principal, requested_model, options):
            # Saved before the terminal event goes out: the turn stops reading after it.
            if (
                isinstance(event, DoneEvent)
                and plan is not None
                and not (event.tools_used or event.guardrail_actions)
            ):
                await cache.save(plan, _completion(event))
            yield event


def _completion(done: DoneEvent) -> dict[str, Any]:
    return {
        "id": "chatcmpl-chat",
        "object": "chat.completion",
        "model": done.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": done.content},
                "finish_reason": done.finish_reason,
            }
        ],
        "usage": usage_object(done.usage),
    }
