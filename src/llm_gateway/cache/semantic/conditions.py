"""An added condition: one prompt asks the other's question under a circumstance it lacks.

"Which cold medicine can I take?" and "... if I have high blood pressure?" embed almost alike
(cosine 0.95) and share every word of the shorter one, yet the answer to the first is wrong for
the second. The shape is general: the longer prompt adds a qualifying clause (English: *if,
when, while, during, without, unless, after...*; Korean: ~할 때, ~인 경우, ~중에, ~있는 /
없는 사람, ~아닐 때, ~후, ~없이, ~하면) holding content words the other prompt never mentions,
while the other prompt adds no content of its own (then the two are rephrasings, not a
narrowing). Compared on the request sentences (``register.request_sentence``), so a personal
aside told in its own sentence ("I'm helping my kid tonight.") is not a condition, unless it
states the asker's state of a declared kind ("임신 중이에요.": ``told.py``).
"""

from __future__ import annotations

import re

from llm_gateway.cache.semantic.told import condition_told

# English words that open a qualifying clause or phrase.
_EN_MARKERS = frozenset(
    "if when whenever while during without unless until after before since given "
    "except besides despite although though once whereas assuming provided who whose".split()
)
# Words that carry no content of their own in a clause: pronouns, auxiliaries, politeness.
_EN_LIGHT = frozenset(
    "a an the is are was were be been being am do does did have has had having i im i'm me my "
    "mine you your u ur we us our they them their it its this that these those there here to of "
    "in on at by for with and or but so as not no don't doesn't isn't it's can could should "
    "would will may might must shall just really very too much many some any all also still "
    "mind trouble ok okay possible please pls thanks thank kindly bother asking ask question "
    "quick wondering wonder curious know like want need get got something anything stuff thing "
    "things lol haha sorry grateful appreciate appreciated dumb basic silly stupid further go "
    "explain tell best however think exactly meaning now".split()
)
# A clause about the asker or the request itself ("if you could", "if this is a dumb question",
# "if it's no trouble") is politeness, not a condition.
_EN_POLITE_SUBJECTS = frozenset("you u this it it's that that's possible".split())
# Korean: words that make the words before them a narrowing condition (a case, a state, a
# time after, a lack); 때 only after a noun made a verb (교차복용할 때, 거주 중일 때: not 끓일 때,
# where the verb restates the task), 있는 / 없는 only before a person or case.
_KO_MARKER_WORDS = frozenset(
    "경우 경우에 경우엔 중 중에 중엔 중인 중일 후 후에 뒤에 상태 상태에서 없이".split()
)
# A word ending in 인데 tells the asker's identity or state (외국인인데, 프리랜서인데, 당일인데:
# session 17, from strangers' false hits).
_KO_MARKER_ENDINGS = ("없이", "아닐", "아닌", "인데")
_KO_NOUN_VERB = ("할", "일", "한", "인", "됐을", "했을", "된", "하는")
_KO_WHO = frozenset("사람 사람이 사람은 분 분들 아이 환자 경우".split())
# Korean words that only carry mood, politeness or the request itself.
_KO_LIGHT_PREFIXES = ("알려", "추천", "해줘", "해주", "주세", "좀", "뭐", "어떻", "어떤", "방법")
_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?|[0-9]+|[\uac00-\ud7a3]+")


def _en_content(words: list[str]) -> list[str]:
    return [w for w in words if w not in _EN_LIGHT and w not in _EN_MARKERS and len(w) > 2]


def _en_seen(word: str, other: set[str]) -> bool:
    """The word or a form of it (renewing / renew, storing / store) is on the other side."""
    stem = word[:4] if len(word) >= 5 else word
    return any(o == word or (len(o) >= 4 and o.startswith(stem)) for o in other)


def _en_condition(words: list[str], other: list[str]) -> tuple[bool, int]:
    """(a clause opened by a marker holds a content word ``other`` lacks, new content words)."""
    seen = set(other)
    new = [w for w in _en_content(words) if not _en_seen(w, seen)]
    for i, word in enumerate(words):
        if word in _EN_MARKERS and word not in seen:
            clause = words[i + 1 : i + 7]
            if clause[:1] and clause[0] in _EN_POLITE_SUBJECTS:
                continue
            if any(w in new for w in clause):
                return True, len(new)
    return False, len(new)


def _ko_light(word: str) -> bool:
    return len(word) < 2 or word.startswith(_KO_LIGHT_PREFIXES)


def _ko_seen(word: str, other: list[str], loose: bool) -> bool:
    """Shared if either word holds the other (감기약 / 목감기약) or, ``loose``, same start."""
    size = 1 if loose else 2
    return any(word in o or o in word or o[:size] == word[:size] for o in other if len(o) >= 2)


def _ko_marker(words: list[str], i: int) -> bool:
    word = words[i]
    if word in _KO_MARKER_WORDS or word.endswith(_KO_MARKER_ENDINGS):
        return True
    before = words[i - 1] if i else ""
    if word == "때":
        stem = next((before[: -len(e)] for e in _KO_NOUN_VERB if before.endswith(e)), "")
        return len(stem) >= 2
    after = words[i + 1] if i + 1 < len(words) else ""
    return word in ("있는", "없는") and after in _KO_WHO


def _ko_condition(words: list[str], other: list[str]) -> tuple[bool, int]:
    new_index = [
        i for i, w in enumerate(words) if not _ko_light(w) and not _ko_seen(w, other, False)
    ]
    for i, word in enumerate(words):
        if _ko_marker(words, i) and word not in other:
            # the clause: the marker's own word and up to three before it
            if any(i - 3 <= j <= i for j in new_index):
                return True, len(new_index)
    return False, len(new_index)


def _new_count_loose(words: list[str], other: list[str], korean: bool) -> int:
    if korean:
        return sum(1 for w in words if not _ko_light(w) and not _ko_seen(w, other, True))
    seen = set(other)
    return sum(1 for w in _en_content(words) if not _en_seen(w, seen))


def condition_added(a: str, b: str, whole_a: str = "", whole_b: str = "") -> float:
    """1.0 when one prompt adds a qualifying clause with new content and the other adds none,
    in the request sentences ``a``, ``b`` and (given) in the whole prompts too: a clause moved
    to another sentence (운동해도 돼? 감기 걸렸을 때) is no addition. A state told in a sentence
    before the question (``told.condition_told``, on the whole prompts) is a condition too."""
    if whole_a and condition_told(whole_a, whole_b):
        return 1.0
    if whole_a and (whole_a, whole_b) != (a, b) and not condition_added(whole_a, whole_b):
        return 0.0
    wa = [w.lower() for w in _WORD.findall(a)]
    wb = [w.lower() for w in _WORD.findall(b)]
    korean = any("\uac00" <= ch <= "\ud7a3" for ch in a + b)
    check = _ko_condition if korean else _en_condition
    for words, other in ((wa, wb), (wb, wa)):
        fires, _ = check(words, other)
        if fires and _new_count_loose(other, words, korean) == 0:
            return 1.0
    return 0.0
