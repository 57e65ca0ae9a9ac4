"""Opaque credentials: API keys, refresh and reset tokens, and the keyed hash they are stored as.

Every opaque credential carries at least 238 bits of randomness, so a fast keyed hash
(HMAC-SHA256 with a server pepper) is enough: no brute force can invert it, a database dump alone
does not let anyone check guesses, and the hot path can look a key up by its hash in one indexed
query. Slow password hashes (argon2id) are reserved for low-entropy human passwords.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

API_KEY_PREFIX = "sk-gw-"
REFRESH_TOKEN_PREFIX = "rt-gw-"  # noqa: S105 - a prefix, not a secret
RESET_TOKEN_PREFIX = "pr-gw-"  # noqa: S105 - a prefix, not a secret
# Characters of the random part shown in listings after "sk-gw-" (32 bits: enough to tell keys
# apart, far too few to help guessing the remaining 200+ bits).
VISIBLE_CHARS = 8
_RANDOM_CHARS = 40  # 40 base62 characters = 238 bits
_ALPHABET = string.ascii_letters + string.digits


def _random_part() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(_RANDOM_CHARS))


def new_api_key() -> str:
    """A fresh API key: ``sk-gw-`` followed by 40 base62 characters (copy-paste friendly)."""
    return API_KEY_PREFIX + _random_part()


def new_refresh_token() -> str:
    return REFRESH_TOKEN_PREFIX + _random_part()


def new_reset_token() -> str:
    return RESET_TOKEN_PREFIX + _random_part()


def visible_prefix(api_key: str) -> str:
    """The part of a key safe to store and show: ``sk-gw-`` plus the first 8 random characters."""
    return api_key[: len(API_KEY_PREFIX) + VISIBLE_CHARS]


def keyed_hash(pepper: bytes, value: str) -> str:
    """HMAC-SHA256 of ``value`` under the server pepper, hex-encoded (64 characters).

    The credential's own prefix (``sk-gw-``, ``rt-gw-``, ``pr-gw-``) is part of the input, which
    keeps the three kinds in separate hash domains.
    """
    return hmac.new(pepper, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def derive_pepper(configured: str | None, jwt_secret: str) -> bytes:
    """The configured pepper, or one derived from the JWT secret (domain-separated by HMAC)."""
    if configured is not None:
        return configured.encode()
    return hmac.new(jwt_secret.encode(), b"llm-gateway/credential-pepper/v1", "sha256").digest()


def looks_like_api_key(credential: str) -> bool:
    return credential.startswith(API_KEY_PREFIX)


def is_well_formed_api_key(credential: str) -> bool:
    """Whether ``credential`` has the exact shape ``new_api_key`` produces.

    Anything else cannot be a key: it is refused without a hash, a cache entry or a query.
    """
    random_part = credential[len(API_KEY_PREFIX) :]
    return (
        credential.startswith(API_KEY_PREFIX)
        and len(random_part) == _RANDOM_CHARS
        and random_part.isascii()
        and random_part.isalnum()
    )


def looks_like_jwt(credential: str) -> bool:
    return credential.count(".") == 2
