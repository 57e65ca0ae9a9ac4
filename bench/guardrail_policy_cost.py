"""CPU cost of applying guardrail policies on the proxy path, piece by piece, in process.

* the gate a request pays when no caller can have proxy checks (the shipped default);
* resolving a caller's policy without overrides, and with a per-key override (cache hit);
* the input check of a short prompt: exact rules only, and rules plus the classifier;
* the output guard over a streamed 1,000-character answer in 20-character chunks.

Each figure is the median of ``--runs`` runs of ``--n`` calls, ``time.process_time`` per call.

    .venv/bin/python bench/guardrail_policy_cost.py [--n 20000] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable

from llm_gateway.core.config import GuardrailPolicy, GuardrailSettings
from llm_gateway.guardrails.engine import GuardrailEngine
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.guardrails.policies import PolicyResolver
from llm_gateway.services.quotas.limits import Limits, OverrideCache, key_subject

PROMPT = "Summarise the attached meeting notes in three bullet points, please."
ANSWER = ("The meeting agreed on the Q3 roadmap and the hiring plan. " * 18)[:1000]


def _per_call(fn: Callable[[], object], n: int, runs: int) -> float:
    """Median CPU microseconds per call."""
    samples = []
    for _ in range(runs):
        start = time.process_time()
        for _ in range(n):
            fn()
        samples.append((time.process_time() - start) / n * 1e6)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    n, runs = args.n, args.runs
    key_id, user_id = uuid.uuid4(), uuid.uuid4()
    principal = Principal("api_key", "user", "free", user_id=user_id, api_key_id=key_id)

    shipped = PolicyResolver(GuardrailSettings(), OverrideCache())
    overrides = OverrideCache()
    overrides.apply(key_subject(key_id), Limits(guardrails=(("proxy", True),)))
    with_key = PolicyResolver(GuardrailSettings(), overrides)
    engine = GuardrailEngine(GuardrailSettings())
    rules_only = GuardrailPolicy(classifier=False)
    classified = GuardrailPolicy()
    chunks = [ANSWER[i : i + 20] for i in range(0, len(ANSWER), 20)]

    def stream() -> None:
        guard = engine.leak_guard(classified)
        assert guard is not None
        for chunk in chunks:
            guard.feed(chunk)
        guard.finish()

    rows = [
        ("gate, no caller has proxy checks", _per_call(lambda: shipped.proxy_possible, n, runs)),
        ("resolve, no overrides", _per_call(lambda: shipped.resolve(principal), n, runs)),
        ("resolve, per-key override", _per_call(lambda: with_key.resolve(principal), n, runs)),
        (
            "check_input, rules only",
            _per_call(lambda: engine.check_input(PROMPT, rules_only), n // 10, runs),
        ),
        (
            "check_input, rules + classifier",
            _per_call(lambda: engine.check_input(PROMPT, classified), n // 10, runs),
        ),
        ("output guard, 1,000-char stream", _per_call(stream, n // 50, runs)),
    ]
    print(f"{'step':<36} {'CPU µs/call':>12}")
    for name, micros in rows:
        print(f"{name:<36} {micros:>12.3f}")


if __name__ == "__main__":
    main()
