"""Model choice: complexity, the caller's tier, explicit aliases, context length, fallback."""

from __future__ import annotations

from typing import Any

import pytest
from langgraph.runtime import Runtime

from llm_gateway.agent.context import AgentContext, AgentOptions
from llm_gateway.agent.events import ModelEvent
from llm_gateway.agent.nodes.model_router import (
    choose_model,
    fallback_alias,
    model_router,
    next_alias,
    route_by_tier,
)
from llm_gateway.agent.state import AgentState, IntentRecord
from llm_gateway.core.config import AgentSettings
from llm_gateway.core.exceptions import InvalidRequestError, NotFoundError
from tests.unit.agent.fakes import FakeCatalog, FakeModel, make_context, make_deps, principal


def _state(complexity: str = "simple", text: str = "hi", **extra: Any) -> AgentState:
    intent = IntentRecord(
        label="general",
        complexity=complexity,
        language="en",
        confidence=1.0,
        reason="",
        source="rules",
    )
    state: AgentState = {"messages": [{"role": "user", "content": text}], "intent": intent}
    state.update(extra)  # type: ignore[typeddict-item]
    return state


@pytest.mark.parametrize(
    ("complexity", "tier", "alias"),
    [
        ("simple", "pro", "small"),
        ("complex", "pro", "large"),
        ("complex", "enterprise", "large"),
        ("complex", "free", "small"),  # free callers never reach the large model
        ("simple", "free", "small"),
    ],
)
def test_complexity_and_tier_pick_the_alias(complexity: str, tier: str, alias: str) -> None:
    ctx = make_context(make_deps(), tier=tier)
    choice = choose_model(_state(complexity), ctx)
    assert choice.alias == alias
    assert choice.tier == alias  # the fake catalog names aliases after their tier


def test_large_model_tiers_are_configuration() -> None:
    deps = make_deps(settings=AgentSettings(large_model_tiers=["free"]))
    assert choose_model(_state("complex"), make_context(deps, tier="free")).alias == "large"
    assert choose_model(_state("complex"), make_context(deps, tier="pro")).alias == "small"


def test_configured_aliases_override_registry_defaults() -> None:
    catalog = FakeCatalog()
    catalog.models["tiny"] = FakeModel("tiny", "small")
    deps = make_deps(catalog=catalog, settings=AgentSettings(small_model="tiny"))
    assert choose_model(_state(), make_context(deps)).alias == "tiny"


def test_explicit_alias_wins_over_complexity() -> None:
    ctx = make_context(make_deps(), model="large", tier="free")
    choice = choose_model(_state("simple"), ctx)
    assert (choice.alias, choice.reason) == ("large", "requested by the caller")


def test_unknown_explicit_alias_is_a_404() -> None:
    with pytest.raises(NotFoundError) as info:
        choose_model(_state(), make_context(make_deps(), model="nope"))
    assert info.value.code == "model_not_found"


def test_long_conversation_moves_to_the_larger_window() -> None:
    text = "word " * 40_000  # ~50k tokens: over the small model's 8k window
    choice = choose_model(_state("simple", text), make_context(make_deps(), tier="pro"))
    assert choice.alias == "large"
    assert "too long" in choice.reason


def test_conversation_longer_than_every_window_is_a_400() -> None:
    text = "word " * 40_000
    with pytest.raises(InvalidRequestError) as info:
        choose_model(_state("simple", text), make_context(make_deps(), tier="free"))
    assert info.value.code == "context_length_exceeded"


def test_korean_counts_as_more_tokens_than_its_length_in_bytes_suggests() -> None:
    # 9,000 Hangul syllables are ~9,000 tokens: too much for the 8k window.
    choice = choose_model(_state("simple", "가" * 9000), make_context(make_deps(), tier="pro"))
    assert choice.alias == "large"


def test_failed_alias_falls_back_to_the_other_tier() -> None:
    ctx = make_context(make_deps(), tier="pro")
    state = _state("simple", alias="small", failed_aliases=["small"])
    choice = choose_model(state, ctx)
    assert choice.alias == "large"
    assert choice.reason == "fallback after small failed"
    assert fallback_alias("large", ["small"], ctx) is None  # both failed: nothing left


def test_no_fallback_to_large_for_a_tier_without_it() -> None:
    ctx = make_context(make_deps(), tier="free")
    assert fallback_alias("small", ["small"], ctx) is None
    assert fallback_alias("large", ["large"], ctx) == "small"


def test_no_fallback_for_explicit_alias_or_when_disabled() -> None:
    assert fallback_alias("small", ["small"], make_context(make_deps(), model="small")) is None
    deps = make_deps(settings=AgentSettings(fallback_other_tier=False))
    assert fallback_alias("small", ["small"], make_context(deps)) is None


def test_a_failed_alias_is_never_chosen_again_for_a_long_conversation() -> None:
    ctx = make_context(make_deps(), tier="pro")
    long = _state("simple", "word " * 10_000, alias="large")  # fits only the large window
    assert choose_model(long, ctx).alias == "large"
    # Once large failed, small cannot hold it: no alias is left, rather than large once more.
    assert next_alias(long, ["large"], ctx) is None
    with pytest.raises(InvalidRequestError):
        choose_model({**long, "failed_aliases": ["large"]}, ctx)
    # A short conversation still falls back from large to small.
    assert next_alias(_state("complex", alias="large"), ["large"], ctx) == "small"


def test_a_quota_without_large_models_keeps_every_route_on_the_small_model() -> None:
    options = AgentOptions(large_models=False)
    ctx = AgentContext(make_deps(), principal("enterprise"), options=options)
    assert choose_model(_state("complex"), ctx).alias == "small"
    assert fallback_alias("small", ["small"], ctx) is None
    with pytest.raises(InvalidRequestError):  # no upgrade to the large window either
        choose_model(_state("simple", "word " * 10_000), ctx)


async def test_node_announces_the_model_once() -> None:
    events: list[Any] = []
    ctx = make_context(make_deps(), tier="pro")
    runtime = Runtime(context=ctx, stream_writer=events.append)
    update = await model_router(_state("complex"), runtime)
    assert (update["alias"], update["tier"]) == ("large", "large")
    assert events == [ModelEvent(alias="large", tier="large", reason="complex request")]
    # After a tool round the choice is the same: no second announcement.
    await model_router({**_state("complex"), "alias": "large"}, runtime)
    assert len(events) == 1
    assert await route_by_tier({"tier": "large"}) == "large_llm"
    assert await route_by_tier({"tier": "small"}) == "small_llm"


def test_the_quota_gate_keeps_a_restricted_caller_on_the_small_model() -> None:
    """/chat and /v1 'auto' both get this from the agent: the quota layer is asked first."""
    from dataclasses import replace

    from llm_gateway.core.exceptions import PermissionDeniedError
    from llm_gateway.services.auth.principal import Principal

    asked: list[str] = []

    def gate(who: Principal, alias: str, model_tier: str | None) -> None:
        asked.append(alias)
        if who.tier == "pro":
            raise PermissionDeniedError(f"tier '{who.tier}' may not use '{alias}'")

    deps = replace(make_deps(), model_gate=gate)
    assert choose_model(_state("complex"), make_context(deps, tier="pro")).alias == "small"
    assert choose_model(_state("complex"), make_context(deps, tier="enterprise")).alias == "large"
    assert asked == ["large", "large"]
