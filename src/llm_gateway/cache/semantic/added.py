"""Added content: one prompt says everything the other says, and more.

"How do I sum a column in Excel?" and "... only where the row says 'Paid'?", "HWP 파일 여는 법"
and "맥북에서 HWP 파일 여는 법" embed almost alike and share every word of the shorter one, yet
the longer one narrows the question (a platform, a condition, a scope such as *every*, 자세히,
항목별로) and the cached answer is wrong for it. ``conditions.py`` catches the narrowing that
comes as a clause (if, when, ~할 때); this catches every other shape: after the usual folding
(misspellings, synonyms, Korean register: ``features.canonical``), if one side's content words
are a strict superset of the other's and the extra words are not filler (greetings, thanks,
politeness, hedges, the request's own frame), the pair is not served. True pairs where someone
adds a personal aside in the same sentence pay for it with a miss: a trusted cache prefers a
miss to a wrong answer. An aside told in sentences of its own *before* the question ("Just flew
back from Tokyo and I'm wrecked. How long does jet lag last?", "이직 준비 중이라 여쭤봐요. 토익
점수 유효기간이 얼마예요?") is the asker's situation, not the question: only the last sentence is
compared (``aside_only``). A sentence *after* the question ("It's a Chromebook.") still counts.
"""

from __future__ import annotations

from collections.abc import Callable

from llm_gateway.cache.semantic.conditions import _EN_LIGHT, _EN_MARKERS
from llm_gateway.cache.semantic.register import request_sentence, sentences

# Words that only frame the request, greet, thank, hedge or soften (English).
# A marker alone ("sorry if this is dumb") adds nothing: the words of its clause are counted.
_EN_FILLER = (
    _EN_LIGHT
    | _EN_MARKERS
    | frozenset(
        "hi hello hey hiya yo morning evening dear folks guys team thx ty cheers pls plz "
        "how what whats which why where who whom is are tell show help give explain describe "
        "way ways steps step guide process method methods correct proper right good easy easiest "
        "simple simplest quickly quick fast bit little briefly question questions wondering "
        "anyone someone somebody everyone idea ideas advice tips tip suggest suggestions "
        "recommend please kindly sure honestly actually basically exactly literally well "
        "umm um uh hmm oh ah mind don't do does did done doing go going able let lets let's "
        "maybe perhaps probably again hope hoping helpful help appreciate thanks thank "
        "advance beforehand wondered wonder assistant fun random one okay ok sorry dumb love "
        "ask asking keep seeing saw term terms mean means meaning plain overview provide "
        "instructions inform advise grateful reason reasons why cause causes led lead command "
        "commands recommendation recommendations suggestion effective even start where "
        "while now meaning hoping thinking trying figure out find anybody folks "
        "people guys pal buddy friend hmm hey order define definition word words phrase".split()
    )
)
# Korean words (or their starts) that only greet, thank, hedge, soften or frame the request.
_KO_FILLER_PREFIXES = (
    "알려",
    "추천",
    "해줘",
    "해주",
    "주세",
    "주실",
    "좀",
    "뭐",
    "어떻",
    "어떤",
    "방법",
    "혹시",
    "안녕",
    "감사",
    "고마",
    "궁금",
    "질문",
    "그냥",
    "근데",
    "그런데",
    "제발",
    "부탁",
    "여쭤",
    "여쭙",
    "문의",
    "가르쳐",
    "설명",
    "있을까",
    "있나",
    "할까",
    "하나",
    "되나",
    "될까",
    "돼",
    "되요",
    "되나",
    "되는",
    "해요",
    "하나요",
    "뭔",
    "무엇",
    "정말",
    "진짜",
    "너무",
    "저기",
    "제가",
    "내가",
    "정도",
    "대해",
    "대한",
    "있",
    "뭐가",
    "어느",
    "얼마",
    "가요",
    "누구",
    "누가",
    "의해",
    "의한",
    "언제",
    "어디",
    "왜",
)
# A question's frame said as a noun (신청 절차, 일어난 원인 / 이유, 파는 곳) restates the other
# prompt's question word (어떻게 / 방법, 왜, 어디): no added content then, as English's "process",
# "reason" and "cause" are not. Whole folded tokens only (``canonical`` folds 이유 to 원인 by its
# first two syllables: 이유식 is 원인식, 원인균 and 과정생 are other words), and only against the
# matching question word, so "원인과 결과" / "결과" still adds an aspect (session 18).
_KO_FRAME_NOUNS = {
    "원인": ("왜",),
    "절차": ("어떻", "방법"),
    "과정": ("어떻", "방법"),
    "곳": ("어디",),
}
# Korean words ending like a verb, adjective or connective (걸리면, 먹는, 할, 있을까요): the
# extras that count are nouns and adverbs (맥북, 고혈압, 자세히, 항목별); a verb restated in
# another form (들어가?, 나타나?) is how Korean rephrases, not added content.
_KO_VERB_ENDINGS = tuple(
    "면 는 을 할 요 까 게 지 고 서 야 해 어 아 데 며 죠 니 나 한 된 될 던 려 든 은 "
    "줘 자 다 래 돼 일".split()
)


def _en_content(words: list[str]) -> list[str]:
    return [w for w in words if w.isdigit() or (w not in _EN_FILLER and len(w) > 1)]


def _en_shared(word: str, other: list[str]) -> bool:
    """The word or a form of it (renewing / renew) is on the other side."""
    stem = word[:4] if len(word) >= 5 else word
    return any(o == word or (len(o) >= 4 and o.startswith(stem)) for o in other)


def _ko_content(words: list[str]) -> list[str]:
    return [
        w
        for w in words
        if (w not in _EN_FILLER if w.isascii() else len(w) > 1)
        and not w.startswith(_KO_FILLER_PREFIXES)
    ]


def _ko_unframed(words: list[str], other: list[str]) -> list[str]:
    """``words`` less the frame nouns (``_KO_FRAME_NOUNS``) whose question word ``other`` asks."""
    return [
        w
        for w in words
        if not (w in _KO_FRAME_NOUNS and any(o.startswith(_KO_FRAME_NOUNS[w]) for o in other))
    ]


def _ko_shared(word: str, other: list[str]) -> bool:
    """Either word holds the other (감기약 / 목감기약) or they share a two-syllable stem."""
    return any(word in o or o in word or (len(o) >= 2 and o[:2] == word[:2]) for o in other)


def _extra(short: list[str], long: list[str], korean: bool) -> list[str] | None:
    """The words ``long`` adds when ``short``'s words occur in it in the same order (the
    shorter prompt kept whole, words inserted), else None: a reworded or reordered pair is
    a rephrasing for the other features to judge, not an addition."""
    shared = _ko_shared if korean else _en_shared
    extra: list[str] = []
    i = 0
    for word in long:
        if i < len(short) and shared(short[i], [word]):
            i += 1
        else:
            extra.append(word)
    if i < len(short):
        return None
    # a piece of a word the shorter prompt joined (node js / nodejs) is no addition
    extra = [w for w in extra if not any(w in s for s in short)]
    if korean:  # what is added must hold a noun or adverb, not only a verb restated
        extra = [w for w in extra if w.isascii() or not w.endswith(_KO_VERB_ENDINGS)]
    return extra


def content_added(ta: list[str], tb: list[str], korean: bool) -> float:
    """1.0 when one side's content words all occur, in order, on the other side, which adds
    content words of its own (tokens as ``features.canonical`` folds them: synonyms, typos,
    register; filler words dropped first)."""
    if korean:
        ca, cb = _ko_content(_ko_unframed(ta, tb)), _ko_content(_ko_unframed(tb, ta))
    else:
        ca, cb = _en_content(ta), _en_content(tb)
    if not ca or not cb or len(ca) == len(cb):
        return 0.0
    short, long = (ca, cb) if len(ca) < len(cb) else (cb, ca)
    return float(bool(_extra(short, long, korean)))


def added_content(
    a: str,
    b: str,
    ta: list[str],
    tb: list[str],
    korean: bool,
    fold: Callable[[str, str], tuple[list[str], list[str]]],
) -> float:
    """``content_added`` on the whole prompts, unless what one adds is all in sentences before
    its last one, which is the other's question (``fold``: two texts → their folded tokens)."""
    if not content_added(ta, tb, korean):
        return 0.0
    for long, short in ((a, b), (b, a)):
        parts = sentences(long)
        if (
            len(parts) >= 2
            and len(sentences(short)) == 1
            and request_sentence(long, short) == parts[-1]
        ):
            ts, tl = fold(short, parts[-1])
            return content_added(ts, tl, korean)
    return 1.0
