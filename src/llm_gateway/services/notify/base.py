"""The notifier interface and the message it sends."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from llm_gateway.core.exceptions import ServiceUnavailableError


@dataclass(frozen=True, slots=True)
class Message:
    """A plain-text message. ``secrets`` lists substrings a log backend must not reveal.

    The body carries those secrets, so it stays out of ``repr`` (tracebacks, debug logs).
    """

    to: str
    subject: str
    body: str = field(repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def redacted_body(self) -> str:
        body = self.body
        for secret in self.secrets:
            body = body.replace(secret, "[redacted]")
        return body


class NotifierError(ServiceUnavailableError):
    """The message could not be handed to the delivery backend."""

    code = "notifier_unavailable"


class Notifier(Protocol):
    """Delivers messages to people (e-mail, or the log in development)."""

    name: str

    async def send(self, message: Message) -> None:
        """Deliver ``message`` or raise NotifierError."""
