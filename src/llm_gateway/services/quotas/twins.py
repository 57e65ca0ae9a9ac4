"""Python twins of the quota Lua scripts, for the in-process store (same inputs, same outputs).

They run without awaiting, so they are atomic on the event loop. Sorted sets are kept as
``SortedLog`` (members by score plus a heap) and hashes as ``dict[field, number]`` inside
``MemoryData``; only these scripts touch those keys, so the representation need not mirror Redis
byte for byte.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from llm_gateway.core.store import MemoryData
from llm_gateway.core.store.base import ScriptArg

DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Clock:
    """Now in milliseconds, the UTC day number and the UTC month as ``yyyymm``."""

    now: int
    day: int
    month: int

    @classmethod
    def read(cls, data: MemoryData) -> Clock:
        now = int(data.now() * 1000)
        at = datetime.fromtimestamp(now / 1000, UTC)
        return cls(now=now, day=now // DAY_MS, month=at.year * 100 + at.month)


class SortedLog:
    """A sorted set trimmed from its low end, like Redis' ``ZREMRANGEBYSCORE -inf max``.

    The request log holds every admission of the last minute; scanning it all on each request
    made admission cost grow with the request rate. A heap of ``(score, member)`` finds what to
    trim in O(log n); entries whose member was removed or re-scored are skipped lazily and
    compacted away once they outnumber the live ones.

    A member may stand for several: an allowance lease's requests all carry the same score, so
    the lease twin stores them as one member with a weight (one entry per lease instead of one
    per request: a busy minute's log stays small). ``len`` counts the weights, as ``ZCARD``
    counts the members Redis holds one by one.
    """

    __slots__ = ("_count", "_heap", "scores", "weights")

    def __init__(self) -> None:
        self.scores: dict[str, float] = {}
        self.weights: dict[str, int] = {}  # only members that stand for more than one
        self._heap: list[tuple[float, str]] = []
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, member: str, score: float, weight: int = 1) -> None:
        """Add ``member`` (counting ``weight``) or re-score it (its weight unchanged)."""
        if member not in self.scores:
            self._count += weight
            if weight != 1:
                self.weights[member] = weight
        self.scores[member] = score
        heapq.heappush(self._heap, (score, member))
        if len(self._heap) > 2 * len(self.scores) + 64:
            self._heap = [(sc, m) for m, sc in self.scores.items()]
            heapq.heapify(self._heap)

    def remove(self, member: str) -> None:
        if self.scores.pop(member, None) is not None:
            self._count -= self.weights.pop(member, 1)

    def remove_some(self, member: str, count: int) -> None:
        """Take ``count`` of what ``member`` stands for (all of it: the member goes)."""
        if member not in self.scores:
            return
        left = self.weights.get(member, 1) - count
        if left <= 0:
            self.remove(member)
        else:
            self.weights[member] = left
            self._count -= count

    def count_above(self, min_score: float) -> int:
        """How many (by weight) are scored above ``min_score`` (what ``ZCOUNT`` would say)."""
        weights = self.weights
        return sum(weights.get(m, 1) for m, score in self.scores.items() if score > min_score)

    def trim(self, max_score: float) -> None:
        """Remove every member scored ``<= max_score``."""
        heap, scores = self._heap, self.scores
        while heap and heap[0][0] <= max_score:
            score, member = heapq.heappop(heap)
            if scores.get(member) == score:
                del scores[member]
                self._count -= self.weights.pop(member, 1)

    def min_score(self) -> float | None:
        heap, scores = self._heap, self.scores
        while heap and scores.get(heap[0][1]) != heap[0][0]:
            heapq.heappop(heap)
        return heap[0][0] if heap else None


def zset(data: MemoryData, key: str) -> SortedLog:
    value = data.get(key)
    if not isinstance(value, SortedLog):
        value = SortedLog()
        data.values[key] = value
    return value


def _count_above(data: MemoryData, key: str, min_score: float) -> int:
    value = data.get(key)
    return value.count_above(min_score) if isinstance(value, SortedLog) else 0


def _extend(data: MemoryData, key: str, window_ms: int) -> None:
    """Expire ``key`` in ``window_ms`` unless it already lives longer (as ``ADMIT_LUA``)."""
    ttl = data.ttl(key)
    if ttl is None or ttl < window_ms / 1000:
        data.expire(key, window_ms / 1000)


def _hash(data: MemoryData, key: str) -> dict[str, float]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _bucket(data: MemoryData, key: str, cap: float, window: int, now: int) -> float:
    state = _hash(data, key)
    if "tok" not in state:
        return cap
    return min(cap, state["tok"] + (now - state["ts"]) * cap / window)


def _lua_stored(value: float) -> float:
    """``value`` as the Lua script stores it: ``tostring`` keeps 14 significant digits."""
    return float(f"{value:.14g}")


def _save_bucket(data: MemoryData, key: str, tok: float, cap: float, window: int, now: int) -> None:
    # A zero limit (est 0 admitted) has nothing to refill: no division by zero.
    full_in = math.ceil((cap - tok) * window / cap) if cap > 0 else 0
    data.set(key, {"tok": _lua_stored(tok), "ts": now}, (max(full_in, 0) + 1000) / 1000)


def _period_value(data: MemoryData, key: str, period: int, field: str) -> float:
    state = _hash(data, key)
    return state.get(field, 0) if state.get("p") == period else 0


def _check(
    data: MemoryData,
    keys: Sequence[str],
    limits: Sequence[float],
    request: tuple[int, float, int],
    c: Clock,
) -> tuple[list[int] | None, dict[str, Any]]:
    rpm, tpm, tpd, budget, conc = limits
    est, cost, window = request
    state: dict[str, Any] = {}
    if rpm >= 0:
        log = zset(data, keys[0])
        log.trim(c.now - window)
        _extend(data, keys[0], window)
        state["count"] = len(log)
        if len(log) >= rpm:
            oldest = log.min_score()
            retry = window if oldest is None else oldest + window - c.now
            return [0, 1, 0, max(int(retry), 1)], state
    if tpm >= 0:
        state["tok"] = _bucket(data, keys[1], tpm, window, c.now)
        if est > tpm:
            return [0, 3, 0, -1], state
        if state["tok"] < est:
            return [0, 2, 0, math.ceil((est - state["tok"]) * window / tpm)], state
    if tpd >= 0:
        state["used"] = _period_value(data, keys[2], c.day, "u")
        if state["used"] + est > tpd:
            return [0, 4, 0, (c.day + 1) * DAY_MS - c.now], state
    if budget >= 0:
        state["spent"] = _period_value(data, keys[3], c.month, "s")
        if state["spent"] >= budget or state["spent"] + cost > budget:
            return [0, 5, 0, -1], state
    if conc >= 0:
        leases = zset(data, keys[4])
        leases.trim(c.now)
        if len(leases) >= conc:
            first = min(leases.scores.values(), default=None)
            retry = 1000 if first is None else max(math.ceil(first - c.now), 1000)
            return [0, 6, 0, retry], state
    return None, state


def admit(data: MemoryData, keys: Sequence[str], args: Sequence[ScriptArg]) -> list[int]:
    """Twin of ``ADMIT_LUA``: check every subject's limits, then consume them all or none."""
    c = Clock.read(data)
    member, est, cost = str(args[0]), int(args[1]), float(args[2])
    lease, window, n = int(args[3]), int(args[4]), int(args[5])
    states: list[dict[str, Any]] = []
    for i in range(n):
        limits = [float(x) for x in args[6 + i * 5 : 11 + i * 5]]
        denied, state = _check(data, keys[i * 5 : i * 5 + 5], limits, (est, cost, window), c)
        if denied is not None:
            denied[2] = i + 1
            return denied
        states.append(state)
    out = [1, c.day, c.month, c.now]
    for i, state in enumerate(states):
        rpm, tpm, tpd, budget, conc = (float(x) for x in args[6 + i * 5 : 11 + i * 5])
        k = keys[i * 5 : i * 5 + 5]
        r_left, r_reset, t_left, t_reset = -1, 0, -1, 0
        if rpm >= 0:
            zset(data, k[0]).add(member, c.now)
            _extend(data, k[0], window)
            r_left, r_reset = int(rpm) - state["count"] - 1, window
        if tpm >= 0:
            tok = state["tok"] - est
            _save_bucket(data, k[1], tok, tpm, window, c.now)
            t_left = max(math.floor(tok), 0)
            t_reset = math.ceil((tpm - tok) * window / tpm) if tpm > 0 else 0
        if tpd >= 0:
            expire_at = (c.day + 1) * DAY_MS + 3_600_000
            data.set(k[2], {"p": c.day, "u": state["used"] + est}, (expire_at - c.now) / 1000)
        if budget >= 0:
            spent = _lua_stored(state["spent"] + cost)
            data.set(k[3], {"p": c.month, "s": spent}, 35 * DAY_MS / 1000)
        if conc >= 0:
            zset(data, k[4]).add(member, c.now + lease)
            data.expire(k[4], lease / 1000)
        out += [r_left, r_reset, t_left, t_reset]
    return out


def settle(data: MemoryData, keys: Sequence[str], args: Sequence[ScriptArg]) -> int:
    """Twin of ``SETTLE_LUA``: refund or charge the token/cost difference, release the slot."""
    c = Clock.read(data)
    member, delta, delta_cost = str(args[0]), float(args[1]), float(args[2])
    at_day, at_month, window, n = int(args[3]), int(args[4]), int(args[5]), int(args[6])
    for i in range(n):
        k = keys[i * 4 : i * 4 + 4]
        tpm, tpd, budget, conc = (
            float(args[7 + i * 4]),
            *(str(a) for a in args[8 + i * 4 : 11 + i * 4]),
        )
        if tpm > 0 and delta != 0:
            tok = min(tpm, _bucket(data, k[0], tpm, window, c.now) - delta)
            _save_bucket(data, k[0], tok, tpm, window, c.now)
        day_state = _hash(data, k[1])
        if tpd == "1" and delta != 0 and day_state.get("p") == at_day:
            day_state["u"] = max(day_state.get("u", 0) + delta, 0)
        month_state = _hash(data, k[2])
        if budget == "1" and delta_cost != 0 and month_state.get("p") == at_month:
            month_state["s"] = _lua_stored(max(month_state.get("s", 0) + delta_cost, 0))
        if conc == "1":
            leases = data.get(k[3])
            if isinstance(leases, SortedLog):
                leases.remove(member)
    return 1


def peek(data: MemoryData, keys: Sequence[str], args: Sequence[ScriptArg]) -> list[Any]:
    """Twin of ``PEEK_LUA``: current usage of one subject, without changing anything."""
    c = Clock.read(data)
    window, tpm = int(args[0]), float(args[1])
    tok = math.floor(_bucket(data, keys[1], tpm, window, c.now)) if tpm >= 0 else -1
    spent = _period_value(data, keys[3], c.month, "s")
    return [
        _count_above(data, keys[0], c.now - window),
        tok,
        int(_period_value(data, keys[2], c.day, "u")),
        repr(float(spent)).encode(),
        _count_above(data, keys[4], c.now),
        c.now,
    ]
