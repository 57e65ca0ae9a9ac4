"""Which cached answers a caller on the agent path may be served, under their guardrail policy.

The agent path looks the response cache up before it redacts or checks anything, and a hit skips
the agent (so its output check too). Two rules keep the caller's policy in force:

* a caller whose ``pii_input`` rewrites prompts (``mask``/``hash``) does not use the cache: their
  own answers are never stored (a guardrail touched them), so a hit could only be an answer
  computed for someone else's raw prompt, and a semantic lookup would show the raw prompt to the
  cache's judge model;
* a hit holding what the caller's ``leak_output`` would act on (a secret, PII) is not served:
  the answer was stored under the storing caller's policy, which may have let it through.
"""

from __future__ import annotations

from llm_gateway.cache import CacheHit
from llm_gateway.services.auth.principal import Principal
from llm_gateway.state import AppState


def cache_allowed(state: AppState, principal: Principal | None) -> bool:
    """False when the caller's agent-path policy rewrites prompts before any model sees them."""
    if not state.guardrails.input_enabled("agent"):
        return True
    return state.guard_policies.resolve(principal).pii_input not in ("mask", "hash")


def hit_allowed(state: AppState, principal: Principal | None, hit: CacheHit) -> bool:
    """False when the cached answer holds what the caller's output policy acts on."""
    engine = state.guardrails
    if not engine.output_enabled("agent"):
        return True
    guard = engine.for_policy(state.guard_policies.resolve(principal))
    return guard.check_output(hit_text(hit)).action == "allow"


def hit_text(hit: CacheHit) -> str:
    """The cached answer's text (a ``chat.completion``'s first choice)."""
    choice = (hit.response.get("choices") or [{}])[0]
    return str((choice.get("message") or {}).get("content") or "")
