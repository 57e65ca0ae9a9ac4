"""Rule table for the output guardrail: leaked credentials and personal data.

Provider key formats follow the providers' published prefixes. PII patterns find candidates that a
validator (Luhn, resident-number date and checksum, E.164 length) confirms, so a random digit run
in an answer is not masked. Patterns run on the raw answer: masking replaces exact slices of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from llm_gateway.guardrails.validators import (
    card_number_valid,
    email_reportable,
    phone_digits_valid,
    rrn_valid,
)

Family = Literal["secret", "pii"]


@dataclass(frozen=True, slots=True)
class OutputPattern:
    id: str
    family: Family
    label: str  # the placeholder: "[REDACTED:<label>]"
    regex: re.Pattern[str]
    validator: Callable[[str], bool] | None = None
    group: str | int = 0  # the part of the match that is masked (a key, not "aws_secret=")


def _p(
    id_: str,
    family: Family,
    label: str,
    pattern: str,
    validator: Callable[[str], bool] | None = None,
    *,
    group: str | int = 0,
    flags: int = 0,
) -> OutputPattern:
    return OutputPattern(id_, family, label, re.compile(pattern, flags), validator, group)


SECRET_PATTERNS: tuple[OutputPattern, ...] = (
    _p(
        "secret.private_key",
        "secret",
        "PRIVATE_KEY",
        # An unterminated block (a truncated answer, a stream) is masked to the end of the text.
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
        r"(?:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|.*\Z)",
        flags=re.DOTALL,
    ),
    _p("secret.anthropic_key", "secret", "API_KEY", r"\bsk-ant-[A-Za-z0-9_\-]{20,}"),
    # This gateway's own API keys, refresh and reset tokens (services/auth/credentials.py).
    _p("secret.gateway_key", "secret", "API_KEY", r"\b(?:sk|rt|pr)-gw-[A-Za-z0-9_\-]{16,}"),
    _p(
        "secret.openai_key",
        "secret",
        "API_KEY",
        r"\bsk-(?!ant-|gw-)(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_\-]{20,}",
    ),
    _p(
        "secret.aws_access_key",
        "secret",
        "AWS_KEY",
        r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b",
    ),
    _p(
        "secret.aws_secret_key",
        "secret",
        "AWS_KEY",
        r"(?i:aws_?secret(?:_?access)?_?key|secret_?access_?key)[\"']?\s*[:=]\s*[\"']?"
        r"(?P<secret>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])",
        group="secret",
    ),
    _p(
        "secret.github_token",
        "secret",
        "GITHUB_TOKEN",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b",
    ),
    _p("secret.gitlab_token", "secret", "GITLAB_TOKEN", r"\bglpat-[A-Za-z0-9_\-]{20,}"),
    _p("secret.google_api_key", "secret", "API_KEY", r"\bAIza[0-9A-Za-z_\-]{35}(?![\w-])"),
    _p("secret.slack_token", "secret", "SLACK_TOKEN", r"\bxox[abposr]-[A-Za-z0-9\-]{10,}"),
    _p("secret.stripe_key", "secret", "API_KEY", r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"),
    _p("secret.huggingface_token", "secret", "API_KEY", r"\bhf_[A-Za-z0-9]{30,}\b"),
    _p(
        "secret.jwt",
        "secret",
        "JWT",
        r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
    ),
)

# Literal pieces at least one of which is in every secret above (kept next to the table it
# summarizes; the masking tests exercise each pattern through it).
SECRET_TRIGGER = re.compile(
    r"sk-|-gw-|[sr]k_(?:live|test)_|-----BEGIN|eyJ|A(?:KIA|SIA|BIA|CCA|GPA|IDA|ROA|NPA|NVA|IPA)|"
    r"gh[pousr]_|github_pat_|glpat-|AIza|xox[abposr]-|hf_|(?i:secret)"
)

_SEP = r"[\-\s.]?"
PII_PATTERNS: tuple[OutputPattern, ...] = (
    _p(
        "pii.email",
        "pii",
        "EMAIL",
        r"(?<![\w.+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
        r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}\b",
        email_reportable,
    ),
    _p(
        "pii.rrn",
        "pii",
        "RRN",
        r"(?<![\d\-])\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:\s?-\s?|)[1-8]\d{6}(?![\d\-])",
        rrn_valid,
    ),
    _p(
        "pii.card_number",
        "pii",
        "CARD_NUMBER",
        r"(?<![\d\-])\d{4}(?:[ \-]?\d){9,15}(?![\d\-])",
        card_number_valid,
    ),
    _p(
        "pii.phone_kr",
        "pii",
        "PHONE",
        # Mobile 010-1234-5678, landline 02-123-4567 / 031-123-4567, VoIP 070, with +82 forms.
        rf"(?<![\d+])(?:\+82{_SEP}(?:\(0\))?{_SEP}(?:1[016789]|2|[3-6][1-5]|70)|0(?:1[016789]|2|"
        rf"[3-6][1-5]|70))[\-\s.)]{{0,2}}\d{{3,4}}{_SEP}\d{{4}}(?!\d)",
    ),
    _p(
        "pii.phone",
        "pii",
        "PHONE",
        # +<country> numbers and North-American (555) 123-4567 / 555-123-4567 forms.
        r"(?<![\w+])\+[1-9]\d{0,2}(?:[\-\s.]?\(?\d{1,4}\)?){2,5}(?!\d)|"
        r"(?<![\d\-])(?:\(\d{3}\)\s?|\d{3}[\-.])\d{3}[\-.]\d{4}(?![\d\-])",
        phone_digits_valid,
    ),
)

# Korean bank account numbers have no checksum anyone publishes and many layouts (신한 3-3-6,
# 국민 6-2-6, 우리 4-3-6, 농협 3-4-4-2, 카카오뱅크 4-2-7): a hyphenated 10-14 digit number counts
# only right after an account word, so order numbers and dates are left alone.
_BANK_CONTEXT = r"(?:계좌|은행|입금|송금|이체|예금주|뱅크|account|acct|iban|bank)"
BANK_ACCOUNT = _p(
    "pii.bank_account_kr",
    "pii",
    "BANK_ACCOUNT",
    _BANK_CONTEXT + r"[^\d\n]{0,24}(?<![\d\-])(\d{2,6}-\d{2,6}-\d{2,7}(?:-\d{1,3})?)(?![\d\-])",
    lambda v: 10 <= sum(c.isdigit() for c in v) <= 14,
    group=1,
    flags=re.IGNORECASE,
)
PII_PATTERNS = (*PII_PATTERNS, BANK_ACCOUNT)

PII_TRIGGER = re.compile(r"[0-9@]")  # every PII pattern has a digit or an at sign

ALL_OUTPUT_PATTERNS: tuple[OutputPattern, ...] = SECRET_PATTERNS + PII_PATTERNS
