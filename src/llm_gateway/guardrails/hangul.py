"""Hangul de-obfuscation: jamo typed one by one (ㅁㅜㅅㅣ) and initial-consonant shorthand (초성).

NFKC already composes a leading consonant and a vowel into a syllable (``ㅁㅜ`` → ``무``) but
leaves a final consonant standing alone (``ㅅㅣㅅㅡㅌㅔㅁ`` → ``시스테ᄆ``). :func:`attach_finals`
moves such a consonant into the syllable before it. :func:`expand_chosung` spells out runs of bare
initial consonants that stand for words an attack needs (``ㅅㅅㅌ ㅍㄹㅍㅌ`` → ``시스템 프롬프트``);
the table is short on purpose, since ``ㅋㅋ`` and ``ㄱㅅ`` are ordinary chat.
"""

from __future__ import annotations

import re

_S_BASE, _T_COUNT = 0xAC00, 28
# Index of each conjoining leading consonant (U+1100 + i) among the trailing ones (0 = none).
_LEAD_TO_TAIL = (1, 2, 4, 7, 0, 8, 16, 17, 0, 19, 20, 21, 22, 0, 23, 24, 25, 26, 27)
_LONE_LEAD = re.compile("([\uac00-\ud7a3])([\u1100-\u1112])(?![\u1161-\u1175])")
_COMPAT_CONSONANTS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_CHOSUNG_WORDS = {
    "ㅅㅅㅌㅍㄹㅍㅌ": "시스템프롬프트",
    "ㅅㅅㅌ": "시스템",
    "ㅍㄹㅍㅌ": "프롬프트",
    "ㅈㅅㅅㅎ": "지시사항",
    "ㅇㅈㅈㅅ": "이전지시",
    "ㅁㅅㅎㄱ": "무시하고",
    "ㅁㅅㅎ": "무시해",
    "ㅈㅎㅎㅈ": "제한해제",
    "ㅍㅌㅈㅈ": "폭탄제조",
    "ㅌㅇㅁㄷ": "탈옥모드",
}
_CHOSUNG_RUN = re.compile(f"[{_COMPAT_CONSONANTS}]{{3,}}(?: [{_COMPAT_CONSONANTS}]{{3,}})*")


def _attach(match: re.Match[str]) -> str:
    syllable, lead = match.group(1), match.group(2)
    offset = ord(syllable) - _S_BASE
    tail = _LEAD_TO_TAIL[ord(lead) - 0x1100]
    if offset % _T_COUNT or not tail:  # already has a final, or the consonant cannot be one
        return match.group(0)
    return chr(ord(syllable) + tail)


def attach_finals(text: str) -> str:
    """Move stray conjoining leading consonants left by NFKC into the syllable before them."""
    if "\u1100" > max(text, default=" "):
        return text
    return _LONE_LEAD.sub(_attach, text)


def _expand(match: re.Match[str]) -> str:
    run = match.group(0)
    compact = run.replace(" ", "")
    word = _CHOSUNG_WORDS.get(compact)
    if word is None:
        words = [_CHOSUNG_WORDS.get(part) for part in run.split(" ")]
        if not any(words):
            return run
        return " ".join(w or part for w, part in zip(words, run.split(" "), strict=True))
    return word


def expand_chosung(text: str) -> str:
    """Spell out known initial-consonant shorthand (compatibility jamo, before NFKC)."""
    return _CHOSUNG_RUN.sub(_expand, text)
