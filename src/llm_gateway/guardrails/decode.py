"""Encoded payloads: base64, hex and ROT13 text decoded so the checks can read what they hide.

Each decoder scans the prompt once with a bounded regex and decodes at most ``MAX_PAYLOADS``
runs of at most ``MAX_RUN`` characters, so the cost stays linear. A decoded run counts only if it
is mostly printable text (random tokens and hashes decode to noise and are dropped). ROT13 is
applied only when the prompt names it, since any Latin text "decodes" to something.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re

MAX_PAYLOADS = 4
MAX_RUN = 4096
_B64 = re.compile(r"[A-Za-z0-9+/]{16,4096}={0,2}|[A-Za-z0-9_-]{16,4096}={0,2}")
_HEX = re.compile(r"(?:(?:\\x|0x)?[0-9a-fA-F]{2}[ :]?){8,2048}")
_HEX_STRIP = re.compile(r"\\x|0x|[ :]")
_ROT13_CUE = re.compile(r"rot[ -]?13|caesar|카이사르|시저", re.IGNORECASE)


def _printable(text: str) -> bool:
    if len(text) < 6:
        return False
    good = sum(1 for ch in text if ch.isprintable() or ch in "\n\t")
    letters = sum(1 for ch in text if ch.isalpha())
    return good >= 0.95 * len(text) and letters >= 0.5 * len(text.replace(" ", ""))


def _b64(run: str) -> str | None:
    padded = run + "=" * (-len(run) % 4)
    try:
        raw = base64.b64decode(padded, altchars=b"-_" if "-" in run or "_" in run else None)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    return text if _printable(text) else None


def _hex(run: str) -> str | None:
    digits = _HEX_STRIP.sub("", run)
    if len(digits) % 2:
        digits = digits[:-1]
    try:
        text = bytes.fromhex(digits).decode("utf-8")
    except ValueError:
        return None
    return text if _printable(text) else None


def decoded_payloads(text: str) -> list[str]:
    """Readable text hidden in base64 or hex runs of ``text``, and its ROT13 when it asks so."""
    found: list[str] = []
    for regex, decode in ((_B64, _b64), (_HEX, _hex)):
        for match in regex.finditer(text):
            if len(found) >= MAX_PAYLOADS:
                break
            plain = decode(match.group(0))
            if plain is not None:
                found.append(plain)
    if _ROT13_CUE.search(text):
        found.append(codecs.encode(text[:MAX_RUN], "rot13"))
    return found
