"""Password hashing (argon2id, rehash on parameter change) and the policy's named rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from llm_gateway.core.config import SecuritySettings
from llm_gateway.services.auth.passwords import (
    PasswordPolicyError,
    PasswordService,
    load_common_passwords,
)

CHEAP = {"argon2_time_cost": 1, "argon2_memory_kib": 64, "argon2_parallelism": 1}


@pytest.fixture(scope="module")
def service() -> PasswordService:
    return PasswordService(SecuritySettings(**CHEAP))


async def test_hash_is_argon2id_and_verifies(service: PasswordService) -> None:
    hashed = await service.hash("a long enough passphrase")
    assert hashed.startswith("$argon2id$")
    assert "a long enough passphrase" not in hashed
    assert await service.verify(hashed, "a long enough passphrase")
    assert not await service.verify(hashed, "a long enough passphrasE")


async def test_unknown_user_path_does_the_work_and_fails(service: PasswordService) -> None:
    assert not await service.verify(None, "anything at all")


async def test_garbage_hash_is_a_mismatch_not_a_crash(service: PasswordService) -> None:
    assert not await service.verify("not-a-hash", "whatever")


async def test_rehash_needed_when_parameters_change(service: PasswordService) -> None:
    old = await service.hash("rotate me please 42")
    assert not service.needs_rehash(old)
    stronger = PasswordService(SecuritySettings(**{**CHEAP, "argon2_time_cost": 2}))
    assert stronger.needs_rehash(old)
    assert await stronger.verify(old, "rotate me please 42")  # old hashes keep working


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short", "password_too_short"),
        ("x" * 300, "password_too_long"),
        ("password123", "password_too_common"),
        ("Qwertyuiop", "password_too_common"),
        ("Summer2025!!", "password_too_common"),  # a listed word plus digits and symbols
        ("aaaaaaaaaaaa", "password_too_common"),
        ("alice.smith-rocks", "password_contains_email"),
        ("my alice.smith@example.com!", "password_contains_email"),
    ],
)
def test_policy_names_the_failed_rule(service: PasswordService, password: str, rule: str) -> None:
    with pytest.raises(PasswordPolicyError) as info:
        service.check_policy(password, email="Alice.Smith@Example.com")
    assert info.value.code == rule
    assert info.value.status_code == 422
    assert info.value.param == "password"


@pytest.mark.parametrize(
    "password", ["correct horse battery", "Tr0ub4dor&3-extended", "x7#kLm2pQ9"]
)
def test_policy_accepts_reasonable_passwords(service: PasswordService, password: str) -> None:
    service.check_policy(password, email="alice.smith@example.com")


def test_minimum_length_is_configurable() -> None:
    strict = PasswordService(SecuritySettings(**CHEAP, password_min_length=20))
    with pytest.raises(PasswordPolicyError, match="at least 20"):
        strict.check_policy("only nineteen chars", email="bob@example.com")


def test_bundled_common_list_ships_with_the_package() -> None:
    common = load_common_passwords()
    assert {"password", "123456", "qwertyuiop", "iloveyou"} <= common
    assert all(entry == entry.lower() for entry in common)


def test_the_readme_admin_example_passes_the_policy(service: PasswordService) -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    match = re.search(r"LLMGW_AUTH__ADMIN_PASSWORD='([^']+)'", readme)
    assert match is not None
    service.check_policy(match.group(1), email="admin@example.com")  # no PasswordPolicyError


def test_the_email_rule_names_what_matched(service: PasswordService) -> None:
    with pytest.raises(PasswordPolicyError) as info:
        service.check_policy("a-long-admin-passphrase", email="admin@example.com")
    assert "'admin'" in info.value.message
