"""The log notifier: writes messages to the structured log instead of delivering them.

In dev/test the whole body is logged, reset token included, so a developer can complete the
password-reset flow without a mail server. In staging/production secrets are replaced by
``[redacted]``: nothing usable reaches log aggregation, which also means password reset does not
work there until the SMTP backend is configured (a warning says so at startup).
"""

from __future__ import annotations

from llm_gateway.core.logging import get_logger
from llm_gateway.services.notify.base import Message

_log = get_logger("llm_gateway.notify")


class LogNotifier:
    """Log-only delivery; ``reveal_secrets`` only for dev and test environments."""

    name = "log"

    def __init__(self, *, reveal_secrets: bool) -> None:
        self.reveal_secrets = reveal_secrets

    async def send(self, message: Message) -> None:
        body = message.body if self.reveal_secrets else message.redacted_body()
        _log.info("notification", to=message.to, subject=message.subject, body=body)
