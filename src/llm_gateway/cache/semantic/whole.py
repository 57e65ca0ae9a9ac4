"""Korean "all / whole" on one side only, against one item, the most common or a kind on the other.

"고혈압의 가장 흔한 원인" and "고혈압 원인 전부", "카톡 메시지 하나 삭제하는 법" and "카톡 대화방
전체 삭제하는 법" embed close and share most words, yet one asks for a single thing and the
other for all of them. A pair is refused when one side names an all / whole quantifier (전부,
전체, 모든, 모두, a spaced 다, 싹다, 몽땅, 죄다, 통째) that the other does not, and the other side
asks about a part: one item (하나, 한 장, 특정, 일부, a word ending in 만 "only"), the most
common (가장, 제일, 흔한, 대표적) or a kind (종류). A quantifier alone is left to the trees:
"배열 값을 전부 더하려면" and "배열 합계 구하는 코드" are the same question.

Words are matched whole (a case particle may follow), so 전부터 ("from before"), 전세, 전화 and
완전체 are no quantifier. Korean only: English text never fires.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[\uac00-\ud7a3]+|\d+")
# Quantifier stems and what may follow them in the same word (전부를, 전체의, 모두들, 모든게).
_ALL_STEMS = ("전부", "전체", "모두", "몽땅", "죄다", "싹다", "통째")
_ALL_TAILS = frozenset(
    "_ 를 을 가 이 의 에 에서 다 는 은 도 들 로 으로 요 를요 다요 들이 들의 로요".split()
)
_ALL_WORDS = frozenset({"모든", "모든게", "모든걸", "모든것", "모든거", "다", "싹", "통째로"})
# Words that name one part, the most common one or a kind.
_PART_WORDS = frozenset(
    "하나 하나만 한개 한개만 특정 일부 일부만 한쪽 한쪽만 가장 제일 흔한 대표적인 대표적 대표"
    " 주된 종류 종류는 종류가 종류를 종류와 종류랑 한가지 한가지만".split()
)
# Counters after 한 ("one"): 한 장, 한 짝, 한 줄 …
_COUNTERS = frozenset("장 개 짝 줄 칸 명 사람 권 곳 페이지 가지 군데 대 번 편 단원 문단 쪽".split())
# Words ending in 만 that do not mean "only".
_NOT_ONLY = frozenset(
    "그만 오랜만 이만 얼마만 만만 천만 백만 십만 억만 수만 몇만 한만 여만".split()
)


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def has_all(text: str) -> bool:
    """``text`` names an all / whole quantifier as a word (전부를 yes, 전부터 / 완전체 no)."""
    words = _words(text)
    for i, word in enumerate(words):
        # a lone 다 is the adverb "all" (verb endings are written joined); 싹 only as 싹 다
        if word in _ALL_WORDS and (word != "싹" or words[i + 1 : i + 2] == ["다"]):
            return True
        for stem in _ALL_STEMS:
            if word.startswith(stem) and (word[len(stem) :] or "_") in _ALL_TAILS:
                return True
    return False


def asks_part(text: str) -> bool:
    """``text`` asks about one item, the most common one or a kind (하나만, 가장 흔한, 종류)."""
    words = _words(text)
    for i, word in enumerate(words):
        if word in _PART_WORDS:
            return True
        if word == "한" and i + 1 < len(words) and words[i + 1] in _COUNTERS:
            return True
        if (
            len(word) >= 2
            and word.endswith("만")
            and word not in _NOT_ONLY
            and not word.endswith("지만")  # 하지만, 있지만: "but"
            and not word[:-1].isdigit()
        ):
            return True
    return False


def whole_differs(a: str, b: str) -> float:
    """1.0 when one side only says "all / whole" and the other asks about a part."""
    all_a, all_b = has_all(a), has_all(b)
    if all_a == all_b:
        return 0.0
    part_side = b if all_a else a
    return float(asks_part(part_side))
