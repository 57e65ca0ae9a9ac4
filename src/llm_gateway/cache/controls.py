"""Per-request cache controls: ``Cache-Control``, ``x-gateway-cache-ttl`` and the body's ``cache``.

The body field follows LiteLLM's shape (``"cache": {"no-cache": true, "ttl": 60}``) and is removed
from the request before anything else sees it, so it never reaches an upstream.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from llm_gateway.core.exceptions import InvalidRequestError

MAX_TTL_S = 30 * 86400
_BODY_KEYS = frozenset({"no-cache", "no-store", "ttl", "no_cache", "no_store"})


@dataclass(frozen=True, slots=True)
class CacheControls:
    """What the caller asked of the cache for this one request."""

    no_cache: bool = False  # do not answer from the cache (the fresh answer may still be stored)
    no_store: bool = False  # do not store this answer
    ttl_s: int | None = None  # overrides the alias's TTL (capped by it)


NO_CONTROLS = CacheControls()


def _invalid(message: str, param: str) -> InvalidRequestError:
    return InvalidRequestError(message, param=param, code="invalid_cache_control")


def _ttl(value: object, param: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _invalid(f"'{param}' must be a whole number of seconds.", param)
    try:
        ttl = int(value)
    except ValueError:
        raise _invalid(f"'{param}' must be a whole number of seconds.", param) from None
    if not 0 < ttl <= MAX_TTL_S:
        raise _invalid(f"'{param}' must be between 1 and {MAX_TTL_S} seconds.", param)
    return ttl


def _from_body(body: object) -> tuple[bool, bool, int | None]:
    if not isinstance(body, dict) or "cache" not in body:
        return False, False, None
    field = body.pop("cache")
    if field is None:
        return False, False, None
    if not isinstance(field, dict) or not set(field) <= _BODY_KEYS:
        raise _invalid(
            "'cache' must be an object with 'no-cache', 'no-store' (booleans) and 'ttl' (seconds).",
            "cache",
        )
    flags = []
    for name in ("no-cache", "no-store"):
        value = field.get(name, field.get(name.replace("-", "_"), False))
        if not isinstance(value, bool):
            raise _invalid(f"'cache.{name}' must be a boolean.", "cache")
        flags.append(value)
    ttl = field.get("ttl")
    return flags[0], flags[1], None if ttl is None else _ttl(ttl, "cache.ttl")


def read_controls(body: object, headers: Iterable[tuple[bytes, bytes]]) -> CacheControls:
    """The controls of one request; pops ``cache`` from ``body`` (a 400 when malformed)."""
    no_cache, no_store, ttl = _from_body(body)
    for name, value in headers:
        if name == b"cache-control":
            directives = {d.strip().lower() for d in value.decode("latin-1").split(",")}
            no_cache = no_cache or "no-cache" in directives
            no_store = no_store or "no-store" in directives
        elif name == b"x-gateway-cache-ttl":
            ttl = _ttl(value.decode("latin-1").strip(), "x-gateway-cache-ttl")
    if not (no_cache or no_store or ttl is not None):
        return NO_CONTROLS
    return CacheControls(no_cache=no_cache, no_store=no_store, ttl_s=ttl)
