"""A nesting-depth limit for JSON request bodies.

A body nested hundreds deep parses, then fails wherever it is re-encoded or walked recursively
(orjson refuses to encode past 254 levels) — for the upstream, far from the edge, where it used
to count as a deployment failure. The edge refuses it instead (400). A body whose bracket count is
under the limit cannot be that deep, so most requests skip the walk.
"""

from __future__ import annotations

from typing import Any

MAX_JSON_DEPTH = 64


def may_exceed_depth(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """False when ``raw`` has too few brackets to nest deeper than ``limit`` (one C scan each)."""
    return raw.count(b"[") + raw.count(b"{") > limit


def depth_exceeds(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """True if containers in ``value`` nest deeper than ``limit`` (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
