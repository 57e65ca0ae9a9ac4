"""Antonym swaps: a word on one side whose opposite is on the other (open / close, 많은 / 적은,
저혈압 / 고혈압). Moved out of ``features.py`` (its size); the lexicon is ``lexicon.py``."""

from __future__ import annotations

from llm_gateway.cache.semantic.lexicon import ANTONYMS, EN_PREFIX_ANTONYMS, KO_PREFIX_ANTONYMS

KEEP_APART = ANTONYMS | {(b, a) for a, b in ANTONYMS}
_OPPOSITES = {x: frozenset(y for u, y in KEEP_APART if u == x) for x, _ in KEEP_APART}
_KO_ANTONYMS = tuple((u, v) for u, v in ANTONYMS if not u.isascii())
_PREFIX_PAIRS = KO_PREFIX_ANTONYMS | {(v, u) for u, v in KO_PREFIX_ANTONYMS}
_EN_PREFIX_PAIRS = EN_PREFIX_ANTONYMS | {(v, u) for u, v in EN_PREFIX_ANTONYMS}
_PARTNER = {p: frozenset(q for u, q in _EN_PREFIX_PAIRS if u == p) for p, _ in _EN_PREFIX_PAIRS}


def _prefixed(word: str) -> set[tuple[str, str]]:
    """(prefix, stem) for each opposite-sense prefix the word starts with (stem ≥ 3 letters)."""
    return {(p, word[len(p) :]) for p in _PARTNER if word.startswith(p) and len(word) - len(p) >= 3}


def opposite_prefixes(a: str, b: str) -> bool:
    """The same English stem (three letters or more) under opposite prefixes: hypertension /
    hypotension, overpaid / underpaid (``lexicon.EN_PREFIX_ANTONYMS``)."""
    return any((q, stem) in _prefixed(b) for p, stem in _prefixed(a) for q in _PARTNER[p])


def _opposite_prefix_swap(sa: set[str], sb: set[str]) -> bool:
    """``opposite_prefixes`` over two word sets, in one pass per side (not |a| × |b|)."""
    wanted = {(q, stem) for x in sa if x.isascii() for p, stem in _prefixed(x) for q in _PARTNER[p]}
    return bool(wanted) and any(wanted & _prefixed(y) for y in sb if y.isascii())


def antonym_swap(only_a: list[str], only_b: list[str]) -> float:
    """A word on one side whose antonym is on the other (Korean: word starts, 많은 / 적은);
    per word, not per pair of words (a long edit made it |a| × |b| × the lexicon)."""
    sa, sb = set(only_a), set(only_b)
    if any(_OPPOSITES.get(x, frozenset()) & sb for x in sa):
        return 1.0
    if _opposite_prefix_swap(sa, sb):
        return 1.0
    # only the pairs whose first syllables occur (the lexicon x the words was the worst case)
    firsts_a, firsts_b = {x[:1] for x in sa}, {y[:1] for y in sb}
    for u, v in _KO_ANTONYMS:
        if not ({u[0], v[0]} & firsts_a and {u[0], v[0]} & firsts_b):
            continue
        a_u, a_v = any(x.startswith(u) for x in sa), any(x.startswith(v) for x in sa)
        if (a_u and any(y.startswith(v) for y in sb)) or (a_v and any(y.startswith(u) for y in sb)):
            return 1.0
    # 저혈압 / 고혈압, 입금 / 출금: the same stem under opposite prefixes
    heads = {x[1:]: x[0] for x in sa if len(x) >= 3 and not x.isascii()}
    return float(any((heads.get(y[1:], ""), y[0]) in _PREFIX_PAIRS for y in sb if len(y) >= 3))
