"""Output guardrail: leaked secrets and personal data are found and masked exactly."""

from __future__ import annotations

import pytest

from llm_gateway.core.config import GuardrailSettings
from llm_gateway.guardrails import GuardrailEngine

PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAuZ0x9k1Qv0u3sB2n\nq8T1h2l4rN3v8KzX0c1YbQ==\n"
    "-----END RSA PRIVATE KEY-----"
)
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"

SECRETS = [
    ("sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1w", "secret.openai_key", "API_KEY"),
    ("sk-ant-api03-Zx8yW7vU6tS5rQ4pO3nM2lK1j", "secret.anthropic_key", "API_KEY"),
    ("sk-gw-Q2w3E4r5T6y7U8i9O0p1", "secret.gateway_key", "API_KEY"),
    ("AKIAIOSFODNN7EXAMPLE", "secret.aws_access_key", "AWS_KEY"),
    ("ghp_1234567890abcdefghijABCDEFGHIJ123456", "secret.github_token", "GITHUB_TOKEN"),
    ("github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "secret.github_token", "GITHUB_TOKEN"),
    ("AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", "secret.google_api_key", "API_KEY"),
    ("xoxb-1234567890-abcdefghij", "secret.slack_token", "SLACK_TOKEN"),
    ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "secret.stripe_key", "API_KEY"),
    ("glpat-xY9zW8vU7tS6rQ5pO4nM", "secret.gitlab_token", "GITLAB_TOKEN"),
    ("hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "secret.huggingface_token", "API_KEY"),
    (JWT, "secret.jwt", "JWT"),
    (PEM, "secret.private_key", "PRIVATE_KEY"),
]

PII = [
    ("kim.minsu@naver.com", "pii.email", "EMAIL"),
    ("010-1234-5678", "pii.phone_kr", "PHONE"),
    ("01012345678", "pii.phone_kr", "PHONE"),
    ("+82 10-1234-5678", "pii.phone_kr", "PHONE"),
    ("02-312-4567", "pii.phone_kr", "PHONE"),
    ("(415) 555-2671", "pii.phone", "PHONE"),
    ("+44 20 7946 0958", "pii.phone", "PHONE"),
    ("900101-1234568", "pii.rrn", "RRN"),
    ("4111 1111 1111 1111", "pii.card_number", "CARD_NUMBER"),
    ("5500-0000-0000-0004", "pii.card_number", "CARD_NUMBER"),
]


@pytest.mark.parametrize(("value", "rule_id", "label"), SECRETS + PII)
def test_leak_is_masked_in_place(
    engine: GuardrailEngine, value: str, rule_id: str, label: str
) -> None:
    text = f"Sure! Here it is: {value} — anything else?"
    verdict = engine.check_output(text)
    assert verdict.action == "mask"
    assert verdict.rule_ids == (rule_id,)
    assert verdict.masked_text == f"Sure! Here it is: [REDACTED:{label}] — anything else?"


@pytest.mark.parametrize(
    "text",
    [
        "The meeting is on 2024-01-15 at 10:30, room 301.",
        "Order number 1234567890123 shipped.",  # 13 digits, not a valid resident number
        "Card 4111 1111 1111 1112 fails the Luhn check.",
        "Write to user@example.com for the tutorial.",
        "Use sk-... as a placeholder for your key.",
        "Version 3.10.12 and port 8080 are required.",
        "The sequence 1 2 3 4 5 6 7 8 9 10 11 12 13 is counting.",
        "Python's AKIA prefix is mentioned here but no key.",
        "BEGIN PRIVATE KEY is the header of a PEM file.",
    ],
)
def test_ordinary_text_is_allowed_untouched(engine: GuardrailEngine, text: str) -> None:
    verdict = engine.check_output(text)
    assert verdict.action == "allow", verdict.rule_ids
    assert verdict.masked_text == text


def test_several_findings_are_masked_and_the_rest_is_kept(engine: GuardrailEngine) -> None:
    text = "이메일 hong@daum.net, 전화 010-9876-5432, 키 sk-abcdefghijklmnopqrstuvwxyz12 입니다."
    verdict = engine.check_output(text)
    assert verdict.masked_text == (
        "이메일 [REDACTED:EMAIL], 전화 [REDACTED:PHONE], 키 [REDACTED:API_KEY] 입니다."
    )
    assert set(verdict.categories) == {"pii", "secret"}


def test_aws_secret_masks_the_key_not_its_name(engine: GuardrailEngine) -> None:
    text = "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    verdict = engine.check_output(text)
    assert verdict.masked_text == "aws_secret_access_key = [REDACTED:AWS_KEY]"


def test_unterminated_private_key_is_masked_to_the_end(engine: GuardrailEngine) -> None:
    text = "Here:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA"
    verdict = engine.check_output(text)
    assert verdict.masked_text == "Here:\n[REDACTED:PRIVATE_KEY]"


def test_regenerate_policy_is_bounded() -> None:
    engine = GuardrailEngine(GuardrailSettings(secret_action="regenerate", max_regenerations=2))
    verdict = engine.check_output("the key is sk-abcdefghijklmnopqrstuvwxyz12")
    assert verdict.action == "regenerate"
    assert [engine.resolve_output(verdict, done) for done in range(4)] == [
        "regenerate",
        "regenerate",
        "refuse",
        "refuse",
    ]
    # PII stays on its own action: a masked e-mail alone does not trigger a regeneration.
    pii_only = engine.check_output("write to kim@naver.com")
    assert engine.resolve_output(pii_only, 0) == "mask"


def test_allow_action_and_disabled_rules_switch_checks_off() -> None:
    engine = GuardrailEngine(GuardrailSettings(pii_action="allow", disabled_rules=["secret.jwt"]))
    text = f"mail kim@naver.com token {JWT}"
    verdict = engine.check_output(text)
    assert verdict.action == "allow"
    assert verdict.masked_text == text
