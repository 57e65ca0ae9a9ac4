"""The e5 second stages of ``GuardrailEngine.check_input``: harmful requests, then attacks.

Both score one embedding of the prompt (``HarmStage.embed``), so the attack heads add a few
matrix products to the harm stage's ~20 ms (and a second embedding only for a long prompt whose
attack head scores its tail too). Each runs for the categories the policy acts on; the attack
heads unless the policy's ``attack_stage`` (unset: the gateway's setting, on by default)
switches them off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llm_gateway.core.config import GuardrailPolicy
from llm_gateway.guardrails.policy import input_action
from llm_gateway.guardrails.types import Finding

if TYPE_CHECKING:
    from llm_gateway.guardrails.engine import GuardrailEngine

ATTACK_CATEGORIES = ("injection", "prompt_extraction")


def e5_findings(
    engine: GuardrailEngine, text: str, policy: GuardrailPolicy, scores: dict[str, float]
) -> list[Finding]:
    """The e5 stages' findings, for the categories ``policy`` acts on; their probabilities go
    into ``scores`` (``harmful_request_e5``, ``injection_e5``, ``prompt_extraction_e5``)."""
    harm = input_action(policy, "harmful_request") != "off"
    wanted = engine.settings.attack_stage if policy.attack_stage is None else policy.attack_stage
    attack = wanted and any(input_action(policy, c) != "off" for c in ATTACK_CATEGORIES)
    if not (harm or attack):
        return []
    stage = engine.harm_stage
    vector = stage.embed(text)
    found: list[Finding] = []
    if harm:  # no classifier (no n-gram score): e5's threshold alone
        ngram = scores.get("harmful_request", 1.0)
        scores["harmful_request_e5"], harmful = stage.findings(text, ngram, vector)
        found += harmful
    if attack:
        probs, attacks = engine.attack_stage.findings(text, vector, stage.embed, scores)
        scores.update({f"{c}_e5": p for c, p in probs.items()})
        found += [f for f in attacks if input_action(policy, f.category) != "off"]
    return found
