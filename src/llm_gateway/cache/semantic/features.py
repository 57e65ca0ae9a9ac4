"""Pair features that catch meaning changes a sentence embedding glosses over (English, Korean).

Each is cheap string work on the two prompts: what the edit between them touches (negation,
numbers, units, times, named entities, antonyms, the kind of question, which noun carries which
Korean case particle, two words exchanged) and how big it is, plus lexical overlap. Together
with the embeddings' cosine they are the verifier's input (``verifier.py``). Korean words are
compared after their case particles are split off (철수가 / 철수를 → 철수); misspellings and
Korean spacing are folded first (``typos.py``) and a few synonyms count as one word, so a typo
is never an entity or number change. Numbers veto whenever they differ (a number added on one
side is a constraint: "in 2 words"); times when one is swapped for another, or when one side
alone names a day, week, month or year ("tomorrow": ``quantities.times_change``); units only
when both sides name one (unit words turn up in paraphrases: "day to day"). A condition clause
added on one side vetoes (``conditions.py``), so does any content added to all of the other's
(``added.py``, counted in the same feature); a swapped span vetoes only when it swaps content
(``slots.py``: not a synonym, a misspelt, split or clipped word, the request's frame);
so does quoted text in another script or another text (``quoted.py``, in the same feature).
Negations are counted in ``negation.py`` (Korean 안 spaced either way), times in
``quantities.py`` (Korean time words as whole words).
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable

from llm_gateway.cache.semantic.added import added_content
from llm_gateway.cache.semantic.antonyms import KEEP_APART, antonym_swap
from llm_gateway.cache.semantic.conditions import condition_added
from llm_gateway.cache.semantic.lexicon import KO_FUNCTION, KO_STEM_SYNONYMS, SYNONYMS
from llm_gateway.cache.semantic.negation import negation_differs
from llm_gateway.cache.semantic.quantities import (
    carried_units,
    numbers,
    times,
    times_change,
    units,
)
from llm_gateway.cache.semantic.questions import (
    both_ask,
    fold_when,
    question_kinds,
    questions_differ,
    soft_differ,
)
from llm_gateway.cache.semantic.quoted import quoted_differs
from llm_gateway.cache.semantic.register import fold_register, request_sentence
from llm_gateway.cache.semantic.roles import (
    events_reordered,
    markers_changed,
    roles_changed,
    split_particle,
    stem_roles,
    swapped,
)
from llm_gateway.cache.semantic.scope import purpose_differs, scope_differs
from llm_gateway.cache.semantic.slot_lexicon import lexicon_rows
from llm_gateway.cache.semantic.slots import slot_substitution, stem
from llm_gateway.cache.semantic.swaps import owners_swapped, phrase_swap, subject_swap
from llm_gateway.cache.semantic.typos import normalise

# A pair showing any of these is never a hit, whatever its score: each names a change of meaning.
VETOES = (
    "numbers_differ",
    "units_differ",
    "times_differ",
    "negation_differs",
    "antonym_swap",
    "question_differs",
    "roles_changed",
    "slot_substitution",
    "role_swap",
    "scope_differs",
    "purpose_differs",
    "condition_added",
)

FEATURE_NAMES = (
    "cosine",
    "word_jaccard",
    "char3_jaccard",
    "length_ratio",
    "diff_tokens",
    "slot_substitution",
    "role_swap",
    "numbers_differ",
    "units_differ",
    "times_differ",
    "negation_differs",
    "antonym_swap",
    "entities_differ",
    "question_differs",
    "question_soft_differs",
    "both_ask",
    "detail_one_side",
    "order_changed",
    "roles_changed",
    "scope_differs",
    "purpose_differs",
    "condition_added",
    "korean",
)

_TOKEN = re.compile(r"[0-9]+(?:[.,][0-9]+)*|[A-Za-z]+(?:'[a-z]+)?|[\uac00-\ud7a3]+")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9.+#-]*")
_STOP = (
    frozenset(
        "a an the is are was were be do does did to of in on at for and or with my your i you me "
        "it this that can could should would will please how what which some any one its their "
        "our we us go about way best there get".split()
    )
    | KO_FUNCTION
)
SLOT_STOP = _STOP  # the slot test's stop list, for ``span_check.py``
# Korean synonyms as ``tokens`` leaves them (없애는 → 없애: its particle-like ending split off)
_KO_SPLIT_SYNONYMS = {
    split_particle(k)[0]: split_particle(v)[0] for k, v in SYNONYMS.items() if not k.isascii()
} | {k: v for k, v in SYNONYMS.items() if not k.isascii()}
# The longest prompt a pair is scored on (dev and training prompts reach 18 tokens, 101
# characters). Word exchanges, phrase rotations and antonym pairs are quadratic or worse in the
# words: past this the verifier does not score at all (``verifier.score``: a miss), and
# ``pair_features`` itself looks at the first MAX_TOKENS words only.
MAX_TOKENS = 64
MAX_CHARS = 512


def is_korean(text: str) -> bool:
    """Any Hangul syllable: the verifier's language test (the ``korean`` feature, its threshold)."""
    return bool(_HANGUL.search(text))


def too_long(text: str) -> bool:
    """Past the cap the verifier scores (``MAX_CHARS`` characters, ``MAX_TOKENS`` words)."""
    return len(text) > MAX_CHARS or len(_TOKEN.findall(text)) > MAX_TOKENS


def tokens(text: str, whole: frozenset[str] = frozenset()) -> list[str]:
    """Lower-cased words; Korean words without their case particle (``whole``: these words kept
    as written)."""
    out = []
    for word in _TOKEN.findall(text):
        if _HANGUL.match(word) and word not in whole:
            word = split_particle(word)[0]
        elif "'" in word and not word.endswith("n't"):
            word = word[: word.index("'")]  # what's → what, it'll → it (negations kept whole)
        out.append(word.lower())
    return out


def _jaccard(a: Iterable[object], b: Iterable[object]) -> float:
    sa, sb = set(a), set(b)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def _char_ngrams(text: str, n: int = 3) -> set[str]:
    compact = re.sub(r"\s+", " ", text.lower()).strip()
    return {compact[i : i + n] for i in range(max(len(compact) - n + 1, 1))}


def _both_differ(x: set[str], y: set[str]) -> float:
    """Both sides state one, and not the same (one side only is a detail, not a change)."""
    return float(bool(x) and bool(y) and x != y)


def _entities(text: str) -> set[str]:
    """Capitalised words not opening a sentence, Latin words in Korean text, acronyms."""
    korean = bool(_HANGUL.search(text))
    found: set[str] = set()
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        for i, word in enumerate(_LATIN_NAME.findall(sentence)):
            if word == "I":
                continue
            if korean or (i > 0 and word[0].isupper()) or (len(word) > 1 and word.isupper()):
                found.add(word.lower())
    return found


def _entities_differ(a: str, b: str, ta: list[str], tb: list[str]) -> float:
    """A name on one side that the other side does not mention at all (any case)."""
    ea = {t for e in _entities(a) for t in tokens(e)}
    eb = {t for e in _entities(b) for t in tokens(e)}
    return float(bool(ea - set(tb)) or bool(eb - set(ta)))


def _diff(ta: list[str], tb: list[str]) -> tuple[list[str], list[str]]:
    """Words only in ``a``'s and only in ``b``'s side of the edit between them."""
    only_a: list[str] = []
    only_b: list[str] = []
    matcher = difflib.SequenceMatcher(a=ta, b=tb, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "equal":
            only_a += ta[i1:i2]
            only_b += tb[j1:j2]
    return only_a, only_b


def _synonym(token: str) -> str:
    """The word its synonym group is compared as: Korean by its first two syllables (the
    stem the comparisons read: 교체하려면 → 바꾸하려면), or whole as ``tokens`` split it."""
    if _HANGUL.match(token) and len(token) >= 2:
        head = KO_STEM_SYNONYMS.get(token[:2])
        if head:
            return head + token[2:]
        return _KO_SPLIT_SYNONYMS.get(token, token)
    return SYNONYMS.get(token, token)


def canonical(ta: list[str], tb: list[str]) -> tuple[list[str], list[str]]:
    """Both token lists with synonyms folded and ``b``'s misspellings, Korean register and
    passive verbs spelt as in ``a``."""
    ca = [_synonym(t) for t in ta]
    # misspellings first (explian → explain), then synonyms (explain → tell)
    cb = [_synonym(t) for t in normalise(ta, tb, KEEP_APART)]
    return ca, fold_register(ca, cb)


def _lexicon_forms(text: str) -> set[str]:
    """A lexicon word as the slot test may see it, spaces removed: lower-cased as written, its
    words as ``tokens`` splits them (a final syllable read as a particle goes: 오토바이 →
    오토바), and with ``canonical``'s synonym folding. Never a form of one syllable unless the
    word as written is one (회의 → 회, 한은 → 한 are dropped: the slot test cannot tell them
    from 회 "raw fish" or 한 "one", and 회비 / 미팅비 or 한 달 / 한국은행 달 would clear)."""
    written = "".join(text.lower().split())
    words = tokens(text)
    forms = {written, "".join(words), "".join(_synonym(w) for w in words)} - {""}
    return {f for f in forms if len(f) >= min(2, len(written))}


@functools.cache
def kept_whole() -> frozenset[str]:
    """Lexicon words ``tokens`` would cut to one syllable (회의 → 회, 한은 → 한): the slot test
    keeps them whole when it reads the lexicon (``slot_tokens``), so 회의 / 미팅 still clears
    while 회 / 미팅 (raw fish, 회를 → 회) does not."""
    return frozenset(
        word
        for row in lexicon_rows()
        for word in row
        if _HANGUL.match(word) and " " not in word and len("".join(tokens(word))) == 1 < len(word)
    )


def slot_tokens(a: str, b: str, lexicon: bool = False) -> tuple[list[str], list[str]]:
    """The folded token lists the slot test reads (as ``pair_features``'s); with ``lexicon``,
    ``kept_whole``'s words as written."""
    whole = kept_whole() if lexicon else frozenset()
    return canonical(
        tokens(fold_when(a), whole)[:MAX_TOKENS], tokens(fold_when(b), whole)[:MAX_TOKENS]
    )


@functools.cache
def slot_lexicon() -> frozenset[tuple[str, str]]:
    """``slot_lexicon.py``'s pairs folded as the slot test folds prompts, in both orders (read
    on first use)."""
    out: set[tuple[str, str]] = set()
    for a, b in lexicon_rows():
        for x in _lexicon_forms(a):
            for y in _lexicon_forms(b):
                if x != y:
                    out |= {(x, y), (y, x)}
    return frozenset(out)


def _order_changed(ta: list[str], tb: list[str]) -> float:
    """The shared words appear in another order (role swaps; also harmless reorderings)."""
    in_a = set(tb)
    shared = list(dict.fromkeys(t for t in ta if t in in_a and t not in _STOP))
    if len(shared) < 2:
        return 0.0
    position = {t: i for i, t in enumerate(tb)}
    in_b = [position[t] for t in shared]
    inversions = sum(
        1 for i in range(len(in_b)) for j in range(i + 1, len(in_b)) if in_b[i] > in_b[j]
    )
    return inversions / (len(in_b) * (len(in_b) - 1) / 2)


def pair_features(a: str, b: str, cosine: float, lexicon: bool = False) -> list[float]:
    """The ``FEATURE_NAMES`` values for prompts ``a`` and ``b`` whose embeddings have ``cosine``.
    ``lexicon``: a swapped slot of two ``slot_lexicon`` synonyms is no slot substitution."""
    # bounds the pairwise work; 몇 년에 is compared as 언제
    raw_a, raw_b = tokens(fold_when(a))[:MAX_TOKENS], tokens(fold_when(b))[:MAX_TOKENS]
    ta, tb = canonical(raw_a, raw_b)
    only_a, only_b = _diff(ta, tb)
    raw_only_a, raw_only_b = _diff(raw_a, raw_b)
    word_jaccard = _jaccard(ta, tb)
    diff_tokens = len(only_a) + len(only_b)
    korean = is_korean(a) or is_korean(b)
    qa, qb = question_kinds(a, raw_a), question_kinds(b, raw_b)
    na, nb = numbers(a, raw_a), numbers(b, raw_b)
    ca, cb = carried_units(a), carried_units(b)
    ua, ub = units(a, raw_a, ca), units(b, raw_b, cb)
    sa, sb = request_sentence(a, b), request_sentence(b, a)  # the situation told aside
    xa, xb = times(sa, tokens(sa)), times(sb, tokens(sb))
    one_side = any(bool(x) != bool(y) for x, y in ((na, nb), (ua, ub), (xa, xb)))
    return [
        cosine,
        word_jaccard,
        _jaccard(_char_ngrams(a), _char_ngrams(b)),
        min(len(a), len(b)) / max(len(a), len(b), 1),
        min(diff_tokens, 12) / 12,
        max(
            slot_substitution(ta, tb, _STOP)
            if not lexicon
            else slot_substitution(*slot_tokens(a, b, True), _STOP, slot_lexicon()),
            quoted_differs(a, b),  # quoted.py
        ),
        max(
            swapped(
                [stem(t) for t in ta],
                [stem(t) for t in tb],
                _STOP,
                (stem_roles(a), stem_roles(b)) if korean else None,
            ),
            markers_changed(ta, tb, _STOP),
            events_reordered(a, b),
            phrase_swap(a, b, ta, tb, _STOP),
            owners_swapped(a, b),
            subject_swap(raw_a, raw_b),  # swaps.py
        ),
        float(na != nb),  # one side only counts too: "in 2 words", "for 4 people"
        # a number carries another unit on each side (a reversed conversion): both must carry one
        max(_both_differ(ua, ub), _both_differ(ca, cb)),
        float(times_change(xa, xb)),  # "weather in Seattle" vs "… tomorrow"
        negation_differs(sa, sb, tokens(sa), tokens(sb)),  # negation.py
        antonym_swap(raw_only_a, raw_only_b),
        _entities_differ(a, b, ta, tb),
        questions_differ(qa, qb),
        soft_differ(qa, qb),
        both_ask(qa, qb),
        float(one_side),
        _order_changed(ta, tb),
        roles_changed(a, b),
        scope_differs(a, b),
        purpose_differs(a, b),
        max(
            condition_added(sa, sb, a, b), added_content(a, b, ta, tb, korean, slot_tokens)
        ),  # added.py
        float(korean),
    ]
