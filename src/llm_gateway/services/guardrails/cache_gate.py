"""Which cached answers a caller on the agent path may be served, under their guardrail policy.

The agent path looks the response cache up before it redacts or checks anything, and a hit skips
the agent (its input and output checks too), while an answer is stored under the policy of the
caller who got it first. So, for the caller at hand:

* a caller whose ``pii_input`` rewrites prompts (``mask``/``hash``) does not use the cache: a hit
  could only be an answer computed for a raw prompt, and a semantic lookup would show the raw
  prompt to the cache's judge model; under ``block``, neither does a prompt holding personal data
  in a user turn or a tool result (it is refused by the agent, and the judge must not see it
  first);
* a caller whose ``tool_results`` screen is on does not use the cache for a request that carries
  tool results: the key holds them as sent, so a hit could be an answer computed while the model
  read a result this caller's policy withholds or refuses;
* a hit is not served when the caller's policy blocks the prompt on the fast input check (rules,
  classifier; the e5 stages are not run for a hit) or when the answer holds what the caller's
  ``leak_output`` acts on (a secret, PII): it is a miss, answered afresh by the agent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from llm_gateway.agent.conversation import TOOL_ROLES, tool_text
from llm_gateway.cache import CacheHit
from llm_gateway.services.auth.principal import Principal
from llm_gateway.state import AppState


def cache_allowed(
    state: AppState,
    principal: Principal | None,
    prompt: str,
    messages: Iterable[Mapping[str, Any]] = (),
) -> bool:
    """False when the caller's policy rewrites ``prompt`` (or refuses personal data in it or in
    the tool results ``messages`` carry) before any model sees it, or screens those results."""
    engine = state.guardrails
    if not engine.input_enabled("agent"):
        return True
    policy = state.guard_policies.resolve(principal)
    if policy.tool_results != "off" and _has_tool_results(messages):
        return False
    action = policy.pii_input
    if action in ("mask", "hash"):
        return False
    if action != "block":
        return True
    # Personal data in a tool result the client sent back is refused too (``agent/runner.py``):
    # a hit must not answer what the agent would refuse with a 400.
    return not engine.leak_findings(prompt) and not engine.leak_findings(tool_text(messages))


def _has_tool_results(messages: Iterable[Mapping[str, Any]]) -> bool:
    """Whether a conversation carries tool results (``tool`` or legacy ``function`` messages)."""
    return any(isinstance(m, Mapping) and m.get("role") in TOOL_ROLES for m in messages)


def hit_allowed(state: AppState, principal: Principal | None, hit: CacheHit, prompt: str) -> bool:
    """False when the caller's policy blocks ``prompt`` or acts on what the cached answer holds."""
    engine = state.guardrails
    policy = state.guard_policies.resolve(principal)
    if engine.input_enabled("agent") and engine.check_input(prompt, policy).action == "block":
        return False
    if not engine.output_enabled("agent"):
        return True
    return engine.for_policy(policy).check_output(hit_text(hit)).action == "allow"


def hit_text(hit: CacheHit) -> str:
    """The cached answer's text (a ``chat.completion``'s first choice)."""
    choice = (hit.response.get("choices") or [{}])[0]
    return str((choice.get("message") or {}).get("content") or "")
