"""The SMTP notifier: plain-text e-mail through aiosmtplib, with STARTTLS, TLS or neither."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from llm_gateway.core.config import AuthSettings
from llm_gateway.services.notify.base import Message, NotifierError


class SmtpNotifier:
    """One connection per message: resets are rare, and an idle pooled session would time out."""

    name = "smtp"

    def __init__(self, settings: AuthSettings) -> None:
        self._settings = settings

    def _email(self, message: Message) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self._settings.mail_from
        email["To"] = message.to
        email["Subject"] = message.subject
        email.set_content(message.body)
        return email

    async def send(self, message: Message) -> None:
        s = self._settings
        try:
            await aiosmtplib.send(
                self._email(message),
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username,
                password=s.smtp_password.get_secret_value() if s.smtp_password else None,
                use_tls=s.smtp_security == "tls",
                start_tls=s.smtp_security == "starttls",
                timeout=s.smtp_timeout_s,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise NotifierError(
                f"could not send e-mail via {s.smtp_host}:{s.smtp_port}: {type(exc).__name__}"
            ) from exc
