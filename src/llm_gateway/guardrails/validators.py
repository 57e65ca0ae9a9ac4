"""Checksums and plausibility tests that turn digit-run matches into real PII findings."""

from __future__ import annotations

import re
from datetime import date

_SEPARATORS = re.compile(r"[\s\-.()]")
_CARD_GROUPS = re.compile(r"\d{4}(?:[ -]\d{4}){2}[ -]\d{1,7}|\d{4}[ -]\d{6}[ -]\d{4,5}")
# Reserved documentation domains (RFC 2606 / 6761): an answer showing "user@example.com" leaks
# nothing, and masking it would damage every tutorial.
_RESERVED_DOMAINS = re.compile(
    r"(?:^|\.)(?:example\.(?:com|org|net)|example|test|invalid|localhost)$"
)


def digits_of(text: str) -> str:
    return _SEPARATORS.sub("", text)


def luhn_valid(number: str) -> bool:
    """True when ``number`` (digits only) passes the Luhn mod-10 check used by card numbers."""
    if not number.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def card_number_valid(raw: str) -> bool:
    """A plausible payment card: 13-19 digits, a known leading digit, Luhn, sane grouping."""
    number = digits_of(raw)
    if not 13 <= len(number) <= 19 or number[0] not in "234569":
        return False
    if len(set(number)) == 1:
        return False
    # Separated numbers must be grouped like cards (4-4-4-x or Amex 4-6-5), not any digit soup.
    if not raw.isdigit() and _CARD_GROUPS.fullmatch(raw) is None:
        return False
    return luhn_valid(number)


_RRN_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)


def rrn_checksum_valid(number: str) -> bool:
    """The pre-2020 check digit of a Korean resident registration number (13 digits)."""
    if len(number) != 13 or not number.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:12], _RRN_WEIGHTS, strict=True))
    return (11 - total % 11) % 10 == int(number[12])


def rrn_date_valid(number: str) -> bool:
    """The birth date encoded in the first seven digits exists (century from the gender digit)."""
    if len(number) < 7 or not number[:7].isdigit():
        return False
    century = {"1": 1900, "2": 1900, "3": 2000, "4": 2000, "5": 1900, "6": 1900, "7": 2000}
    century.update({"8": 2000, "9": 1800, "0": 1800})
    try:
        date(century[number[6]] + int(number[:2]), int(number[2:4]), int(number[4:6]))
    except ValueError:
        return False
    return number[6] in "12345678"


def rrn_valid(raw: str) -> bool:
    """A Korean resident registration number.

    Numbers issued since October 2020 no longer carry a check digit, so the hyphenated form
    (``YYMMDD-GNNNNNN``, distinctive on its own) needs only a valid date and gender digit; a bare
    13-digit run must also pass the old checksum, or any long number would be masked.
    """
    number = digits_of(raw)
    if len(number) != 13 or not rrn_date_valid(number):
        return False
    return "-" in raw or rrn_checksum_valid(number)


def phone_digits_valid(raw: str) -> bool:
    """An international number has 8 to 15 digits (E.164)."""
    return 8 <= len(digits_of(raw).lstrip("+")) <= 15


def email_reportable(raw: str) -> bool:
    domain = raw.rsplit("@", 1)[-1].lower()
    return _RESERVED_DOMAINS.search(domain) is None
