"""Pair features that catch meaning changes a sentence embedding glosses over (English, Korean).

Each is cheap string work on the two prompts: negation, numbers and units, named entities, word
order and role swaps, the kind of question asked, plus lexical overlap. Together with the
embeddings' cosine they are the verifier's input (``verifier.py``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

FEATURE_NAMES = (
    "cosine",
    "word_jaccard",
    "char3_jaccard",
    "length_ratio",
    "numbers_differ",
    "number_one_side",
    "units_differ",
    "negation_differs",
    "entities_differ",
    "order_changed",
    "question_word_differs",
    "korean",
)

_WORD = re.compile(r"[0-9]+(?:[.,][0-9]+)*|[A-Za-z]+(?:'[a-z]+)?|[\uac00-\ud7a3]+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_UNIT = re.compile(
    r"\d\s*(%|percent|km|kg|mg|ml|cm|mm|m|g|l|kb|mb|gb|tb|usd|dollars?|won|원|달러|개|명|살|시|분|초|"
    r"일|월|년|주|킬로|미터|그램|리터|시간|퍼센트|도|배|번|층|권|장|잔|병)\b",
    re.IGNORECASE,
)
_EN_NEGATION = frozenset(
    {"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "cannot"}
)
_KO_NEGATION = ("않", "없", "못", "아니", "지마", "지 마", "말고", "마라", "마세요")
_EN_QUESTION = frozenset({"what", "who", "whom", "whose", "when", "where", "why", "how", "which"})
_KO_QUESTION = (
    "누구",
    "누가",
    "무엇",
    "뭐",
    "뭘",
    "언제",
    "어디",
    "왜",
    "어떻게",
    "어떤",
    "어느",
    "몇",
    "얼마",
)
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _jaccard(a: Iterable[object], b: Iterable[object]) -> float:
    sa, sb = set(a), set(b)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def _char_ngrams(text: str, n: int = 3) -> set[str]:
    compact = re.sub(r"\s+", " ", text.lower()).strip()
    return {compact[i : i + n] for i in range(max(len(compact) - n + 1, 1))}


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def _units(text: str) -> set[str]:
    return {u.lower() for u in _UNIT.findall(text)}


def _negations(text: str, tokens: list[str]) -> int:
    count = sum(1 for t in tokens if t in _EN_NEGATION or t.endswith("n't"))
    count += sum(text.count(marker) for marker in _KO_NEGATION)
    count += sum(1 for t in tokens if t == "안")
    return count


def _entities(text: str) -> set[str]:
    """Capitalised words not opening a sentence, and Latin words inside Korean text."""
    found: set[str] = set()
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        for i, word in enumerate(re.findall(r"[A-Za-z][A-Za-z'-]*", sentence)):
            if (i > 0 and word[0].isupper()) or (_HANGUL.search(text) and word):
                found.add(word.lower())
    return found


def _question_words(text: str, tokens: list[str]) -> set[str]:
    found = {t for t in tokens if t in _EN_QUESTION}
    found.update(q for q in _KO_QUESTION if q in text)
    return found


def _order_changed(ta: list[str], tb: list[str]) -> float:
    """Same words in another order: unigram overlap high while bigram overlap drops."""
    if len(ta) < 2 or len(tb) < 2:
        return 0.0
    uni = _jaccard(ta, tb)
    bi = _jaccard(itertools.pairwise(ta), itertools.pairwise(tb))
    return max(uni - bi, 0.0) if uni >= 0.6 else 0.0


def pair_features(a: str, b: str, cosine: float) -> list[float]:
    """The ``FEATURE_NAMES`` values for prompts ``a`` and ``b`` whose embeddings have ``cosine``."""
    ta, tb = words(a), words(b)
    na, nb = _numbers(a), _numbers(b)
    qa, qb = _question_words(a, ta), _question_words(b, tb)
    korean = bool(_HANGUL.search(a) or _HANGUL.search(b))
    length = min(len(a), len(b)) / max(len(a), len(b), 1)
    return [
        cosine,
        _jaccard(ta, tb),
        _jaccard(_char_ngrams(a), _char_ngrams(b)),
        length,
        float(na != nb),
        float(bool(na) != bool(nb)),
        float(_units(a) != _units(b)),
        float((_negations(a, ta) % 2) != (_negations(b, tb) % 2)),
        float(_entities(a) != _entities(b)),
        _order_changed(ta, tb),
        float(qa != qb),
        float(korean),
    ]
