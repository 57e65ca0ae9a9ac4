"""Numbers, times and units a prompt names: the verifier's ``numbers_differ``, ``times_differ``
and ``units_differ`` features (English and Korean), split from ``features.py``.

Numbers are digits and number words (an ordinal is kept apart: 두 번째 is not 두). English
unit words count anywhere (one-letter ones only after a digit: "5 m"); Korean ones after a
digit, or as a word of several syllables with the ending a question gives it (제곱미터예요).
"""

from __future__ import annotations

import re

from llm_gateway.cache.semantic.lexicon import NUMBER_WORDS, TIME_WORDS, UNIT_WORDS

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_ORDINAL = re.compile(r"\S ?번째|\d(?:st|nd|rd|th)\b")
_UNIT_AFTER_DIGIT = re.compile(r"\d\s*([A-Za-z%]+|[\uac00-\ud7a3]+)")

# Endings a Korean unit word takes in a question (제곱미터예요, 마일로): several-syllable units
# only (분, 일, 원 are words of their own, counted after a digit).
_KO_UNIT_ENDINGS = (
    *("예요", "이에요", "이야", "야", "인가요", "으로", "로", "은", "는", "이", "가"),
    *("을", "를", "에", "당", "이면", "면", "짜리", ""),
)


def numbers(text: str, toks: list[str]) -> set[str]:
    """Numbers present, commas dropped; all marked ordinal when the prompt counts one."""
    found = {n.replace(",", "") for n in _NUMBER.findall(text)}
    found.update(NUMBER_WORDS[t] for t in toks if t in NUMBER_WORDS)
    if _ORDINAL.search(text):
        found = {f"ordinal:{n}" for n in found}  # 두 번째 (second) is not 두 (two)
    if "how" in toks and "2" in found and " 2 " in f" {text} ":
        found.discard("2")  # "how 2 fix" (to)
    return found


def times(text: str, toks: list[str]) -> set[str]:
    """Time words present (whole English words, Korean word starts)."""
    found = {TIME_WORDS[t] for t in toks if t in TIME_WORDS}
    for raw in text.split():
        found.update(v for k, v in TIME_WORDS.items() if not k.isascii() and raw.startswith(k))
    return found


# Words that make a unit another unit: square feet are no feet, nautical miles no miles.
_UNIT_QUALIFIERS = frozenset(
    "square sq cubic cu nautical statute fluid fl imperial us metric short long troy dry "
    "liquid survey light".split()
)


def units(text: str, toks: list[str]) -> set[str]:
    """Units: English unit words anywhere (one letter: after a digit), Korean after a digit; a
    unit after a qualifier (square, cubic, nautical, imperial...) counts as another unit."""
    found = {
        UNIT_WORDS[t] + (f"+{toks[i - 1]}" if i and toks[i - 1] in _UNIT_QUALIFIERS else "")
        for i, t in enumerate(toks)
        if t in UNIT_WORDS and len(t) > 1
    }
    for raw in text.split():
        found.update(UNIT_WORDS[u] for u in _ko_unit_stems(raw) if u in UNIT_WORDS)
    for m in _UNIT_AFTER_DIGIT.finditer(text):
        word = m.group(1).lower()
        for length in range(len(word), 0, -1):
            if word[:length] in UNIT_WORDS:
                found.add(UNIT_WORDS[word[:length]])
                break
    return found


def _ko_unit_stems(word: str) -> list[str]:
    word = word.strip("?.!,")
    if word.isascii():
        return []
    stems = (word[: len(word) - len(e)] for e in _KO_UNIT_ENDINGS if word.endswith(e))
    return [s for s in stems if len(s) >= 2]
