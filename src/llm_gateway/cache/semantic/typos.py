"""Typo and spacing tolerance for the verifier's word comparisons (English, Korean).

A misspelt word ("benifits", "어께") is the same word, not an entity swap: before two prompts
are diffed, a word of one side that is a near spelling of a word of the other side is rewritten
to it. Near = at most one edit (insertion, deletion, transposition; a substitution only in
words of six letters or more), two edits from eight letters on (Korean: ten); Korean is
compared letter by letter (jamo, ㅐ/ㅔ-like vowels folded), so 어께 ~ 어깨 but 대구 ≁ 대전.
Pairs that differ by a meaning prefix (encrypt/decrypt, install/uninstall, 공개/비공개) or that
are antonyms are never merged, and numbers are never touched. Korean words split or joined by a
space (계산하는방법 / 계산 하는방법) are joined before the comparison.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

from llm_gateway.cache.semantic.antonyms import opposite_prefixes

_PREFIXES = ("un", "in", "im", "il", "ir", "dis", "de", "non", "anti", "re", "비", "불", "무", "미")
_HANGUL_BASE = 0xAC00
# Vowels people mix up in spelling (ㅐ/ㅔ, ㅒ/ㅖ, ㅙ/ㅚ/ㅞ): compared as one letter.
_VOWEL_FOLD = str.maketrans(
    {"\u1166": "\u1162", "\u1168": "\u1164", "\u116c": "\u116b", "\u1170": "\u116b"}
)


def jamo(word: str) -> str:
    """Korean syllables spelt out as letters (choseong, jungseong, jongseong codes)."""
    out = []
    for ch in word:
        code = ord(ch) - _HANGUL_BASE
        if 0 <= code < 11172:
            out += [chr(0x1100 + code // 588), chr(0x1161 + (code % 588) // 28)]
            if code % 28:
                out.append(chr(0x11A7 + code % 28))
        else:
            out.append(ch)
    return "".join(out).translate(_VOWEL_FOLD)


def _distance(a: str, b: str, substitute: bool) -> int:
    """Damerau (optimal string alignment) distance; substitutions cost 2 when not allowed."""
    sub_cost = 1 if substitute else 2
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else sub_cost
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]


@lru_cache(maxsize=4096)
def is_typo(a: str, b: str) -> bool:
    """``b`` is a misspelling of ``a`` (or the reverse), not another word."""
    if a == b or a[:1].isdigit() or b[:1].isdigit():
        return a == b
    for p in _PREFIXES:
        if a == p + b or b == p + a:
            return False
    if opposite_prefixes(a, b):
        return False  # hypertension / hypotension: two edits apart, opposite meanings
    if a.endswith(b) or b.endswith(a):
        return False  # letters added in front make another word (phone / iphone)
    korean = not a.isascii() or not b.isascii()
    x, y = (jamo(a), jamo(b)) if korean else (a, b)
    shortest = min(len(x), len(y))
    if shortest < 4:
        return False
    # Korean letters are jamo (about three a syllable): two edits only from four syllables on
    # (배추김치 / 백김치 are two kimchis, two letters apart)
    allowed = 2 if shortest >= (10 if korean else 8) else 1
    if korean and shortest >= 5 and _one_vowel_apart(x, y):
        return True  # 추천 / 추쳔, 방법 / 방볍: a slipped vowel
    if not korean and shortest == 5 and _one_vowel_apart(x, y):
        return True  # pivit / pivot, leeve / leave: a vowel misheard (not lease / leave)
    distance = _distance(x, y, substitute=shortest >= 6)
    if korean and distance == 2 and a[:1] != b[:1]:
        return False  # 밥숟가락 / 찻숟가락: two letters of the first syllable name another thing
    return distance <= allowed


def _one_vowel_apart(x: str, y: str) -> bool:
    """Same length, one letter apart, and both letters vowels (Korean jamo or English)."""
    diff = [(p, q) for p, q in zip(x, y, strict=False) if p != q]
    return (
        len(x) == len(y)
        and len(diff) == 1
        and all("\u1161" <= ch <= "\u1175" or ch in "aeiouy" for ch in diff[0])
    )


def normalise(ta: list[str], tb: list[str], keep: frozenset[tuple[str, str]]) -> list[str]:
    """``tb`` with misspelt words replaced by their ``ta`` spelling and Korean spacing joined.

    ``keep``: word pairs that must stay apart (antonyms)."""
    words_a = set(ta)
    joined = {x + y: (x, y) for x, y in itertools.pairwise(ta) if not x.isascii()}
    out: list[str] = []
    i = 0
    while i < len(tb):
        word = tb[i]
        nxt = tb[i + 1] if i + 1 < len(tb) else ""
        if word not in words_a and nxt and word + nxt in words_a and not word.isascii():
            out.append(word + nxt)  # 계산 하는방법 → one word when ``a`` wrote it so
            i += 2
            continue
        if word not in words_a and word in joined:
            out += joined[word]  # 하는방법 → 하는 방법
            i += 1
            continue
        if word not in words_a:
            for candidate in ta:
                if (candidate, word) not in keep and (word, candidate) not in keep:
                    if is_typo(candidate, word):
                        word = candidate
                        break
        out.append(word)
        i += 1
    return out
