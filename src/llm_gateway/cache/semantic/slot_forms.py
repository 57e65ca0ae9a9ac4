"""Is a swapped slot another form of the same word? Script, spelling and loanword shape.

Session 12 found Korean true pairs lost at the trees when a slot is swapped for a synonym
(일정 / 스케줄, 휴대폰 / 핸드폰, 취소 / 캔슬, 건보 / 건강보험): the trees see the slot test fire
(``slot_substitution``, monotone down) and the span cosine alone does not tell these from an
entity swap (서울시 / 경기도, 무게 / 두께). Entity swaps mostly keep the form of the word: two
brand names, two places, two native nouns in the same script. A synonym slot often changes it:

- the script (teams / 팀즈, vpn / 가상사설망, 유튜브 / youtube);
- one span is the other's letters in order, or a clipped piece of it (수능 / 대학수학능력시험,
  등본 / 주민등록등본, 알바 / 아르바이트: Korean syllables compared letter by letter);
- a transliterated loanword against a native or Sino-Korean word (스케줄 / 일정, 디스카운트 /
  할인, 키친 / 부엌): loanwords carry syllables native words rarely spell (스, 크, 트, 프…
  with a bare ㅡ; ㅋ at the onset), in words of two syllables or more.

``slot_form`` is one tree input (``SLOT_FORM_FEATURE``): 0.0 without a swapped slot; else the
lowest, over the pair's swapped spans, of each span's evidence of a form change (1.0 script
change or letters in order; the loanword-shape difference otherwise). It is evidence only: the
trees weigh it with the span cosine and every other feature (monotone up in training).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

SLOT_FORM_FEATURE = "slot_form"

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]")
_BASE = 0xAC00
# Onsets (choseong index): ㄱ0 ㄲ1 ㄴ2 ㄷ3 ㄸ4 ㄹ5 ㅁ6 ㅂ7 ㅃ8 ㅅ9 ㅆ10 ㅇ11
# ㅈ12 ㅉ13 ㅊ14 ㅋ15 ㅌ16 ㅍ17 ㅎ18
# (not 그 or 르: 그 "that", 고르 / 모르 / 부르 are native)
_EPENTHETIC = frozenset({3, 7, 9, 12, 14, 15, 16, 17})  # 드 브 스 즈 츠 크 트 프
_VOWEL_EU = 18  # ㅡ
_ONSET_K = 15  # ㅋ: rare in Sino-Korean words (캔슬, 키친, 데코)
# A coda (jongseong index) spelt as the onset letter it is (알 / 아르: the same ㄹ).
_CODA_ONSET = {1: 0, 2: 1, 4: 2, 7: 3, 8: 5, 16: 6, 17: 7, 19: 9, 20: 10, 21: 11, 22: 12, 23: 14}
_CODA_ONSET |= {24: 15, 25: 16, 26: 17, 27: 18}
# Administrative units a place name ends in: 서구 / 서초구 are two districts, not one clipped.
_PLACE_UNITS = frozenset("시도군구읍면동리")


def _loan_syllable(ch: str) -> bool:
    """A syllable typical of a transliterated loanword and rare in native or Sino words."""
    code = ord(ch) - _BASE
    if not 0 <= code < 11172:
        return False
    onset, vowel, coda = code // 588, (code % 588) // 28, code % 28
    if vowel == _VOWEL_EU and coda == 0 and onset in _EPENTHETIC:
        return True  # 스 크 트 프 드 브 즈 츠: an English consonant cluster's filler vowel
    return onset == _ONSET_K


def _words(span: str) -> list[str]:
    """The span's Hangul words of two syllables or more (큰, 콩: one-syllable native words)."""
    return [w for w in re.findall(r"[\uac00-\ud7a3]+", span) if len(w) >= 2]


def loan_shape(span: str) -> float:
    """The share of a span's Hangul syllables (words of two or more) shaped like a loanword."""
    syllables = [ch for word in _words(span) for ch in word]
    if not syllables:
        return 0.0
    return sum(_loan_syllable(ch) for ch in syllables) / len(syllables)


def _latin_share(span: str) -> float:
    latin, hangul = len(_LATIN.findall(span)), len(_HANGUL.findall(span))
    return latin / (latin + hangul) if latin + hangul else 0.0


def _letters(word: str) -> list[tuple[str, int]]:
    """A Hangul word letter by letter, a coda read as the same consonant as an onset."""
    out: list[tuple[str, int]] = []
    for ch in word:
        code = ord(ch) - _BASE
        onset, vowel, coda = code // 588, (code % 588) // 28, code % 28
        out += [("c", onset), ("v", vowel)]
        if coda:
            out.append(("c", _CODA_ONSET[coda]) if coda in _CODA_ONSET else ("k", coda))
    return out


def _in_order(short: Sequence[object], long: Sequence[object]) -> bool:
    """``short``'s letters appear in ``long`` in order."""
    rest = iter(long)
    return all(ch in rest for ch in short)


def _clipped(x: str, y: str) -> bool:
    """One span's syllables in the other in order (수능 / 대학수학능력시험, 등본 / 주민등록등본),
    or its letters, from the same first syllable (알바 / 아르바이트). Hangul only, two syllables
    at least, the longer one longer: 대구 / 대전 or 서구 / 유성구 are not clipped forms, nor two
    place names ending in the same administrative unit (서구 / 서초구, 중구 / 중랑구)."""
    a, b = x.replace(" ", ""), y.replace(" ", "")
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) < 2 or len(long) <= len(short):
        return False
    if short[-1] == long[-1] and short[-1] in _PLACE_UNITS:
        return False
    if not all(_HANGUL.match(ch) for ch in short + long):
        return False
    if _in_order(short, long):
        return True
    letters = _letters(short)
    return letters[:2] == _letters(long[0])[:2] and _in_order(letters, _letters(long))


def span_form_change(x: str, y: str) -> float:
    """Evidence that spans ``x`` and ``y`` are two forms of one word: 1.0 another script or a
    clipped form; else how differently loanword-shaped the two are (0.0 to 1.0)."""
    if abs(_latin_share(x) - _latin_share(y)) >= 0.5:
        return 1.0
    if _clipped(x, y):
        return 1.0
    return abs(loan_shape(x) - loan_shape(y))


def slot_form(spans: Sequence[tuple[str, str]]) -> float:
    """``SLOT_FORM_FEATURE``: the lowest ``span_form_change`` of the swapped spans (0.0: none)."""
    if not spans:
        return 0.0
    return min(span_form_change(x, y) for x, y in spans)
