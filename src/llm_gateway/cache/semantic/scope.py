"""Who a prompt is for: the audience or level it names (beginner vs expert, kids vs adults),
and the purpose phrase it carries ("for a small business owner", 시험용).

"Explain neural networks for a complete beginner" and "… for a machine learning researcher"
embed almost alike (cosine 0.96) and share every other word, yet the right answers differ. Each
prompt's audience words are mapped to a class; when both sides name one and the classes differ,
the pair is vetoed
(only when they share none). Synonyms share a class (beginner = novice = 초보자 = 입문자), so "for
newbies" vs "for beginners" is still a hit. One side naming an audience alone is left to the
trees (a request often drops "for beginners" without changing the answer much). Two purpose
phrases with no word in common (``purpose_differs``) veto too; on the dev files every paraphrase
it flags ("for my dad" / "for my father") was already refused by another veto.
"""

from __future__ import annotations

import re

from llm_gateway.cache.semantic.roles import split_particle
from llm_gateway.cache.semantic.whole import whole_differs

_CLASSES = {
    "novice": "beginner beginners novice novices newbie newbies noob first-timer first-timers "
    "starter 초보 초보자 입문 입문자 초심자 왕초보 처음",
    "intermediate": "intermediate 중급 중급자",
    "expert": "expert experts advanced professional professionals pro pros specialist "
    "specialists researcher researchers veteran 전문가 고수 숙련자 상급 상급자 고급 대학원생 "
    "연구자 강사 현업",
    "child": "kid kids child children toddler toddlers baby babies infant infants puppy puppies "
    "kitten kittens 어린이 아이 아이들 아기 유아 아동 초등학생 영유아 새끼",
    "teen": "teen teens teenager teenagers adolescent adolescents 청소년 중학생 고등학생 10대",
    "adult": "adult adults grown-up grown-ups 성인 어른 성견 성묘",
    "senior": "senior seniors elderly 노인 어르신 시니어 고령자",
    "pregnant": "pregnant 임산부 임신부",
}
_CLASS_OF = {word: kind for kind, words in _CLASSES.items() for word in words.split()}
# What may follow a Korean audience word besides a case particle (어린이용, 초보자들).
_KO_TAILS = ("", "용", "들", "자", "자용", "들용", "분", "분들")
_WORD = re.compile(r"[A-Za-z]+(?:-[a-z]+)?|[\uac00-\ud7a3]+|\d+대")


def audiences(text: str) -> set[str]:
    """The audience classes ``text`` names."""
    found: set[str] = set()
    for word in _WORD.findall(text.lower()):
        if word in _CLASS_OF:
            found.add(_CLASS_OF[word])
            continue
        stem = split_particle(word)[0]
        for tail in _KO_TAILS:
            if tail and not stem.endswith(tail):
                continue
            core = stem[: len(stem) - len(tail)] if tail else stem
            if core in _CLASS_OF and not core.isascii():
                found.add(_CLASS_OF[core])
                break
    return found


def scope_differs(a: str, b: str) -> float:
    """Both prompts name an audience, and no class in common ("an adult" / "an adult beginner"
    narrows, it does not change who is asking); or, in Korean, one side names a kind of a noun
    both share (여드름성 피부 / 피부, 시험용 잡채 / 집에서 만드는 잡채); or all of a thing vs one
    part of it (전부 / 하나만, ``whole.py``): the scope of what is asked, so the same veto."""
    xa, xb = audiences(a), audiences(b)
    return float(bool(xa) and bool(xb) and not xa & xb) or kind_added(a, b) or whole_differs(a, b)


# A Korean kind word before its noun: 여드름성 피부, 지성 두피, 시험용 잡채, 가정식 백반.
# Bounded words (at most 8 + 1 syllables, then the noun): no rescanning of long runs.
_KO_KIND = re.compile(r"([\uac00-\ud7a3]{1,8})(?:성|용|형|식) ([\uac00-\ud7a3]{2,12})")
_HANGUL_WORD = re.compile(r"[\uac00-\ud7a3]{3,12}")
_VERB_END = frozenset("면고서는은을던데요까어아야해다지게며니")


def kind_added(a: str, b: str) -> float:
    """One side narrows a shared noun to a kind the other side does not name (잡채용 당면 /
    잡채 당면 names the same kind: not counted), or names a compound with a syllable put in
    (열무김치 / 열무물김치)."""
    for x, y in ((a, b), (b, a)):
        for m in _KO_KIND.finditer(x):
            stem, head = m.group(1), split_particle(m.group(2))[0]
            if stem not in y and head in y:
                return 1.0
    return float(_compound_changed(a, b))


def _compound_changed(a: str, b: str) -> bool:
    """A word whose first two and last two syllables a longer word of the other side keeps,
    with syllables put in between, the shorter not standing on its own there."""
    wa = {split_particle(w)[0] for w in _HANGUL_WORD.findall(a)}
    wb = {split_particle(w)[0] for w in _HANGUL_WORD.findall(b)}
    for xs, ys, text in ((wa, wb, b), (wb, wa, a)):
        ends = {(w[:2], w[-2:]): w for w in xs if len(w) >= 4 and w not in text}
        for y in ys if ends else ():
            if y[-1] in _VERB_END:
                continue  # 도용했으면 / 도용당했으면: a verb's voice or tense, not a compound
            short = ends.get((y[:2], y[-2:]))
            if short is not None and len(y) > len(short):
                return True
    return False


# "… for a small business owner", "… as an adult", "… to my grandmother" (after explain/teach):
# who or what the answer is shaped for, up to the end of the clause.
_EN_PURPOSE = re.compile(
    r"\b(?:for|as an?|(?:explain|describe|teach)\b[^,.?!]*?\bto)\s+([^,.?!:;]{2,60})"
)
# Words bounded at 30 characters: "(\S+)…위한" rescanned a long space-free run from every start
# (quadratic); no dev or training word comes near 30.
_KO_PURPOSE = re.compile(
    r"(\S{1,30})\s*(?:을|를)?\s*위한|(\S{1,30}?)(?:용|에게|한테|수준으로)(?=\s|$|[?.!])"
)
_KO_PURPOSE_MARKS = ("위한", "용", "에게", "한테", "수준으로")
_FILLER = frozenset(
    "a an the my our your his her their someone somebody people person who is are 사람 분".split()
)


def _purpose_words(text: str) -> set[str]:
    """The phrase's words, by class (beginner = 입문자), first five letters (a typo in the
    ending) or first two Korean syllables."""
    words: set[str] = set()
    for m in _EN_PURPOSE.finditer(text.lower()):
        for w in re.findall(r"[a-z]+", m.group(1))[:5]:
            if w not in _FILLER:
                words.add(_CLASS_OF.get(w, w[:5]))
    korean_marks = any(mark in text for mark in _KO_PURPOSE_MARKS)  # most prompts: none
    for m in _KO_PURPOSE.finditer(text) if korean_marks else ():
        stem = split_particle(m.group(1) or m.group(2))[0]
        if len(stem) >= 2 and stem not in _FILLER:
            words.add(_CLASS_OF.get(stem, stem[:2]))
    return words


def purpose_differs(a: str, b: str) -> float:
    """Both prompts say whom or what the answer is for, and share no word of it ("for a
    beginner" / "for a data protection lawyer", 어린이용 / 시험용)."""
    pa, pb = _purpose_words(a), _purpose_words(b)
    return float(bool(pa) and bool(pb) and not pa & pb)
