"""Attempt limits per account and per IP, and which address counts as the client's."""

from __future__ import annotations

import pytest

from llm_gateway.core.exceptions import RateLimitError
from llm_gateway.core.store.memory import MemoryStore
from llm_gateway.services.auth.abuse import AttemptLimiter, LoginLimits, account_bucket, client_ip
from llm_gateway.services.auth.credentials import (
    derive_pepper,
    keyed_hash,
    new_api_key,
    new_refresh_token,
    visible_prefix,
)


async def test_account_limit_gives_429_with_retry_after() -> None:
    limiter = AttemptLimiter(MemoryStore("t:"))
    limits = {"account_limit": 3, "ip_limit": 100, "window_s": 60}
    for _ in range(3):
        await limiter.hit("login", account="a@example.com", ip="1.1.1.1", **limits)
    with pytest.raises(RateLimitError) as info:
        await limiter.hit("login", account="a@example.com", ip="2.2.2.2", **limits)
    assert 1 <= int(info.value.headers["Retry-After"]) <= 60
    # Another account from the same IP is not affected by this account's lockout.
    await limiter.hit("login", account="b@example.com", ip="1.1.1.1", **limits)


async def test_ip_limit_spans_accounts() -> None:
    limiter = AttemptLimiter(MemoryStore("t:"))
    limits = {"account_limit": 100, "ip_limit": 2, "window_s": 60}
    await limiter.hit("login", account="a@example.com", ip="9.9.9.9", **limits)
    await limiter.hit("login", account="b@example.com", ip="9.9.9.9", **limits)
    with pytest.raises(RateLimitError):
        await limiter.hit("login", account="c@example.com", ip="9.9.9.9", **limits)


async def test_each_failure_beyond_the_free_ones_doubles_the_wait_up_to_the_cap() -> None:
    store = MemoryStore("t:")
    limiter = AttemptLimiter(store)
    limits = LoginLimits(pair_limit=50, ip_limit=500, window_s=900, free_failures=2, max_delay_s=5)
    pair = {"account": "a@example.com", "ip": "1.1.1.1"}
    waits = []
    for count in range(1, 7):
        await limiter.login_failed("login", **pair, count=count, limits=limits)
        left = await store.ttl(f"auth:login:pair:{account_bucket(pair['account'])}:1.1.1.1:wait")
        waits.append(round(left) if left else 0)
    assert waits == [0, 0, 1, 2, 4, 5]
    with pytest.raises(RateLimitError) as info:
        await limiter.admit_login("login", **pair, limits=limits)
    assert int(info.value.headers["Retry-After"]) == 5
    # The same account from another address does not wait; the right password forgives.
    assert await limiter.admit_login("login", account=pair["account"], ip="2.2.2.2", limits=limits)
    await limiter.login_succeeded("login", **pair)
    assert await limiter.admit_login("login", **pair, limits=limits) == 1


def _scope(xff: str | None) -> dict[str, object]:
    headers = [(b"x-forwarded-for", xff.encode())] if xff else []
    return {"client": ("10.0.0.5", 5555), "headers": headers}


def test_forwarded_for_is_ignored_unless_trusted() -> None:
    spoofed = _scope("6.6.6.6")
    assert client_ip(spoofed, trust_forwarded_for=False) == "10.0.0.5"


def test_trusted_forwarded_for_uses_the_hop_our_proxy_added() -> None:
    # The client may send its own X-Forwarded-For; only the last entry came from our proxy.
    assert client_ip(_scope("6.6.6.6, 203.0.113.7"), trust_forwarded_for=True) == "203.0.113.7"
    assert client_ip(_scope(None), trust_forwarded_for=True) == "10.0.0.5"


def test_a_client_sent_forwarded_for_line_before_the_proxys_is_ignored() -> None:
    # The proxy appended its own line instead of merging: the client's line comes first.
    scope = {
        "client": ("10.0.0.5", 5555),
        "headers": [(b"x-forwarded-for", b"6.6.6.6"), (b"x-forwarded-for", b"203.0.113.7")],
    }
    assert client_ip(scope, trust_forwarded_for=True) == "203.0.113.7"


def test_api_keys_are_random_prefixed_and_hashed_under_the_pepper() -> None:
    key = new_api_key()
    assert key.startswith("sk-gw-")
    assert len(key) == 46
    assert key.isascii()
    assert visible_prefix(key) == key[:14]
    assert new_api_key() != key
    digest = keyed_hash(b"pepper-one", key)
    assert len(digest) == 64
    assert key not in digest
    assert keyed_hash(b"pepper-two", key) != digest
    assert new_refresh_token().startswith("rt-gw-")


def test_pepper_is_configured_or_derived_from_the_jwt_secret() -> None:
    assert derive_pepper("p" * 32, "jwt-secret") == b"p" * 32
    derived = derive_pepper(None, "jwt-secret")
    assert derived == derive_pepper(None, "jwt-secret")
    assert b"jwt-secret" not in derived
    assert derive_pepper(None, "another-secret") != derived
