"""Per-deployment ``rpm``/``tpm`` caps, counted per minute across instances through the store.

Windows are fixed minutes on the store's clock (Redis ``TIME``), so every instance agrees on when a
window starts and ends. Admission is one atomic store script per selection: it is handed the
deployments in the order the routing strategy would pick them and reserves one request plus the
call's estimated tokens on the first that has room; the ones before it are at their cap until the
window ends, which is also the ``Retry-After`` the caller gets when every deployment is full.
Deployments without caps never reach the store: the router only asks when its pick is capped.

Token accounting reserves on admission and is not reconciled afterwards. The reservation is the
prompt counted with ``services.tokens`` (the tokenizer, paid only for capped deployments) plus the
requested ``max_completion_tokens``/``max_tokens``, or the alias's output cap when the request
sets none. That over-counts calls that stop early, so a ``tpm`` cap is never exceeded by what the
gateway sends, at the price of some headroom left unused; callers that set ``max_tokens`` get
accurate counting. Every attempt counts (a retry is a real request upstream). A request larger
than a deployment's whole ``tpm`` is admitted only into an empty window, so it is slowed rather
than refused forever. If the store is unreachable, admission fails open, like the cooldowns.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from llm_gateway.core.logging import get_logger
from llm_gateway.core.store import MemoryData, Store, StoreScript, StoreUnavailableError
from llm_gateway.core.store.base import ScriptArg
from llm_gateway.providers.base import Deployment
from llm_gateway.providers.registry_schema import RoutingStrategy
from llm_gateway.services import tokens
from llm_gateway.services.routing.selection import DeploymentStats, choose

_log = get_logger("llm_gateway.routing")

WINDOW_MS = 60_000
CAPACITY_KEY = "router:cap:"  # + deployment id: hash {w: window start ms, r: requests, t: tokens}
DEFAULT_OUTPUT_TOKENS = 4096  # reserved when neither the request nor the alias caps the output


def _reserve_py(data: MemoryData, keys: Sequence[str], args: Sequence[ScriptArg]) -> list[int]:
    window, est = int(args[0]), int(args[1])
    now = int(data.now() * 1000)
    start = now - now % window
    left = start + window - now
    for i, key in enumerate(keys):
        rpm, tpm = int(args[2 + 2 * i]), int(args[3 + 2 * i])
        current = data.get(key) or {}
        used_r = used_t = 0
        if int(current.get(b"w", b"-1")) == start:
            used_r, used_t = int(current.get(b"r", b"0")), int(current.get(b"t", b"0"))
        if (rpm < 0 or used_r < rpm) and (tpm < 0 or used_t + est <= tpm or used_t == 0):
            counts = data.hash(key)
            counts[b"w"] = str(start).encode()
            counts[b"r"] = str(used_r + 1).encode()
            counts[b"t"] = str(used_t + est).encode()
            data.expire(key, (left + 1000) / 1000)
            return [i + 1, left]
    return [0, left]


RESERVE_CAPACITY = StoreScript(
    name="router_reserve_capacity",
    lua="""
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window, est = tonumber(ARGV[1]), tonumber(ARGV[2])
local start = now - now % window
local left = start + window - now
for i = 1, #KEYS do
  local rpm, tpm = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  local cur = redis.call('HMGET', KEYS[i], 'w', 'r', 't')
  local r, tok = 0, 0
  if tonumber(cur[1]) == start then r = tonumber(cur[2]) or 0; tok = tonumber(cur[3]) or 0 end
  if (rpm < 0 or r < rpm) and (tpm < 0 or tok + est <= tpm or tok == 0) then
    redis.call('HSET', KEYS[i], 'w', string.format('%.0f', start),
      'r', string.format('%.0f', r + 1), 't', string.format('%.0f', tok + est))
    redis.call('PEXPIRE', KEYS[i], left + 1000)
    return {i, left}
  end
end
return {0, left}
""",
    python=_reserve_py,
)


def is_capped(deployment: Deployment) -> bool:
    """Whether ``deployment`` has an ``rpm`` or ``tpm`` cap (and so needs the store)."""
    return deployment.rpm is not None or deployment.tpm is not None


def _input_tokens(value: Any, model: str) -> int:
    """Tokens of an embeddings ``input``: a string, token ids, or a list of either."""
    if isinstance(value, str):
        return tokens.count_tokens(value, model)
    if isinstance(value, int):
        return 1
    if isinstance(value, list):
        return sum(_input_tokens(item, model) for item in value)
    return 0


def estimate_tokens(request: Mapping[str, Any], deployment: Deployment) -> int:
    """The tokens a call may use: its prompt plus the most output it allows."""
    if "messages" not in request:
        return max(1, _input_tokens(request.get("input"), deployment.model))
    prompt = tokens.count_message_tokens(
        request.get("messages") or (), deployment.model, request.get("tools")
    )
    for name in ("max_completion_tokens", "max_tokens"):
        value = request.get(name)
        if isinstance(value, int) and value >= 0:
            return prompt + value
    return prompt + (deployment.max_output_tokens or DEFAULT_OUTPUT_TOKENS)


@dataclass(slots=True)
class CapacityCheck:
    """One routed call's view of capacity: its request, and the deployments found full."""

    request: Mapping[str, Any]
    full: dict[str, float] = field(default_factory=dict)  # deployment id -> seconds to free
    _tokens: int | None = None

    def tokens(self, deployments: Sequence[Deployment]) -> int:
        """The call's token estimate (counted once, and only if a deployment has a ``tpm``)."""
        if self._tokens is None:
            with_tpm = next((d for d in deployments if d.tpm is not None), None)
            if with_tpm is None:
                return 0
            self._tokens = estimate_tokens(self.request, with_tpm)
        return self._tokens


def preference(
    strategy: RoutingStrategy,
    candidates: Sequence[Deployment],
    stats: DeploymentStats,
    rng: random.Random,
    *,
    stream: bool,
) -> list[Deployment]:
    """``candidates`` in the order ``choose`` would pick them, up to the first uncapped one."""
    order: list[Deployment] = []
    rest = list(candidates)
    while rest:
        pick = choose(strategy, rest, stats, rng, stream=stream)
        order.append(pick)
        if not is_capped(pick):
            break  # always has room: nothing after it would ever be used
        rest = [d for d in rest if d.id != pick.id]
    return order


class CapacityLimiter:
    """Reserves capacity on capped deployments through the shared store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def admit(self, order: Sequence[Deployment], check: CapacityCheck) -> Deployment | None:
        """The first of ``order`` with room (reserved on it), or None when all are full.

        Capped deployments found full are recorded on ``check.full``; an uncapped deployment
        (only ever last in ``order``) is admitted without counting.
        """
        capped = [d for d in order if is_capped(d)]
        if not capped:
            return order[0] if order else None
        args: list[ScriptArg] = [WINDOW_MS, check.tokens(capped)]
        for d in capped:
            args += [-1 if d.rpm is None else d.rpm, -1 if d.tpm is None else d.tpm]
        try:
            index, left_ms = await self._store.run_script(
                RESERVE_CAPACITY, [CAPACITY_KEY + d.id for d in capped], args
            )
        except StoreUnavailableError as exc:
            # A store outage must not fail the request: caps are not enforced until it is back.
            _log.warning("capacity store unavailable", error=exc.message)
            return order[0]
        index = int(index)
        full = capped[: index - 1] if index else capped
        for d in full:
            check.full[d.id] = int(left_ms) / 1000
        if index:
            return capped[index - 1]
        return order[-1] if not is_capped(order[-1]) else None
