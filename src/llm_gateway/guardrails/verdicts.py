"""Input verdicts from findings, and the LLM judge's answers folded into a verdict.

The engine collects findings (exact rules, classifier, e5 stage, PII); ``input_verdict`` turns the
flagged ones into an action under a policy. ``judged_verdict`` redoes that after the grey-zone
judge has answered for some categories: the trained layers' findings of a category judged harmless
are dropped, a category judged harmful gets a ``judge.<category>`` finding. Exact-rule findings are
never overruled (the judge is not asked about a category they flagged).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from llm_gateway.core.config import GuardrailPolicy
from llm_gateway.guardrails.policy import input_action
from llm_gateway.guardrails.types import Category, Finding, InputAction, Verdict

# Findings of the trained layers, which the LLM judge may overrule.
MODEL_RULE_PREFIXES = ("classifier.", "harm_stage.", "attack_stage.", "judge.")


def judge_category(category: str) -> str:
    """The judge's (and the policy's) name for a finding category: jailbreak is injection."""
    return "injection" if category == "jailbreak" else category


def input_verdict(
    found: Sequence[Finding],
    flagged: Sequence[Finding],
    score: float,
    scores: Mapping[str, float],
    policy: GuardrailPolicy,
) -> Verdict:
    """The input verdict: ``flagged`` findings acted on per category as ``policy`` says."""
    actions = {f.category: input_action(policy, f.category) for f in flagged}
    action: InputAction = "block" if "block" in actions.values() else "allow"
    return Verdict(
        stage="input",
        action=action,
        findings=tuple(f for f in found if input_action(policy, f.category) != "off"),
        score=score,
        scores=tuple(scores.items()),
        logged=tuple(c for c, a in actions.items() if a == "log"),
        blocked=tuple(c for c, a in actions.items() if a == "block"),
    )


def rule_flagged(verdict: Verdict, block_score: float) -> set[str]:
    """Categories (judge names) that exact rules or PII flagged: not the judge's to decide."""
    strong = verdict.score >= block_score
    return {
        judge_category(f.category)
        for f in verdict.findings
        if not f.rule_id.startswith(MODEL_RULE_PREFIXES)
        and (strong or f.category in ("pii", "secret"))
    }


def judged_verdict(
    verdict: Verdict, policy: GuardrailPolicy, judged: Mapping[str, bool], block_score: float
) -> Verdict:
    """``verdict`` with the judge's answers (category -> harmful) replacing the models'."""
    if not judged:
        return verdict
    strong = verdict.score >= block_score
    found: list[Finding] = []
    flagged: list[Finding] = []
    for finding in verdict.findings:
        model_made = finding.rule_id.startswith(MODEL_RULE_PREFIXES)
        if model_made and judged.get(judge_category(finding.category)) is False:
            continue
        found.append(finding)
        if model_made or strong or finding.category in ("pii", "secret"):
            flagged.append(finding)
    for category, harmful in judged.items():
        if harmful:
            cat: Category = category  # type: ignore[assignment]
            finding = Finding(
                rule_id=f"judge.{category}", category=cat, span=(0, 0), label=category.upper()
            )
            found.append(finding)
            flagged.append(finding)
    return input_verdict(found, flagged, verdict.score, dict(verdict.scores), policy)
