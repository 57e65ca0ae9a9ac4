"""Guardrail action counts: the Prometheus counter and an in-process tally for the admin API.

Every action a guardrail takes (a block, a masked value, a logged finding, a regenerated answer)
is counted once per category it concerns, with the side (input/output) and the kind of endpoint.
Label values are clamped to fixed vocabularies, so the metric's cardinality stays bounded
whatever a rule or a client sends.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Literal

from llm_gateway.core.metrics import GatewayMetrics

Side = Literal["input", "output"]
EndpointKind = Literal["openai_chat", "anthropic_messages", "responses", "agent"]
CATEGORIES = frozenset(
    {
        "injection",
        "jailbreak",
        "prompt_extraction",
        "harmful_request",
        "pii",
        "secret",
        "system_prompt",
    }
)
ACTIONS = frozenset({"block", "mask", "hash", "log", "regenerate", "refuse", "withhold"})
Key = tuple[str, str, str, str]  # category, action, side, endpoint


class GuardrailStats:
    """Counts since this process started, mirrored into ``llmgw_guardrail_actions_total``."""

    def __init__(self) -> None:
        self.metrics: GatewayMetrics | None = None  # set by the lifespan when metrics are on
        self.started_at = time.time()
        self._counts: Counter[Key] = Counter()
        self.judge_counts: Counter[tuple[str, str]] = Counter()  # (category, outcome)

    def observe(
        self, categories: Iterable[str], action: str, side: Side, endpoint: EndpointKind
    ) -> None:
        """Count ``action`` once for each distinct category in ``categories``."""
        act = action if action in ACTIONS else "block"
        for category in dict.fromkeys(categories):
            cat = category if category in CATEGORIES else "other"
            self._counts[(cat, act, side, endpoint)] += 1
            if self.metrics is not None:
                self.metrics.observe_guardrail(cat, act, side, endpoint)

    def observe_judge(self, category: str, outcome: str) -> None:
        """One grey-zone judge question (``llmgw_guardrail_judge_total``)."""
        self.judge_counts[(category, outcome)] += 1
        if self.metrics is not None:
            self.metrics.observe_guardrail_judge(category, outcome)

    def snapshot(self) -> list[tuple[Key, int]]:
        """Every non-zero count, sorted by its labels."""
        return sorted(self._counts.items())


def agent_guard_observer(stats: GuardrailStats) -> Callable[[str, str, Sequence[str]], None]:
    """The agent's ``guard_observer``: (side, action, categories) counted as endpoint ``agent``."""

    def observe(side: str, action: str, categories: Sequence[str]) -> None:
        stats.observe(categories, action, "output" if side == "output" else "input", "agent")

    return observe
