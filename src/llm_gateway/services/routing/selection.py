"""Pick one deployment among the healthy ones: weighted random, least busy, or lowest latency.

Load and latency figures are per process (in-flight counts and an EWMA of latency); they steer
traffic without a store round trip on the hot path. Only health (cooldowns) is shared.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from llm_gateway.providers.base import Deployment
from llm_gateway.providers.registry_schema import RoutingStrategy

EWMA_ALPHA = 0.3
# Deployments within this factor of the fastest share the traffic, so a slightly slower one keeps
# being measured instead of starving on a stale figure.
LATENCY_TOLERANCE = 1.2


class DeploymentStats:
    """In-flight counts and latency averages for this process's calls."""

    __slots__ = ("in_flight", "latency_s")

    def __init__(self) -> None:
        self.in_flight: dict[str, int] = {}
        self.latency_s: dict[tuple[str, bool], float] = {}  # (deployment, stream) -> EWMA

    def started(self, deployment_id: str) -> None:
        self.in_flight[deployment_id] = self.in_flight.get(deployment_id, 0) + 1

    def finished(self, deployment_id: str) -> None:
        left = self.in_flight.get(deployment_id, 1) - 1
        if left > 0:
            self.in_flight[deployment_id] = left
        else:
            self.in_flight.pop(deployment_id, None)

    def observe_latency(self, deployment_id: str, stream: bool, seconds: float) -> None:
        key = (deployment_id, stream)
        previous = self.latency_s.get(key)
        self.latency_s[key] = (
            seconds if previous is None else previous + EWMA_ALPHA * (seconds - previous)
        )


def _weighted(candidates: Sequence[Deployment], rng: random.Random) -> Deployment:
    if len(candidates) == 1:
        return candidates[0]
    weights = [max(d.weight, 0.0) for d in candidates]
    if not any(weights):
        return rng.choice(candidates)
    return rng.choices(candidates, weights=weights)[0]


def choose(
    strategy: RoutingStrategy,
    candidates: Sequence[Deployment],
    stats: DeploymentStats,
    rng: random.Random,
    *,
    stream: bool = False,
) -> Deployment:
    """One deployment out of ``candidates`` (non-empty) by ``strategy``."""
    if len(candidates) == 1:
        return candidates[0]
    if strategy == "least_busy":
        counts = [stats.in_flight.get(d.id, 0) for d in candidates]
        fewest = min(counts)
        idle = [d for d, n in zip(candidates, counts, strict=True) if n == fewest]
        return _weighted(idle, rng)
    if strategy == "latency":
        measured = [stats.latency_s.get((d.id, stream)) for d in candidates]
        unmeasured = [d for d, s in zip(candidates, measured, strict=True) if s is None]
        if unmeasured:  # try unknown deployments first: they may be the fastest
            return _weighted(unmeasured, rng)
        best = min(s for s in measured if s is not None)
        close = [
            d
            for d, s in zip(candidates, measured, strict=True)
            if s is not None and s <= best * LATENCY_TOLERANCE
        ]
        return _weighted(close, rng)
    return _weighted(candidates, rng)
