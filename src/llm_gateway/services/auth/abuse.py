"""Brute-force limits on login and password-reset requests, counted in the store.

Each attempt increments its counters atomically (one script, one round trip); once one exceeds
its limit the caller gets 429 with ``Retry-After`` until the window expires. Logins are counted
per (account, client IP) and per IP, never per account alone: a guesser locks out itself, not
the owner, who still logs in from anywhere else. Failures of one pair beyond a few free ones
also make the next attempt wait, doubling each time. Unknown e-mails are counted exactly like
known ones, so the limiter reveals nothing about which accounts exist.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.types import Scope

from llm_gateway.core.exceptions import RateLimitError
from llm_gateway.core.store import MemoryData, Store, StoreScript
from llm_gateway.core.store.base import ScriptArg

_COUNT_LUA = """
local window = tonumber(ARGV[1])
local out = {}
for _, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if n == 1 or ttl < 0 then
    redis.call('PEXPIRE', key, window)
    ttl = window
  end
  out[#out + 1] = n
  out[#out + 1] = ttl
end
return out
"""


def _count_python(data: MemoryData, keys: Sequence[str], args: Sequence[ScriptArg]) -> list[int]:
    window_ms = int(args[0])
    out: list[int] = []
    for key in keys:
        current = data.get(key)
        count = int(current or 0) + 1
        ttl = data.ttl(key)
        if current is None or ttl is None:
            data.set(key, str(count).encode(), window_ms / 1000)
            ttl_ms = window_ms
        else:
            data.values[key] = str(count).encode()
            ttl_ms = int(ttl * 1000)
        out.extend((count, ttl_ms))
    return out


COUNT_ATTEMPTS = StoreScript(name="auth_count_attempts", lua=_COUNT_LUA, python=_count_python)


def account_bucket(email_normalized: str) -> str:
    """A store-safe, fixed-length name for an account (the e-mail itself stays out of Redis)."""
    return hashlib.sha256(email_normalized.encode()).hexdigest()[:32]


def client_ip(scope: Scope, *, trust_forwarded_for: bool) -> str:
    """The caller's IP: the peer address, or the last X-Forwarded-For hop behind a trusted proxy.

    The last hop is the one our own proxy appended; earlier entries are client-controlled. A
    client can send its own X-Forwarded-For *line* too, which a proxy may keep as a separate
    header before its own: so the last hop of the last line counts.
    """
    if trust_forwarded_for:
        forwarded = [v for n, v in scope.get("headers", ()) if n == b"x-forwarded-for"]
        if forwarded:
            hops = [h.strip() for h in forwarded[-1].decode("latin-1").split(",") if h.strip()]
            if hops:
                return str(hops[-1])
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """The login throttle's settings, in one place."""

    pair_limit: int  # attempts per (account, IP) per window
    ip_limit: int  # attempts per IP per window, across accounts
    window_s: int
    free_failures: int  # failures per (account, IP) before each attempt must wait
    max_delay_s: int  # the longest single wait


def _too_many(wait_ms: float) -> RateLimitError:
    return RateLimitError(
        "Too many attempts; try again later",
        retry_after_s=wait_ms / 1000,
        code="too_many_attempts",
    )


class AttemptLimiter:
    """Counts attempts per (action, account) and (action, IP) in fixed windows."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def admit_login(self, action: str, *, account: str, ip: str, limits: LoginLimits) -> int:
        """Count one attempt of ``ip`` on ``account``; returns the pair's count this window.

        Raises:
            RateLimitError: the pair must still wait after its last failure, or the pair or the
                IP is over its limit (``Retry-After`` says until when).
        """
        pair, ip_key = self._pair_key(action, account, ip), f"auth:{action}:ip:{ip}"
        waiting = await self._store.ttl(pair + ":wait")
        result = await self._store.run_script(
            COUNT_ATTEMPTS, [pair, ip_key], [limits.window_s * 1000]
        )
        pair_count, pair_ttl, ip_count, ip_ttl = (int(v) for v in result)
        waits = [waiting * 1000] if waiting else []
        if pair_count > limits.pair_limit:
            waits.append(pair_ttl)
        if ip_count > limits.ip_limit:
            waits.append(ip_ttl)
        if waits:
            raise _too_many(max(waits))
        return pair_count

    async def login_failed(
        self, action: str, *, account: str, ip: str, count: int, limits: LoginLimits
    ) -> None:
        """After the ``count``-th attempt failed: make the pair wait, doubling each failure."""
        beyond = count - limits.free_failures
        if beyond > 0:
            delay = min(2 ** (beyond - 1), limits.max_delay_s)
            await self._store.set(self._pair_key(action, account, ip) + ":wait", 1, ttl_s=delay)

    async def login_succeeded(self, action: str, *, account: str, ip: str) -> None:
        """The right password from ``ip``: its failures on ``account`` are forgiven."""
        pair = self._pair_key(action, account, ip)
        await self._store.delete(pair, pair + ":wait")

    async def hit(
        self,
        action: str,
        *,
        account: str,
        ip: str,
        account_limit: int,
        ip_limit: int,
        window_s: int,
    ) -> None:
        """Count one attempt; RateLimitError (429, Retry-After) when a limit is exceeded."""
        keys = [self._account_key(action, account), f"auth:{action}:ip:{ip}"]
        result = await self._store.run_script(COUNT_ATTEMPTS, keys, [window_s * 1000])
        account_count, account_ttl, ip_count, ip_ttl = (int(v) for v in result)
        waits = []
        if account_count > account_limit:
            waits.append(account_ttl)
        if ip_count > ip_limit:
            waits.append(ip_ttl)
        if waits:
            raise _too_many(max(waits))

    @staticmethod
    def _account_key(action: str, account: str) -> str:
        return f"auth:{action}:acct:{account_bucket(account)}"

    @staticmethod
    def _pair_key(action: str, account: str, ip: str) -> str:
        return f"auth:{action}:pair:{account_bucket(account)}:{ip}"
