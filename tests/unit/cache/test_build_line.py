"""The line of namespaces waiting for a build slot: order, bounds per tenant and in all, age."""

from __future__ import annotations

from llm_gateway.cache.semantic.build_line import BuildLine, tenant_of


def drain(line: BuildLine, now: float) -> list[str]:
    out = []
    while (waiter := line.pop(now)) is not None:
        out.append(waiter[0])
    return out


def test_first_asked_first_out_and_a_repeat_keeps_its_place() -> None:
    line = BuildLine()
    for context in ("a|1", "b|1", "a|2", "b|1"):
        line.add(context, 0.0)
    assert len(line) == 3
    assert drain(line, 0.0) == ["a|1", "b|1", "a|2"]


def test_a_tenant_at_its_cap_makes_room_from_its_own_oldest() -> None:
    line = BuildLine(per_tenant=2)
    for context in ("busy|1", "rare|x", "busy|2", "busy|3"):
        line.add(context, 0.0)
    assert drain(line, 0.0) == ["rare|x", "busy|2", "busy|3"]


def test_a_full_line_refuses_newcomers() -> None:
    line = BuildLine(max_waiting=2)
    for context in ("a|1", "b|1", "c|1"):
        line.add(context, 0.0)
    assert "c|1" not in line
    assert drain(line, 0.0) == ["a|1", "b|1"]


def test_waiters_not_asked_for_lately_are_let_go() -> None:
    line = BuildLine(max_age_s=60.0)
    line.add("a|old", 0.0)
    line.add("b|old", 0.0)
    line.add("c|new", 50.0)
    line.add("b|old", 45.0)  # asked again: renewed, same place
    assert drain(line, 100.0) == ["b|old", "c|new"]
    assert len(line) == 0


def test_a_flushed_tenant_leaves_and_the_counts_follow() -> None:
    line = BuildLine(per_tenant=2)
    for context in ("t|1", "u|1", "t|2"):
        line.add(context, 0.0)
    line.drop_tenant("t")
    line.drop_tenant("nobody")
    assert drain(line, 0.0) == ["u|1"]
    for context in ("t|3", "t|4"):  # t's count was given back
        line.add(context, 0.0)
    assert drain(line, 0.0) == ["t|3", "t|4"]


def test_the_tenant_is_everything_before_the_context_digest() -> None:
    assert tenant_of("key:abc|shared:x|0f3a") == "key:abc|shared:x"
