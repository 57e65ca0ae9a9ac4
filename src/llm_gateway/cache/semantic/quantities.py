"""Numbers, times and units a prompt names: the verifier's ``numbers_differ``, ``times_differ``
and ``units_differ`` features (English and Korean), split from ``features.py``.

Numbers are digits and number words (an ordinal is kept apart: 두 번째 is not 두). English
unit words count anywhere (one-letter ones only after a digit: "5 m"); Korean ones after a
digit, or as a word of several syllables with the ending a question gives it (제곱미터예요).
A Korean time word counts as a whole word: alone, with a particle or a question's ending
(오늘은요, 어제였는데), or before another time word (내일아침에), never as the start of a longer
word (전화, 전세, 전부 are no 전 "before"; 자기소개서 is no 자기 "sleeping").
"""

from __future__ import annotations

import re

from llm_gateway.cache.semantic.lexicon import CALENDAR_TIMES, NUMBER_WORDS, TIME_WORDS, UNIT_WORDS

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_ORDINAL = re.compile(r"\S ?번째|\d(?:st|nd|rd|th)\b")
# A unit after a digit, or after a Korean magnitude word that follows one (200만 원, 3천 엔).
_UNIT_AFTER_DIGIT = re.compile(r"\d\s*(?:[만천백억조]+\s*)?([A-Za-z%]+|[\uac00-\ud7a3]+)")

# Endings a Korean unit word takes in a question (제곱미터예요, 마일로): several-syllable units
# only (분, 일, 원 are words of their own, counted after a digit).
_KO_UNIT_ENDINGS = (
    *("예요", "이에요", "이야", "야", "인가요", "으로", "로", "은", "는", "이", "가"),
    *("을", "를", "에", "당", "이면", "면", "짜리", ""),
)

# What may follow a Korean time word in the same word: particles, the copula and the endings a
# question gives it. Matched whole against a set (no regular expression: a rest such as
# 에는에는에는… costs one look-up per ending, never a backtracking search).
_KO_TIME_ENDINGS = frozenset(
    (
        *("", "에", "에는", "엔", "에도", "에만", "에나", "에서", "에요", "에는요", "엔요"),
        *("까지", "까지는", "까지도", "까지만", "까지요", "부터", "부터는", "부터도", "부터요"),
        *("마다", "은", "는", "이", "가", "을", "를", "도", "만", "쯤", "쯤에", "내내"),
        *("동안", "중", "중에", "께", "경", "경에", "의", "이나", "나", "이랑", "랑", "하고"),
        *("과", "와", "으로", "로", "보다", "처럼", "이고", "이면", "면", "이면요", "면요"),
        *("요", "이요", "은요", "는요", "도요", "만요", "이에요", "예요", "이야", "야"),
        *("이죠", "죠", "인가요", "인가", "일까요", "일까", "인데", "인데요", "이라서", "라서"),
        *("이라", "이라고", "라고", "이니까", "니까", "였는데", "이었는데", "였는데요"),
        *("이었는데요", "였어", "이었어", "였어요", "이었어요", "였고", "이었고"),
        *("입니다", "입니까", "인지", "이지", "안에"),
        # rev-ckoneg's endings (main read them, as word starts); no 라도 alone: 전라도 is a province
        *("까진", "인데도", "부턴", "이라도", "쯤이면", "인", "이예요", "였나요"),
    )
)
# Nouns that make a longer time of a time word (겨울철, 점심시간, 여름방학, 전날): 겨울철에 still
# names 겨울; so do rev-ckoneg's 아침밥, 오전반차, 겨울용, 여름옷, 아침형, 주말반, 새벽배송, 작년분,
# 점심시간대 (its own tail: 대 is no ending). Only 날 after one syllable: 전철 is a train, not
# 전 "before", and 전용 no 전 + 용.
_KO_TIME_TAILS = frozenset("철 시간 방학 휴가 날 밥 반차 용 옷 형 반 배송 분 시간대".split())
_KO_SHORT_TAILS = frozenset({"날"})


def numbers(text: str, toks: list[str]) -> set[str]:
    """Numbers present, commas dropped; all marked ordinal when the prompt counts one."""
    found = {n.replace(",", "") for n in _NUMBER.findall(text)}
    found.update(NUMBER_WORDS[t] for t in toks if t in NUMBER_WORDS)
    if _ORDINAL.search(text):
        found = {f"ordinal:{n}" for n in found}  # 두 번째 (second) is not 두 (two)
    if "how" in toks and "2" in found and " 2 " in f" {text} ":
        found.discard("2")  # "how 2 fix" (to)
    return found


# "may" and "march" are months only in a date's context: "May I ask …" names no month.
_MONTH_VERBS = frozenset({"may", "march"})
_DATE_BEFORE = frozenset(
    "in on of by since until till early late next last this mid from before after".split()
)


def times(text: str, toks: list[str]) -> set[str]:
    """Time words present (whole English words; Korean whole words, see the module's note)."""
    found = {
        TIME_WORDS[t]
        for i, t in enumerate(toks)
        if t in TIME_WORDS and (t not in _MONTH_VERBS or _dated(toks, i))
    }
    for raw in text.split():
        found.update(_ko_times(raw.strip("?.!,~\"'()")))
    return found


def _dated(toks: list[str], i: int) -> bool:
    """``toks[i]`` ("may", "march") reads as a month: after a date word, or beside a number."""
    before = toks[i - 1] if i else ""
    after = toks[i + 1] if i + 1 < len(toks) else ""
    return before in _DATE_BEFORE or before.isdigit() or after.isdigit()


def times_change(xa: set[str], xb: set[str]) -> bool:
    """``times_differ``: a time word swapped for another, or one side alone naming a calendar
    time (``CALENDAR_TIMES``: a day, week, month or year). A part of the day, a season or
    "before" told on one side alone, or added beside the same time (round 12), is no change here
    (session 19: as one it refused more true pairs than wrong ones; the trees judge those pairs).
    """
    if xa == xb:
        return False
    if xa - xb and xb - xa:
        return True  # each side names a time the other does not: a swap
    return bool((xa ^ xb) & CALENDAR_TIMES)  # one side adds a calendar time (a superset too)


def _ko_times(word: str) -> set[str]:
    """The Korean time words ``word`` is made of: one, or two run together (내일아침), or one
    with a ``_KO_TIME_TAILS`` noun (겨울철), then an ending of ``_KO_TIME_ENDINGS``; none when
    anything else follows (전화, 자기소개서). Every reading counts (전에는: 전 + 에는 and
    전에 + 는), as word starts did. At most two look-ups per time word: linear in the word."""
    found: set[str] = set()
    for first in _ko_starts(word):
        rest = word[len(first) :]
        if rest in _KO_TIME_ENDINGS:
            found.add(TIME_WORDS[first])
        for second in _ko_starts(rest):
            if rest[len(second) :] in _KO_TIME_ENDINGS:
                found |= {TIME_WORDS[first], TIME_WORDS[second]}
        tails = _KO_TIME_TAILS if len(first) >= 2 else _KO_SHORT_TAILS
        if any(rest.startswith(t) and rest[len(t) :] in _KO_TIME_ENDINGS for t in tails):
            found.add(TIME_WORDS[first])
    return found


def _ko_starts(word: str) -> list[str]:
    return [k for k in TIME_WORDS if not k.isascii() and word.startswith(k)]


# Words that make a unit another unit: square feet are no feet, nautical miles no miles.
_UNIT_QUALIFIERS = frozenset(
    "square sq cubic cu nautical statute fluid fl imperial us metric short long troy dry "
    "liquid survey light".split()
)


def units(text: str, toks: list[str], carried: set[str]) -> set[str]:
    """Units: English unit words anywhere (one letter: after a digit), Korean after a digit (the
    text's ``carried_units``, given); a unit after a qualifier (square, cubic, nautical,
    imperial...) counts as another unit."""
    found = {
        UNIT_WORDS[t] + (f"+{toks[i - 1]}" if i and toks[i - 1] in _UNIT_QUALIFIERS else "")
        for i, t in enumerate(toks)
        if t in UNIT_WORDS and len(t) > 1
    }
    for raw in text.split():
        found.update(UNIT_WORDS[u] for u in _ko_unit_stems(raw) if u in UNIT_WORDS)
    return found | carried


def carried_units(text: str) -> set[str]:
    """The units numbers carry (a unit right after a digit, or after 만 / 천 … after one).
    "1마일은 몇 km야" and "1km는 몇 마일이야" name the same units, but convert from different
    ones."""
    found: set[str] = set()
    for m in _UNIT_AFTER_DIGIT.finditer(text):
        word = m.group(1).lower()
        unit = next((word[:n] for n in range(len(word), 0, -1) if word[:n] in UNIT_WORDS), None)
        if unit is not None:
            found.add(UNIT_WORDS[unit])
    return found


def _ko_unit_stems(word: str) -> list[str]:
    word = word.strip("?.!,")
    if word.isascii():
        return []
    stems = (word[: len(word) - len(e)] for e in _KO_UNIT_ENDINGS if word.endswith(e))
    return [s for s in stems if len(s) >= 2]
