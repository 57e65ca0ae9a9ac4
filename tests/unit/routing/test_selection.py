"""Deployment selection: weights, in-flight counts and latency steer the choice."""

from __future__ import annotations

import random
from collections import Counter

from llm_gateway.services.routing.selection import DeploymentStats, choose
from tests.unit.routing.fakes import alias


def test_weighted_follows_the_configured_weights() -> None:
    deployments = alias("m", [("heavy", 9.0), ("light", 1.0)]).deployments
    rng = random.Random(1)
    picks = Counter(choose("weighted", deployments, DeploymentStats(), rng).id for _ in range(2000))
    assert 0.85 < picks["m/heavy"] / 2000 < 0.95
    assert picks["m/light"] > 0


def test_least_busy_picks_the_deployment_with_fewest_calls_in_flight() -> None:
    deployments = alias("m", ["a", "b", "c"], routing="least_busy").deployments
    stats = DeploymentStats()
    for deployment_id in ("m/a", "m/a", "m/b", "m/c", "m/c"):
        stats.started(deployment_id)
    rng = random.Random(2)
    assert {choose("least_busy", deployments, stats, rng).id for _ in range(50)} == {"m/b"}
    stats.finished("m/a")
    stats.finished("m/a")
    assert {choose("least_busy", deployments, stats, rng).id for _ in range(50)} == {"m/a"}


def test_latency_tries_unmeasured_deployments_then_prefers_the_fastest() -> None:
    deployments = alias("m", ["fast", "slow", "new"], routing="latency").deployments
    stats = DeploymentStats()
    stats.observe_latency("m/fast", False, 0.05)
    stats.observe_latency("m/slow", False, 0.50)
    rng = random.Random(3)
    assert choose("latency", deployments, stats, rng).id == "m/new"
    stats.observe_latency("m/new", False, 0.30)
    assert {choose("latency", deployments, stats, rng).id for _ in range(50)} == {"m/fast"}


def test_latency_is_tracked_separately_for_streams() -> None:
    deployments = alias("m", ["a", "b"], routing="latency").deployments
    stats = DeploymentStats()
    stats.observe_latency("m/a", False, 0.01)
    stats.observe_latency("m/b", False, 1.0)
    stats.observe_latency("m/a", True, 1.0)
    stats.observe_latency("m/b", True, 0.01)
    rng = random.Random(4)
    assert choose("latency", deployments, stats, rng, stream=False).id == "m/a"
    assert choose("latency", deployments, stats, rng, stream=True).id == "m/b"


def test_latency_average_moves_towards_new_observations() -> None:
    stats = DeploymentStats()
    stats.observe_latency("m/a", False, 1.0)
    for _ in range(20):
        stats.observe_latency("m/a", False, 0.1)
    assert abs(stats.latency_s[("m/a", False)] - 0.1) < 0.01
