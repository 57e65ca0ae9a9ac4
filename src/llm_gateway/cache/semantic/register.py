"""Korean register and voice folded before two prompts are compared (반말 / 존댓말, passives).

A question asked in another register ends in another form of the same predicate (열려 / 열리나요,
줘 / 주나요, 있어 / 있습니까, 좋아 / 좋을까요): the last predicate of ``b`` is spelt as ``a``'s
when the two share their stem's first syllable (하/해/할…, 되/돼/될…, 주/줘… read as one) and
both end like a predicate. A passive verb differs from its active by one syllable (물면 /
물리면, 보면 / 보이면): folded anywhere. Negation and antonyms are read from the raw words
(``features.py``), so neither fold can hide 있어 / 없어 or 켜 / 꺼 (their first syllables differ).
A Korean prompt of several sentences against a one-sentence prompt is read, for times and
negation, in its sentence closest to the other prompt: the rest is the asker's situation
("내일 아침에 떡국을 끓이려는데요. 떡국 떡은 몇 분 불려요?" asks what "떡국 떡 불리는 시간" asks).
"""

from __future__ import annotations

import re

_HEADS = {
    **dict.fromkeys("하해할합했함한", "하"),
    **dict.fromkeys("되돼될됩됐됨된", "되"),
    **dict.fromkeys("주줘줄줍줬준", "주"),
}
# Last syllables of a predicate in any register (요, 까, 어/아, 야, text-speak 임/함/됨…).
_PREDICATE_END = frozenset("요까어아야해돼줘워려져봐와니냐다죠지게래라자네나임함됨음셈")
# The syllable a Korean passive adds to its verb stem (물리다, 잡히다, 안기다, 보이다).
_PASSIVE = frozenset("리히기이")


def _hangul(word: str) -> bool:
    return bool(word) and all("\uac00" <= ch <= "\ud7a3" for ch in word)


def _initial(syllable: str) -> int:
    return (ord(syllable) - 0xAC00) // 588


def same_predicate(x: str, y: str) -> bool:
    """``x`` and ``y`` are one Korean predicate in two registers (not 가입해 / 가격이야)."""
    if x == y:
        return True
    if not (_hangul(x) and _hangul(y)) or _HEADS.get(x[0], x[0]) != _HEADS.get(y[0], y[0]):
        return False
    short, long = sorted((x, y), key=len)
    if long[-1] not in _PREDICATE_END:
        return False
    if len(short) == 1:
        return True  # 내 / 내요, 줘 / 주나요
    if short[-1] not in _PREDICATE_END:
        return False
    return len(short) == 2 or _initial(short[1]) == _initial(long[1])


def _actives(word: str) -> list[str]:
    """``word`` without a passive syllable after its first or second (물리면 → 물면)."""
    if len(word) < 3 or not _hangul(word):
        return []
    return [word[:i] + word[i + 1 :] for i in (1, 2) if word[i] in _PASSIVE]


def passive_of(x: str, y: str) -> bool:
    """One is the other with a passive syllable added after its first (물면 / 물리면)."""
    return x in _actives(y) or y in _actives(x)


def fold_register(ca: list[str], cb: list[str]) -> list[str]:
    """``cb`` with its last word (the predicate) and any passive verb spelt as in ``ca``.

    Linear in the words: each side's active forms are looked up, not compared pairwise."""
    out = list(cb)
    words_a = set(ca)
    active_a = {act: w for w in ca for act in _actives(w)}  # a passive in a, its active form
    for j, word in enumerate(out):
        if word in words_a or not _hangul(word):
            continue
        match = active_a.get(word) or next((x for x in _actives(word) if x in words_a), None)
        if match is not None:
            out[j] = match
    if ca and out and same_predicate(ca[-1], out[-1]):
        out[-1] = ca[-1]
    return out


_SENTENCE_END = re.compile(r"(?<=[.!?~:])\s+")


def _grams(text: str) -> set[str]:
    compact = text.replace(" ", "")
    return {compact[i : i + 2] for i in range(len(compact) - 1)}


def sentences(text: str) -> list[str]:
    """The sentences (English: and an aside before a colon) of ``text``."""
    return [p for p in _SENTENCE_END.split(text.strip()) if p]


def request_sentence(text: str, other: str) -> str:
    """``text``'s sentence most like ``other`` when ``text`` has several sentences and ``other``
    one; else ``text`` whole. English also splits at a colon (an aside, then the question)."""
    parts = [p for p in _SENTENCE_END.split(text.strip()) if p]
    if len(parts) < 2 or len(_SENTENCE_END.split(other.strip())) > 1:
        return text
    target = _grams(other)
    return max(parts, key=lambda p: len(_grams(p) & target) / (len(_grams(p) | target) or 1))
