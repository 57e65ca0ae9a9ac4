"""Opaque, tamper-proof pagination cursors: a signed position, valid only for the list it came from.

A cursor is ``base64url(json) + "." + base64url(hmac)``. The HMAC key is derived from the JWT
secret, and the signed payload names the list (its kind, owner and filters), so a cursor cannot
be edited, forged, or replayed against another user's list or another search.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import orjson

from llm_gateway.core.exceptions import InvalidRequestError

_KEY_CONTEXT = b"llm-gateway/pagination-cursor/v1"
_SIG_BYTES = 16  # 128-bit tag: forging one is out of reach, and cursors stay short


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    """Signs and checks cursors with a key derived from the deployment's secret."""

    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), _KEY_CONTEXT, hashlib.sha256).digest()

    def _sign(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()[:_SIG_BYTES]

    def encode(self, scope: str, position: dict[str, Any]) -> str:
        """A cursor for ``position`` in the list identified by ``scope``."""
        body = orjson.dumps({"s": scope, "p": position})
        return f"{_b64(body)}.{_b64(self._sign(body))}"

    def decode(self, scope: str, cursor: str) -> dict[str, Any]:
        """The position in ``cursor``; 400 ``invalid_cursor`` if altered or from another list."""
        try:
            body_part, sig_part = cursor.split(".", 1)
            body, sig = _unb64(body_part), _unb64(sig_part)
        except (ValueError, UnicodeEncodeError):
            raise _invalid() from None
        if not hmac.compare_digest(sig, self._sign(body)):
            raise _invalid()
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise _invalid() from None
        if (
            not isinstance(data, dict)
            or data.get("s") != scope
            or not isinstance(data.get("p"), dict)
        ):
            raise _invalid()
        position: dict[str, Any] = data["p"]
        return position


def _invalid() -> InvalidRequestError:
    return InvalidRequestError(
        "The cursor is invalid or belongs to another listing; start again without it",
        code="invalid_cursor",
        param="cursor",
    )
