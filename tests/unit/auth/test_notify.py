"""Notification messages keep their secrets out of reprs and redacted log output."""

from __future__ import annotations

from llm_gateway.services.notify import Message


def test_message_repr_and_redacted_body_hide_the_token() -> None:
    token = "pr-gw-" + "s" * 40
    message = Message(to="a@example.com", subject="Reset", body=f"token: {token}", secrets=(token,))
    assert token not in repr(message)
    assert token not in message.redacted_body()
    assert "a@example.com" in repr(message)
