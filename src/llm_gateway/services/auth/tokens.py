"""Access tokens: short-lived JWTs signed with HS256 (default) or an RS256/EdDSA key pair.

Decoding pins the one configured algorithm, which rules out ``alg: none`` and algorithm
confusion (an RS256 public key presented as an HS256 secret), and requires every claim the
gateway relies on: exp, nbf, iat, iss, aud, sub, jti, plus our ``typ``, ``ver`` and ``sid``.
Header fields that name keys (``kid``, ``jku``, ``x5u``, ``jwk``) are never consulted: the one
verification key is loaded at startup. Refresh and reset tokens are opaque, never JWTs.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

from llm_gateway.core.config import SecuritySettings, SettingsError
from llm_gateway.core.exceptions import AuthenticationError
from llm_gateway.models.user import USER_ROLES

ACCESS_TOKEN_TYPE = "access"  # noqa: S105 - the typ claim, not a secret
_REQUIRED_CLAIMS = ["exp", "nbf", "iat", "iss", "aud", "sub", "jti"]


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a verified access token says."""

    user_id: uuid.UUID
    token_id: str
    session_id: uuid.UUID
    version: int
    role: str
    tier: str
    expires_at: int


def invalid_token_error(message: str, code: str) -> AuthenticationError:
    # RFC 6750: tell OAuth clients the token itself is the problem.
    return AuthenticationError(
        message,
        code=code,
        headers={
            "WWW-Authenticate": f'Bearer error="invalid_token", error_description="{message}"'
        },
    )


def _read_key_file(path: Path | None, variable: str) -> bytes:
    if path is None:
        raise SettingsError(f"{variable} must be set when the JWT algorithm uses a key pair")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SettingsError(f"{variable}: cannot read {path}: {exc.strerror}") from None


def _load_key_pair(settings: SecuritySettings) -> tuple[Any, Any]:
    """Private (signing) and public (verifying) keys for RS256/EdDSA, checked against the alg."""
    private_var = "LLMGW_SECURITY__JWT_PRIVATE_KEY_FILE"
    try:
        private = load_pem_private_key(
            _read_key_file(settings.jwt_private_key_file, private_var), password=None
        )
        public = (
            load_pem_public_key(
                _read_key_file(settings.jwt_public_key_file, "LLMGW_SECURITY__JWT_PUBLIC_KEY_FILE")
            )
            if settings.jwt_public_key_file is not None
            else private.public_key()
        )
    except (ValueError, TypeError) as exc:
        raise SettingsError(f"{private_var}: not a usable unencrypted PEM key: {exc}") from None
    expected: tuple[type, ...] = (
        (rsa.RSAPrivateKey,)
        if settings.jwt_algorithm == "RS256"
        else (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)
    )
    if not isinstance(private, expected):
        raise SettingsError(
            f"{private_var}: a {type(private).__name__} does not fit {settings.jwt_algorithm}"
        )
    _check_pair(private, public, settings.jwt_algorithm)
    return private, public


def _check_pair(private: Any, public: Any, algorithm: str) -> None:
    """Sign and verify a probe, so a public key of another pair or type fails at startup
    instead of making every issued token unusable (or every check a 500)."""
    try:
        jwt.decode(jwt.encode({"probe": 1}, private, algorithm=algorithm), public, [algorithm])
    except (jwt.PyJWTError, TypeError, ValueError):
        raise SettingsError(
            "LLMGW_SECURITY__JWT_PUBLIC_KEY_FILE does not verify tokens signed with "
            "LLMGW_SECURITY__JWT_PRIVATE_KEY_FILE (not the same key pair)"
        ) from None


class TokenCodec:
    """Issue and verify access tokens with the keys loaded once at startup."""

    def __init__(self, settings: SecuritySettings) -> None:
        self.algorithm = settings.jwt_algorithm
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self.ttl_s = settings.access_token_ttl_s
        self.leeway_s = settings.jwt_leeway_s
        if self.algorithm == "HS256":
            secret = settings.jwt_secret.get_secret_value().encode()
            self._signing_key: Any = secret
            self._verify_key: Any = secret
        else:
            self._signing_key, self._verify_key = _load_key_pair(settings)

    def issue(
        self,
        *,
        user_id: uuid.UUID,
        session_id: uuid.UUID,
        version: int,
        role: str,
        tier: str,
        now: float | None = None,
    ) -> tuple[str, AccessClaims]:
        """A signed access token for this user and session (refresh family)."""
        issued = int(now if now is not None else time.time())
        claims = AccessClaims(
            user_id=user_id,
            token_id=uuid.uuid4().hex,
            session_id=session_id,
            version=version,
            role=role,
            tier=tier,
            expires_at=issued + self.ttl_s,
        )
        payload = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(user_id),
            "jti": claims.token_id,
            "iat": issued,
            "nbf": issued,
            "exp": claims.expires_at,
            "typ": ACCESS_TOKEN_TYPE,
            "sid": str(session_id),
            "ver": version,
            "role": role,
            "tier": tier,
        }
        token = jwt.encode(payload, self._signing_key, algorithm=self.algorithm)
        return token, claims

    def decode(self, token: str) -> AccessClaims:
        """Verify ``token`` and return its claims; AuthenticationError (401) if anything is off."""
        try:
            payload = jwt.decode(
                token,
                self._verify_key,
                algorithms=[self.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_s,
                options={"require": _REQUIRED_CLAIMS, "strict_aud": True},
            )
        except jwt.ExpiredSignatureError:
            raise invalid_token_error("Access token has expired", "token_expired") from None
        except jwt.PyJWTError:
            raise invalid_token_error("Invalid access token", "invalid_token") from None
        try:
            if payload.get("typ") != ACCESS_TOKEN_TYPE or payload.get("role") not in USER_ROLES:
                raise ValueError("wrong token type or role")
            # No token may outlive the configured lifetime (say, one issued before the TTL was
            # lowered): the deny-list keeps a logged-out token only that long.
            if int(payload["exp"]) - int(payload["iat"]) > self.ttl_s:
                raise ValueError("lifetime longer than the configured TTL")
            version = payload["ver"]
            if not isinstance(version, int) or isinstance(version, bool):
                raise ValueError("ver must be an integer")
            return AccessClaims(
                user_id=uuid.UUID(payload["sub"]),
                token_id=str(payload["jti"]),
                session_id=uuid.UUID(payload["sid"]),
                version=version,
                role=str(payload["role"]),
                tier=str(payload["tier"]),
                expires_at=int(payload["exp"]),
            )
        except (KeyError, ValueError, TypeError, AttributeError):
            raise invalid_token_error("Invalid access token", "invalid_token") from None
