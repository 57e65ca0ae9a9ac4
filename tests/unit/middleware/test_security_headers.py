"""The response's headers, the request id and the security headers, built as one list."""

from __future__ import annotations

from llm_gateway.middleware.security_headers import (
    NO_STORE,
    NOSNIFF,
    add_security_headers,
    security_headers,
)

ID = (b"x-request-id", b"req_1")
ROUTE = [(b"content-type", b"application/json"), (b"cache-control", b"max-age=60")]


def test_a_plain_path_keeps_the_route_headers_then_the_id_then_nosniff() -> None:
    headers = add_security_headers(ROUTE, security_headers("/v1/chat/completions"), then=ID)
    assert headers == [*ROUTE, ID, NOSNIFF]


def test_an_account_path_drops_the_route_caching_for_no_store() -> None:
    headers = add_security_headers(ROUTE, security_headers("/users/me"), then=ID)
    assert headers == [ROUTE[0], ID, NOSNIFF, NO_STORE]


def test_without_then_only_the_security_headers_are_added() -> None:
    assert add_security_headers(ROUTE, security_headers("/health")) == [*ROUTE, NOSNIFF]
