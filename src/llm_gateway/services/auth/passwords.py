"""Password hashing (argon2id, off the event loop) and the password policy."""

from __future__ import annotations

import asyncio
import os
import secrets
import string
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from llm_gateway.core.config import SecuritySettings
from llm_gateway.core.exceptions import UnprocessableError

_COMMON_PASSWORDS_RESOURCE = "data/common_passwords.txt"
_TRAILING_NOISE = string.digits + string.punctuation + " "
_MIN_EMAIL_PART = 3  # shorter local parts ("al@...") would reject too many honest passwords


def load_common_passwords() -> frozenset[str]:
    """The bundled list of passwords attackers try first, lowercased."""
    text = resources.files(__package__).joinpath(_COMMON_PASSWORDS_RESOURCE).read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


class PasswordPolicyError(UnprocessableError):
    """The new password breaks a rule; ``code`` names the rule."""

    def __init__(self, message: str, *, rule: str, param: str = "password") -> None:
        super().__init__(message, code=rule, param=param)


class PasswordService:
    """argon2id hashing with a bounded number of concurrent hashes, plus the policy.

    Hashing runs in worker threads (argon2-cffi releases the GIL) and a semaphore bounds how many
    run at once, so a login burst costs a bounded amount of memory instead of ``n * memory_kib``.
    """

    def __init__(self, settings: SecuritySettings, common: frozenset[str] | None = None) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
            type=Type.ID,
        )
        self._min_length = settings.password_min_length
        self._max_length = settings.password_max_length
        self._common = load_common_passwords() if common is None else common
        self._slots = asyncio.Semaphore(max(2, os.cpu_count() or 2))
        # Verified against when the e-mail is unknown, so both paths do the same work.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(24))

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; with ``None`` a dummy hash is checked, then False."""
        target = password_hash if password_hash is not None else self._dummy_hash
        async with self._slots:
            try:
                await asyncio.to_thread(self._hasher.verify, target, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False
        return password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters than the configured ones."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    def check_policy(self, password: str, *, email: str, param: str = "password") -> None:
        """Raise PasswordPolicyError (422) naming the first rule ``password`` breaks."""
        if len(password) < self._min_length:
            raise PasswordPolicyError(
                f"Password must be at least {self._min_length} characters long",
                rule="password_too_short",
                param=param,
            )
        if len(password) > self._max_length:
            raise PasswordPolicyError(
                f"Password must be at most {self._max_length} characters long",
                rule="password_too_long",
                param=param,
            )
        lowered = password.lower()
        stem = lowered.rstrip(_TRAILING_NOISE)
        if lowered in self._common or stem in self._common or len(set(lowered)) < 4:
            raise PasswordPolicyError(
                "Password is too common or too easy to guess",
                rule="password_too_common",
                param=param,
            )
        email = email.strip().lower()
        local = email.partition("@")[0]
        if email in lowered or (len(local) >= _MIN_EMAIL_PART and local in lowered):
            part = email if email in lowered else local
            raise PasswordPolicyError(
                f"Password must not contain the e-mail address or its name part ('{part}')",
                rule="password_contains_email",
                param=param,
            )
