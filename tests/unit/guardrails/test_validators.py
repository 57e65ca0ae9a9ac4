"""Luhn, Korean resident registration numbers and reserved e-mail domains."""

from __future__ import annotations

import pytest

from llm_gateway.guardrails.validators import (
    card_number_valid,
    email_reportable,
    luhn_valid,
    rrn_checksum_valid,
    rrn_valid,
)


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("4111111111111111", True),
        ("4111111111111112", False),
        ("378282246310005", True),
        ("79927398713", True),
        ("79927398710", False),
        ("4111-1111-1111-111a", False),
    ],
)
def test_luhn(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


@pytest.mark.parametrize(
    ("raw", "valid"),
    [
        ("4111 1111 1111 1111", True),
        ("4111-1111-1111-1111", True),
        ("3782 822463 10005", True),  # Amex grouping
        ("4111 1111 1111 1112", False),  # Luhn fails
        ("41 11111 111 111 111", False),  # not grouped like a card
        ("1111111111111117", False),  # no issuer starts with 1
        ("0000000000000000", False),
    ],
)
def test_card_numbers(raw: str, valid: bool) -> None:
    assert card_number_valid(raw) is valid


def test_rrn_checksum() -> None:
    assert rrn_checksum_valid("9001011234568")
    assert not rrn_checksum_valid("9001011234567")


@pytest.mark.parametrize(
    ("raw", "valid"),
    [
        ("900101-1234568", True),
        ("900101-1234567", True),  # hyphenated: post-2020 numbers carry no check digit
        ("9001011234568", True),
        ("9001011234567", False),  # a bare 13-digit run must pass the checksum
        ("901301-1234568", False),  # month 13
        ("900230-1234568", False),  # 30 February
        ("900101-9234568", False),  # gender digit 9 is not issued
    ],
)
def test_rrn(raw: str, valid: bool) -> None:
    assert rrn_valid(raw) is valid


def test_documentation_domains_are_not_personal_data() -> None:
    assert not email_reportable("user@example.com")
    assert not email_reportable("a@mail.example")
    assert email_reportable("kim@naver.com")
