"""Evasion-resistant rewrites of a prompt that input patterns match against.

Attackers dodge keyword rules with look-alike characters (full-width letters, ligatures), invisible
characters (zero-width space, soft hyphen, bidi marks), leetspeak (``1gn0re``), letter spacing
(``i g n o r e``, ``i.g.n.o.r.e``) and, in Korean, spacing inside words (``이 전 지 시``). Two views
cover these: ``text`` (NFKC, case-folded, invisible characters gone, leetspeak and spaced letters
folded, whitespace collapsed) for English patterns, and ``compact`` (``text`` without any
whitespace or punctuation) for Korean patterns, whose word spacing is free anyway.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from llm_gateway.guardrails.decode import decoded_payloads
from llm_gateway.guardrails.hangul import attach_finals, expand_chosung

# Zero-width, joiners, soft hyphen, bidi controls, BOM, word joiner, Hangul fillers.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufeff\uffa0]"
)
# Leetspeak digits and symbols, applied only inside tokens that also contain letters so plain
# numbers ("2 + 2", "1990") are untouched.
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
# Anchored at token starts: an unanchored alternation here cost 8x more on long prompts.
_LEET_TOKEN = re.compile(r"(?<![\w@$])(?=[\w@$]*[0-9@$])(?=[\w@$]*[a-z])[\w@$]+")
# Four or more single characters separated by one space or one punctuation mark: "i g n o r e".
_SPACED = re.compile(r"(?<![^\W_])(?:[^\W_][ .\-_*·]){3,}[^\W_](?![^\W_])")
_SPACED_SEP = re.compile(r"[ .\-_*·]")
_WHITESPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[\W_]+")
# Cyrillic and Greek letters that look like Latin ones. Folded only inside words that also hold
# Latin letters ("іgnоrе" with Cyrillic і, о, е), so real Russian or Greek text is left alone.
_CONFUSABLES = str.maketrans(
    "аеорсухіјѕԁһкмтвпгӏαεικνορτυχ",
    "aeopcyxijsdhkmtbnrlaeiknoptux",
)
_WORD = re.compile(r"[^\W\d_]+")  # one pass, no backtracking: the check is in ``_unconfuse``
_ASCII_LETTER = re.compile(r"[a-z]")
_HANGUL = re.compile("[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
# Escaped newlines pasted as text ("\n\nIgnore ...") separate instructions as real ones do. The
# letter after the escape is not checked: the text is case-folded by now, so "\nIgnore" would
# read as "\nignore" and slip through. Matched only from the start of a backslash run, without
# backtracking into it: ``\\+`` tried at every position of a long run was quadratic.
_LITERAL_ESCAPES = re.compile(r"(?<!\\)\\++\s?[nrt]")


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """The views of one prompt that input patterns run on."""

    text: str
    compact: str
    hangul: bool  # Korean patterns are skipped for text without Hangul (most of their cost)
    decoded: tuple[str, ...] = ()  # base64 / hex / ROT13 payloads, normalized, also in ``text``

    @property
    def classifier(self) -> str:
        """What the classifier reads: the pattern view (decoded payloads included)."""
        return self.text


def _unleet(match: re.Match[str]) -> str:
    return match.group(0).translate(_LEET)


def _unspace(match: re.Match[str]) -> str:
    return _SPACED_SEP.sub("", match.group(0))


def _unconfuse(match: re.Match[str]) -> str:
    word = match.group(0)
    if word.isascii() or _ASCII_LETTER.search(word) is None:
        return word
    return word.translate(_CONFUSABLES)


def _fold(raw: str) -> str:
    text = unicodedata.normalize("NFKC", expand_chosung(raw))
    text = attach_finals(_INVISIBLE.sub("", text)).casefold()
    if not text.isascii():
        text = _WORD.sub(_unconfuse, text)
    return text


def normalize(raw: str) -> NormalizedText:
    """Return the pattern views of ``raw``; cost is linear in its length.

    Encoded payloads (base64, hex, ROT13 when named) are decoded, normalized the same way and
    appended to the text, so an instruction hidden in them meets the same checks.
    """
    payloads = tuple(_fold(p) for p in decoded_payloads(raw))
    text = " \n ".join((_fold(raw), *payloads)) if payloads else _fold(raw)
    text = _LITERAL_ESCAPES.sub(" ", text)
    text = _LEET_TOKEN.sub(_unleet, text)
    text = _WHITESPACE.sub(" ", text).strip()
    text = _SPACED.sub(_unspace, text)
    compact = _NON_WORD.sub("", text)
    hangul = _HANGUL.search(compact) is not None
    return NormalizedText(text=text, compact=compact, hangul=hangul, decoded=payloads)
