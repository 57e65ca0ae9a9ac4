"""Pagination cursors are opaque, tamper-proof and bound to the listing they came from."""

from __future__ import annotations

import pytest

from llm_gateway.core.exceptions import InvalidRequestError
from llm_gateway.services.conversations.cursor import CursorCodec


def test_round_trip() -> None:
    codec = CursorCodec("secret")
    cursor = codec.encode("conversations:u1", {"at": "2026-01-01T00:00:00+00:00", "id": "x"})
    assert codec.decode("conversations:u1", cursor) == {
        "at": "2026-01-01T00:00:00+00:00",
        "id": "x",
    }


@pytest.mark.parametrize(
    "mutate", [lambda c: c[:-2] + "AA", lambda c: "A" + c[1:], lambda c: "junk"]
)
def test_tampered_cursors_are_rejected(mutate: object) -> None:
    codec = CursorCodec("secret")
    cursor = codec.encode("messages:u1:c1", {"seq": 20})
    with pytest.raises(InvalidRequestError) as raised:
        codec.decode("messages:u1:c1", mutate(cursor))  # type: ignore[operator]
    assert raised.value.code == "invalid_cursor"


def test_cursor_from_another_listing_or_secret_is_rejected() -> None:
    cursor = CursorCodec("secret").encode("messages:alice:c1", {"seq": 2})
    with pytest.raises(InvalidRequestError):
        CursorCodec("secret").decode("messages:bob:c1", cursor)
    with pytest.raises(InvalidRequestError):
        CursorCodec("other-secret").decode("messages:alice:c1", cursor)
