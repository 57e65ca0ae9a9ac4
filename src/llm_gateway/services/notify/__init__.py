"""Outgoing notifications (password-reset e-mails): one interface, a log and an SMTP backend."""

from llm_gateway.services.notify.base import Message, Notifier, NotifierError
from llm_gateway.services.notify.factory import create_notifier

__all__ = ["Message", "Notifier", "NotifierError", "create_notifier"]
