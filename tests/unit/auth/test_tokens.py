"""Access-token attacks: every forged, altered, expired or misdirected JWT is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from llm_gateway.core.config import SecuritySettings, SettingsError
from llm_gateway.core.exceptions import AuthenticationError
from llm_gateway.services.auth.tokens import TokenCodec

SECRET = "unit-test-jwt-secret-0123456789-abcdefghij"


def _codec(**overrides: Any) -> TokenCodec:
    return TokenCodec(SecuritySettings(jwt_secret=SECRET, **overrides))


def _issue(codec: TokenCodec, **kw: Any) -> str:
    token, _ = codec.issue(
        user_id=uuid.uuid4(), session_id=uuid.uuid4(), version=0, role="user", tier="free", **kw
    )
    return token


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _payload(token: str) -> dict[str, Any]:
    return json.loads(_unb64(token.split(".")[1]))  # type: ignore[no-any-return]


def _hs256(payload: dict[str, Any], key: bytes, header: dict[str, Any] | None = None) -> str:
    """Sign by hand, so the test can do what PyJWT refuses to (e.g. a PEM key as HMAC secret)."""
    head = _b64(json.dumps(header or {"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(payload).encode())
    signature = hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(signature)}"


def _refused(codec: TokenCodec, token: str, code: str = "invalid_token") -> AuthenticationError:
    with pytest.raises(AuthenticationError) as info:
        codec.decode(token)
    assert info.value.code == code
    assert info.value.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    return info.value


def test_round_trip_carries_identity_claims() -> None:
    codec = _codec()
    user_id, session_id = uuid.uuid4(), uuid.uuid4()
    token, issued = codec.issue(
        user_id=user_id, session_id=session_id, version=3, role="admin", tier="pro"
    )
    claims = codec.decode(token)
    assert (claims.user_id, claims.session_id, claims.version) == (user_id, session_id, 3)
    assert (claims.role, claims.tier, claims.token_id) == ("admin", "pro", issued.token_id)
    payload = _payload(token)
    assert {"exp", "nbf", "iat", "iss", "aud", "sub", "jti"} <= set(payload)


def test_alg_none_is_refused() -> None:
    codec = _codec()
    payload = _payload(_issue(codec))
    unsigned = jwt.encode(payload, key=None, algorithm="none")  # type: ignore[arg-type]
    _refused(codec, unsigned)
    head = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    _refused(codec, f"{head}.{_b64(json.dumps(payload).encode())}.")


def test_wrong_key_is_refused() -> None:
    forged = _issue(TokenCodec(SecuritySettings(jwt_secret="another-secret-" + "x" * 32)))
    _refused(_codec(), forged)


def test_tampered_payload_is_refused() -> None:
    codec = _codec()
    head, _, signature = _issue(codec).split(".")
    payload = _payload(_issue(codec))
    payload["role"] = "admin"
    _refused(codec, f"{head}.{_b64(json.dumps(payload).encode())}.{signature}")


def test_expired_token_is_refused_with_its_own_code() -> None:
    codec = _codec(access_token_ttl_s=60, jwt_leeway_s=0)
    _refused(codec, _issue(codec, now=time.time() - 120), code="token_expired")


def test_not_yet_valid_token_is_refused() -> None:
    codec = _codec(jwt_leeway_s=0)
    _refused(codec, _issue(codec, now=time.time() + 600))


@pytest.mark.parametrize(
    ("issuer_codec", "claim"),
    [({"jwt_audience": "someone-else"}, "aud"), ({"jwt_issuer": "someone-else"}, "iss")],
)
def test_wrong_audience_or_issuer_is_refused(issuer_codec: dict[str, str], claim: str) -> None:
    foreign = _issue(_codec(**issuer_codec))
    assert _payload(foreign)[claim] == "someone-else"
    _refused(_codec(), foreign)


@pytest.mark.parametrize("missing", ["exp", "nbf", "iat", "iss", "aud", "sub", "jti", "ver"])
def test_token_missing_a_required_claim_is_refused(missing: str) -> None:
    payload = _payload(_issue(_codec()))
    del payload[missing]
    _refused(_codec(), _hs256(payload, SECRET.encode()))


def test_token_of_another_type_is_refused() -> None:
    payload = _payload(_issue(_codec()))
    payload["typ"] = "refresh"
    _refused(_codec(), _hs256(payload, SECRET.encode()))


def _write_keys(tmp_path: Path, private: Any) -> tuple[Path, Path]:
    private_file, public_file = tmp_path / "jwt.pem", tmp_path / "jwt.pub"
    private_file.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public_file.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private_file, public_file


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_rs256_round_trip_and_hs256_confusion_refused(
    tmp_path: Path, rsa_key: rsa.RSAPrivateKey
) -> None:
    private_file, public_file = _write_keys(tmp_path, rsa_key)
    codec = _codec(
        jwt_algorithm="RS256", jwt_private_key_file=private_file, jwt_public_key_file=public_file
    )
    token = _issue(codec)
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert codec.decode(token).role == "user"
    # The classic confusion attack: HS256 signed with the (public) verification key as secret.
    confused = _hs256(_payload(token), public_file.read_bytes())
    _refused(codec, confused)


def test_rs256_token_signed_by_another_key_pair_is_refused(
    tmp_path: Path, rsa_key: rsa.RSAPrivateKey
) -> None:
    private_file, _ = _write_keys(tmp_path, rsa_key)
    codec = _codec(jwt_algorithm="RS256", jwt_private_key_file=private_file)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(_payload(_issue(codec)), stranger, algorithm="RS256")
    _refused(codec, forged)


def test_eddsa_round_trip(tmp_path: Path) -> None:
    private_file, _ = _write_keys(tmp_path, ed25519.Ed25519PrivateKey.generate())
    codec = _codec(jwt_algorithm="EdDSA", jwt_private_key_file=private_file)
    assert codec.decode(_issue(codec)).tier == "free"
    # An HS256 token under the default secret means nothing to an EdDSA gateway.
    _refused(codec, _issue(_codec()))


def test_key_pair_settings_are_checked_at_startup(
    tmp_path: Path, rsa_key: rsa.RSAPrivateKey
) -> None:
    with pytest.raises(SettingsError, match="JWT_PRIVATE_KEY_FILE must be set"):
        _codec(jwt_algorithm="RS256")
    with pytest.raises(SettingsError, match="cannot read"):
        _codec(jwt_algorithm="RS256", jwt_private_key_file=tmp_path / "missing.pem")
    private_file, _ = _write_keys(tmp_path, rsa_key)
    with pytest.raises(SettingsError, match="does not fit EdDSA"):
        _codec(jwt_algorithm="EdDSA", jwt_private_key_file=private_file)


def test_public_key_of_another_pair_or_type_fails_at_startup(
    tmp_path: Path, rsa_key: rsa.RSAPrivateKey
) -> None:
    private_file, _ = _write_keys(tmp_path, rsa_key)
    others = [rsa.generate_private_key(public_exponent=65537, key_size=2048), _ed25519()]
    for i, other in enumerate(others):
        (tmp_path / str(i)).mkdir()
        _, other_public = _write_keys(tmp_path / str(i), other)
        with pytest.raises(SettingsError, match="not the same key pair"):
            _codec(
                jwt_algorithm="RS256",
                jwt_private_key_file=private_file,
                jwt_public_key_file=other_public,
            )


def _ed25519() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


def test_token_living_longer_than_the_configured_ttl_is_refused() -> None:
    # Issued before an operator lowered the TTL: the deny-list only covers the new lifetime,
    # so such a token must not be accepted at all.
    long_lived = _issue(_codec(access_token_ttl_s=3600))
    short = _codec(access_token_ttl_s=900)
    _refused(short, long_lived)
    assert short.decode(_issue(short)).role == "user"


@pytest.mark.parametrize("field", ["kid", "jku", "x5u", "jwk"])
def test_key_naming_headers_cannot_redirect_verification(field: str) -> None:
    codec = _codec()
    payload = _payload(_issue(codec))
    attacker_key = b"attacker-controlled-secret-0123456789abcdef"
    header = {"alg": "HS256", "typ": "JWT", field: "https://attacker.example/key"}
    _refused(codec, _hs256(payload, attacker_key, header))
