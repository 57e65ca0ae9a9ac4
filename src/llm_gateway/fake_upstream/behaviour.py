"""Fake-upstream knobs (timing, random errors) and scripted faults, global or per model.

A script is a queue of behaviours per model name (``"*"`` matches any model without its own):
each request takes the head, which repeats ``times`` times; an empty queue means ``ok``.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

FaultKind = Literal["ok", "status", "hang", "disconnect", "malformed", "non_json", "stream_error"]
FAULT_KINDS: frozenset[str] = frozenset(FaultKind.__args__)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Knobs:
    """Timing and random-failure settings."""

    latency_s: float = 0.0  # before the response head
    ttft_s: float = 0.0  # before the first streamed chunk (added to latency when not streaming)
    inter_token_s: float = 0.0  # between streamed chunks
    error_rate: float = 0.0  # probability a request fails with ``error_status``
    error_status: int = 500
    retry_after_s: float | None = None  # sent with 429/503 answers
    cached_tokens: int = 0  # prompt tokens reported as served from cache
    cache_write_tokens: int = 0  # prompt tokens reported as written to the cache (Anthropic)
    reply_words: int | None = None  # fixed-length replies (benchmarks)
    embedding_dimensions: int = 16

    def merged(self, overrides: Mapping[str, Any]) -> Knobs:
        return dataclasses.replace(self, **overrides) if overrides else self


KNOB_NAMES = frozenset(f.name for f in dataclasses.fields(Knobs))


@dataclass(frozen=True, slots=True)
class Behaviour:
    """One scripted answer.

    ``status``: an HTTP error in the protocol's format (``retry_after_s`` → ``Retry-After``).
    ``hang``: wait ``seconds`` (before the head, or after ``after_chunks`` chunks when set).
    ``disconnect``: drop the connection (before the head, or after ``after_chunks`` chunks).
    ``malformed``: a truncated JSON body, or a garbage chunk after ``after_chunks`` chunks.
    ``non_json``: a 200 with an HTML body. ``stream_error``: the protocol's in-stream error event.
    """

    kind: FaultKind = "ok"
    status: int = 500
    message: str | None = None
    retry_after_s: float | None = None
    seconds: float = 3600.0
    after_chunks: int | None = None
    times: int = 1


def parse_behaviour(data: Mapping[str, Any]) -> Behaviour:
    """A ``Behaviour`` from JSON, accepting ``{"status": 429}`` as shorthand for a status fault."""
    values = dict(data)
    if "kind" not in values and "status" in values:
        values["kind"] = "status"
    unknown = set(values) - {f.name for f in dataclasses.fields(Behaviour)}
    if unknown:
        raise ValueError(f"unknown behaviour fields: {sorted(unknown)}")
    if values.get("kind", "ok") not in FAULT_KINDS:
        raise ValueError(f"kind must be one of {sorted(FAULT_KINDS)}")
    if int(values.get("times", 1)) < 1:
        raise ValueError("times must be at least 1")
    return Behaviour(**values)


def check_knobs(data: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(data) - KNOB_NAMES
    if unknown:
        raise ValueError(f"unknown knobs: {sorted(unknown)}")
    return dict(data)


@dataclass(slots=True)
class _Entry:
    behaviour: Behaviour
    left: int


@dataclass(slots=True)
class Script:
    """Per-model behaviour queues and knob overrides (mutated only through the server's API)."""

    queues: dict[str, deque[_Entry]] = field(default_factory=dict)
    knobs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, model: str, behaviours: Iterable[Behaviour]) -> None:
        queue = self.queues.setdefault(model, deque())
        queue.extend(_Entry(b, b.times) for b in behaviours)

    def next(self, model: str) -> Behaviour:
        queue = self.queues.get(model) if model in self.queues else self.queues.get("*")
        if not queue:
            return Behaviour()
        entry = queue[0]
        entry.left -= 1
        if entry.left <= 0:
            queue.popleft()
        return entry.behaviour

    def knobs_for(self, model: str) -> Mapping[str, Any]:
        return self.knobs.get(model) or self.knobs.get("*") or {}

    def clear(self) -> None:
        self.queues.clear()
        self.knobs.clear()
