"""Slot substitution: one short content span swapped for another (numpy → pandas, 대구 → 대전).

The strongest single veto on hand-written negatives, and the one that cost most paraphrases
while it looked only at the shape of the edit. A swapped span is no substitution when what
differs is not content: words of the request's frame (Tell me X / What is X, Define X / What
does X mean), words that only moved (Today, what is Tokyo's population / ... of Tokyo today),
inflections (store / storing), one word spelt apart or misspelt (node js / nodejs), an acronym
(nyc / new york city) or a clipped form (sci fi / science fiction). With a slot lexicon
(``slot_lexicon.py``, folded by ``features.slot_lexicon``), a swap of two lexicon synonyms
(회의 / 미팅, 카톡 / 카카오톡, couch / sofa) is none either.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterator

from llm_gateway.cache.semantic.typos import is_typo

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
# How a request is framed, not what it asks: a span of these alone is no slot substitution.
FRAME = frozenset(
    "tell explain describe define outline list give gimme suggest provide show share name need "
    "want wish know like mean means meaning steps kindly could would mind curious wondering hey "
    "hi hello yo sup lol ok okay just really actually work works".split()
)
# Korean words that only frame, soften or end the request (알려줘 / 설명해 줘 / 뭐야, 게 / 것이):
# by their start, as endings vary. Question words (언제, 어디, 누구, 얼마…) are not here: a
# swapped question word is content (``questions.py`` reads its kind too).
_KO_FRAME = (
    "알려",
    "설명",
    "정리해",
    "가르쳐",
    "추천",
    "뭐",
    "뭘",
    "무엇",
    "어떻",
    "어떤",
    "좀",
    "혹시",
    "부탁",
    "궁금",
    "게",
    "것",
    "거",
    "주세",
    "주실",
    "주시",
    "있을",
    "있나",
    "있어",
    "있음",
)
_SUFFIXES = ("ing", "ed", "es", "s", "ly")


def stem(token: str) -> str:
    """Korean words compared by their first two syllables (endings vary: 알려줘 / 알려주세요)."""
    return token[:2] if _HANGUL.match(token) else token


def _inflection(word: str) -> str:
    """English word without a common suffix (storing → stor, store → stor, has → ha)."""
    if not word.isascii():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word[:-1] if word.endswith("e") and len(word) >= 4 else word


def _ko_clipped(short: str, long: str) -> bool:
    """A Korean clipped compound: 건보 / 건강보험, 종부세 / 종합부동산세, 인강 / 인터넷 강의 (the
    short word's syllables in order, from the first, and not one piece of the long word)."""
    if not (_HANGUL.match(short) and _HANGUL.match(long)) or short in long:
        return False
    if not 2 <= len(short) <= 4 or len(long) < len(short) + 2 or short[0] != long[0]:
        return False
    rest = iter(long[1:])
    return all(ch in rest for ch in short[1:])


def _same_spelling(span_a: list[str], span_b: list[str]) -> bool:
    """One word spelt apart or misspelt (node js / nodejs), an acronym (nyc / new york city),
    clipped words (sci fi / science fiction, 건보 / 건강보험)."""
    joined_a, joined_b = "".join(span_a), "".join(span_b)
    if joined_a == joined_b or (len(span_a) != len(span_b) and is_typo(joined_a, joined_b)):
        return True
    if _ko_clipped(joined_a, joined_b) or _ko_clipped(joined_b, joined_a):
        return True
    for short, long in ((span_a, span_b), (span_b, span_a)):
        if len(short) == 1 and len(long) >= 2 and short[0].isascii() and short[0].isalpha():
            initials = "".join(w[0] for w in long)
            if 2 <= len(short[0]) <= 4 and short[0].startswith(initials):
                return True
        if len(short) == len(long) >= 2 and all(
            s.isascii() and len(s) >= 2 and x.startswith(s) and len(x) > len(s)
            for s, x in zip(short, long, strict=True)
        ):
            return True
    return False


def _strip_shared(ja: str, jb: str, longest: int) -> Iterator[tuple[str, str]]:
    """``ja`` and ``jb`` without a Hangul beginning or ending both share (회의실 / 미팅실 →
    회의 / 미팅, 취소하려면 / 캔슬하려면 → 취소 / 캔슬), the whole pair first, then each cut that
    leaves both sides at most ``longest`` characters (no lexicon form is longer), generated one
    at a time: at most ``longest`` + 1 cuts per head length, not every head-tail pair."""
    yield ja, jb
    short = min(len(ja), len(jb))
    head = 0
    while head < short - 1 and ja[head] == jb[head] and _HANGUL.match(ja[head]):
        head += 1
    tail = 0
    while (
        tail < short - 1 - head and ja[-1 - tail] == jb[-1 - tail] and _HANGUL.match(ja[-1 - tail])
    ):
        tail += 1
    least = max(len(ja), len(jb)) - longest  # the fewest characters a cut must strip
    for i in range(head + 1):
        for k in range(max(0, least - i), tail + 1):
            if i or k:
                yield ja[i : len(ja) - k], jb[i : len(jb) - k]


@functools.lru_cache(maxsize=4)
def _longest(lexicon: frozenset[tuple[str, str]]) -> int:
    """The longest folded form in ``lexicon`` (no cut needs to leave more)."""
    return max((len(x) for x, _ in lexicon), default=0)


def lexicon_swap(
    ta: list[str],
    tb: list[str],
    cut: tuple[int, int, int, int],
    lexicon: frozenset[tuple[str, str]],
) -> bool:
    """The swap ``ta[i1:i2]`` / ``tb[j1:j2]`` (``cut``) is a lexicon pair: its words joined
    without spaces, read alone or with up to two aligned words either side (number plate /
    license plate), a shared Korean ending or compound part stripped (``_strip_shared``); two
    words against two: each the same or a lexicon pair."""
    if not lexicon:
        return False
    i1, i2, j1, j2 = cut
    longest = _longest(lexicon)
    for left in range(3):
        if left > min(i1, j1) or ta[i1 - left : i1] != tb[j1 - left : j1]:
            break
        for right in range(3):
            if ta[i2 : i2 + right] != tb[j2 : j2 + right] or len(ta[i2 : i2 + right]) < right:
                break
            ja = "".join(ta[i1 - left : i2 + right])
            jb = "".join(tb[j1 - left : j2 + right])
            if any(pair in lexicon for pair in _strip_shared(ja, jb, longest)):
                return True
    if i2 - i1 == j2 - j1 >= 2:  # two words swapped, each for its synonym (회의 취소 / 미팅 캔슬)
        return all(
            ta[i1 + k] == tb[j1 + k]
            or lexicon_swap(ta, tb, (i1 + k, i1 + k + 1, j1 + k, j1 + k + 1), lexicon)
            for k in range(i2 - i1)
        )
    return False


def _content(span: list[str], other: list[str], stop: frozenset[str]) -> list[str]:
    """The span's words that carry content and are not on the other side in another place or
    form (moved or inflected words are no substitution)."""
    elsewhere = {_inflection(w) for w in other}
    return [
        w
        for w in span
        if w not in stop
        and w not in FRAME
        and _inflection(w) not in elsewhere
        and not (_HANGUL.match(w) and w.startswith(_KO_FRAME))
    ]


def swapped_spans(
    ta: list[str],
    tb: list[str],
    stop: frozenset[str],
    lexicon: frozenset[tuple[str, str]] = frozenset(),
) -> list[tuple[list[str], list[str]]]:
    """Each short content span of ``ta`` swapped for one of ``tb`` in otherwise aligned
    sentences (empty: no slot substitution). ``span_check.py`` embeds them: a synonym swapped in
    (laptop / notebook, 구입 / 구매) is a substitution here too, unless ``lexicon`` (folded
    pairs, both orders: ``features.slot_lexicon``) holds it (``lexicon_swap``)."""
    na, nb = [stem(t) for t in ta], [stem(t) for t in tb]
    matcher = difflib.SequenceMatcher(a=na, b=nb, autojunk=False)
    if matcher.ratio() < 0.5:
        return []
    spans = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "replace" and i2 - i1 <= 2 and j2 - j1 <= 2:
            # whole words against the stop list: 줘 / 주세요 differ in their stems (줘, 주세)
            span_a, span_b = ta[i1:i2], tb[j1:j2]
            if _content(span_a, tb, stop) or _content(span_b, ta, stop):
                if not _same_spelling(span_a, span_b) and not lexicon_swap(
                    ta, tb, (i1, i2, j1, j2), lexicon
                ):
                    spans.append((span_a, span_b))
    return spans


def slot_substitution(
    ta: list[str],
    tb: list[str],
    stop: frozenset[str],
    lexicon: frozenset[tuple[str, str]] = frozenset(),
) -> float:
    """Mostly the same words in the same order, with a short content span swapped (not a pair
    of ``lexicon`` synonyms)."""
    return float(bool(swapped_spans(ta, tb, stop, lexicon)))
