"""Response headers for browsers: never sniff content types, never store account data.

``RequestContextMiddleware`` (the outermost layer, which every response and every rendered error
passes) adds them, so no route can forget them.
"""

from __future__ import annotations

from collections.abc import Iterable

Header = tuple[bytes, bytes]

NOSNIFF: Header = (b"x-content-type-options", b"nosniff")
NO_STORE: Header = (b"cache-control", b"no-store")
# Responses under these paths carry account data: tokens, profiles, keys, conversations, usage.
ACCOUNT_PATHS = ("/auth/", "/users/", "/admin/", "/conversations", "/chat")
_PLAIN: tuple[Header, ...] = (NOSNIFF,)
_ACCOUNT: tuple[Header, ...] = (NOSNIFF, NO_STORE)


def security_headers(path: str) -> tuple[Header, ...]:
    """The headers a response to ``path`` must carry."""
    return _ACCOUNT if path.startswith(ACCOUNT_PATHS) else _PLAIN


def add_security_headers(
    headers: Iterable[Header], extra: tuple[Header, ...], *, then: Header | None = None
) -> list[Header]:
    """``headers``, ``then`` (if given) and ``extra``, in that order, built as one list.

    ``no-store`` replaces whatever caching the route chose.
    """
    if extra is _ACCOUNT:
        kept = [h for h in headers if h[0].lower() != b"cache-control"]
        if then is not None:
            kept.append(then)
        return kept + list(extra)
    if then is not None:
        return [*headers, then, *extra]
    return [*headers, *extra]
