"""Python twin of ``allowance_script.LEASE_LUA``, so the in-process store leases too.

On the embedded default every admission used to run the ``ADMIT`` twin and every settlement the
``SETTLE`` twin: cheaper than a Redis round trip, but still a clock read, five keys per subject,
a request-log entry and a slot-renewal timer per call. With this twin the allowance leases
(``allowance.py``) work on the in-process store exactly as on Redis: a busy principal's requests
are admitted from a leased chunk in memory, and the store sees one lease script per chunk.

Same inputs, same outputs and the same counters as the Lua (the parity tests run both). One
difference of representation: a lease's requests share one score, so the request log holds them
as one weighted member (``SortedLog.add(..., weight=)``) instead of one member per request, and
returning unused requests lowers that weight. Counts (``ZCARD``) are the same either way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from llm_gateway.core.store import MemoryData
from llm_gateway.core.store.base import ScriptArg
from llm_gateway.services.quotas.twins import (
    DAY_MS,
    Clock,
    _bucket,
    _hash,
    _lua_stored,
    _period_value,
    _save_bucket,
    zset,
)

ARGS_BEFORE_LIMITS = 19


def _adjust_period(data: MemoryData, key: str, period: int, field: str, delta: float) -> None:
    state = _hash(data, key)
    if delta != 0 and state.get("p") == period:
        state[field] = _lua_stored(max(state.get(field, 0) + delta, 0))


def _return_lease(
    data: MemoryData, k: Sequence[str], limits: Sequence[float], a: Sequence[Any], c: Clock
) -> int:
    """The return half for one subject; how many of the ``keep`` slots are still held."""
    rpm, tpm, tpd, budget, conc = limits
    owner, old_gen, used, leased, ret_t, ret_c, ret_day, ret_month, held, keep = a[:10]
    window, slot_lease = a[17], a[16]
    if rpm >= 0 and old_gen > 0 and used < leased:
        zset(data, k[0]).remove_some(f"{owner}:{old_gen}", leased - used)
    if tpm > 0 and ret_t != 0:
        tok = min(tpm, _bucket(data, k[1], tpm, window, c.now) + ret_t)
        _save_bucket(data, k[1], tok, tpm, window, c.now)
    if tpd >= 0:
        _adjust_period(data, k[2], ret_day, "u", -ret_t)
    if budget >= 0:
        _adjust_period(data, k[3], ret_month, "s", -ret_c)
    if conc < 0:
        return int(keep)
    slots = zset(data, k[4])
    slots.trim(c.now)
    for j in range(keep, held):
        slots.remove(f"{owner}:s{j}")
    alive = 0
    for j in range(keep):
        member = f"{owner}:s{j}"
        if member in slots.scores:
            slots.add(member, c.now + slot_lease)
            alive += 1
    if keep > 0:
        data.expire(k[4], slot_lease / 1000)
    return alive


def _room(
    data: MemoryData, k: Sequence[str], limits: Sequence[float], a: Sequence[Any], c: Clock
) -> dict[str, Any] | None:
    """One subject's counters if every limit keeps ``far`` times the chunk in reserve."""
    rpm, tpm, tpd, budget, conc = limits
    want_r, want_t, want_c, want_s = a[11], a[12], a[13], a[14]
    window, far = a[17], a[18]
    s: dict[str, Any] = {}
    if rpm >= 0:
        log = zset(data, k[0])
        log.trim(c.now - window)
        s["count"] = len(log)
        if s["count"] + want_r * far > rpm:
            return None
    if tpm >= 0:
        s["tok"] = _bucket(data, k[1], tpm, window, c.now)
        if s["tok"] < want_t * far:
            return None
    if tpd >= 0:
        s["used"] = _period_value(data, k[2], c.day, "u")
        if s["used"] + want_t * far > tpd:
            return None
    if budget >= 0:
        s["spent"] = _period_value(data, k[3], c.month, "s")
        if s["spent"] + want_c * far > budget:
            return None
    if conc >= 0 and len(zset(data, k[4])) + want_s * far > conc:
        return None
    return s


def _grant(
    data: MemoryData,
    k: Sequence[str],
    limits: Sequence[float],
    s: dict[str, Any],
    a: Sequence[Any],
    c: Clock,
) -> list[int]:
    """Count the chunk in one subject's counters; its ``[r_left, r_reset, t_left, t_reset]``."""
    rpm, tpm, tpd, budget, conc = limits
    owner, keep, new_gen = a[0], a[9], a[10]
    want_r, want_t, want_c, want_s, valid = a[11], a[12], a[13], a[14], a[15]
    slot_lease, window = a[16], a[17]
    r_left, t_left, t_reset = -1, -1, 0
    if rpm >= 0:
        zset(data, k[0]).add(f"{owner}:{new_gen}", c.now + valid, weight=want_r)
        ttl = data.ttl(k[0])
        if ttl is None or ttl * 1000 < valid + window:
            data.expire(k[0], (valid + window) / 1000)
        r_left = int(rpm) - s["count"] - want_r
    if tpm >= 0:
        tok = s["tok"] - want_t
        _save_bucket(data, k[1], tok, tpm, window, c.now)
        t_left = max(math.floor(tok), 0)
        if tpm > 0:
            t_reset = math.ceil((tpm - tok) * window / tpm)
    if tpd >= 0:
        expire_at = (c.day + 1) * DAY_MS + 3_600_000
        data.set(k[2], {"p": c.day, "u": s["used"] + want_t}, (expire_at - c.now) / 1000)
    if budget >= 0:
        data.set(k[3], {"p": c.month, "s": _lua_stored(s["spent"] + want_c)}, 35 * DAY_MS / 1000)
    if conc >= 0 and want_s > 0:
        slots = zset(data, k[4])
        for j in range(keep, keep + want_s):
            slots.add(f"{owner}:s{j}", c.now + slot_lease)
        data.expire(k[4], slot_lease / 1000)
    return [r_left, window, t_left, t_reset]


def _parse(args: Sequence[ScriptArg]) -> list[Any]:
    return [
        str(args[0]),
        *(int(x) for x in args[1:4]),
        float(args[4]),
        float(args[5]),
        *(int(x) for x in args[6:13]),
        float(args[13]),
        *(int(x) for x in args[14:ARGS_BEFORE_LIMITS]),
    ]


def lease(data: MemoryData, keys: Sequence[str], args: Sequence[ScriptArg]) -> list[int]:
    """Twin of ``LEASE_LUA``: return the last lease's leftovers, then maybe grant the next."""
    c = Clock.read(data)
    a = _parse(args)
    keep, want_r, valid = a[9], a[11], a[15]
    n = (len(args) - ARGS_BEFORE_LIMITS) // 5
    limits = [
        [float(x) for x in args[ARGS_BEFORE_LIMITS + i * 5 : ARGS_BEFORE_LIMITS + i * 5 + 5]]
        for i in range(n)
    ]
    subject_keys = [keys[i * 5 : i * 5 + 5] for i in range(n)]
    present = keep
    for k, lim in zip(subject_keys, limits, strict=True):
        present = min(present, _return_lease(data, k, lim, a, c))
    out = [0, c.day, c.month, c.now, present]
    if want_r <= 0 or present < keep or (c.day + 1) * DAY_MS - c.now <= valid + 1000:
        return out
    states = []
    for k, lim in zip(subject_keys, limits, strict=True):
        state = _room(data, k, lim, a, c)
        if state is None:
            return out
        states.append(state)
    out[0] = 1
    for k, lim, state in zip(subject_keys, limits, states, strict=True):
        out += _grant(data, k, lim, state, a, c)
    return out
