"""Choose the notifier backend from settings."""

from __future__ import annotations

from llm_gateway.core.config import Settings
from llm_gateway.services.notify.base import Notifier
from llm_gateway.services.notify.log import LogNotifier
from llm_gateway.services.notify.smtp import SmtpNotifier


def create_notifier(settings: Settings) -> Notifier:
    """SMTP when configured, else the log notifier (which shows secrets only in dev/test)."""
    if settings.auth.notifier == "smtp":
        return SmtpNotifier(settings.auth)
    return LogNotifier(reveal_secrets=settings.is_dev)
