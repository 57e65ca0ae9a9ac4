"""Errors shown on console forms: a stable code (translated when the catalog knows it) and text."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from llm_gateway.console.i18n import Translate
from llm_gateway.core.exceptions import GatewayError


@dataclass(frozen=True, slots=True)
class FormError:
    code: str
    message: str

    def text(self, t: Translate) -> str:
        """The catalog's ``error.<code>`` in the page language, else the service's message."""
        key = f"error.{self.code}"
        translated = t(key)
        return self.message if translated == key else translated


def form_error(exc: GatewayError | ValidationError) -> FormError:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        return FormError(f"invalid_{field}" if field else "validation_error", first["msg"])
    return FormError(exc.code, exc.message)
