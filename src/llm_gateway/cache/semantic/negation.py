"""The verifier's ``negation_differs`` feature (English and Korean), split from ``features.py``.

Each side's negations are counted (English negation words and n't; Korean markers inside a
word, the adverb 안 as a word) and a pair differs when the counts differ in parity. Korean
writers space the adverb both ways (안 돼요 / 안돼요), so a word 안X is read as 안 X when X is a
word the other side writes on its own (two syllables or more, or 돼 / 해: 안내 / 안경 / 안에
are never split unless the rest is the other side's word). A split alone could make a moved
negation look equal (안 먹으면 돼요 / 먹으면 안돼요: one each), so when a split happens, the
words 안 negates on each side must be the same too, and the same occurrence of them: 커피는 안
마셔도 되고 차는 마셔도 / 커피는 마셔도 되고 차는 안마셔도 both negate 마셔도 once, but the first
one on one side and the second on the other (the drink that may be skipped is another).
"""

from __future__ import annotations

from collections import Counter

from llm_gateway.cache.semantic.lexicon import (
    EN_NEGATION,
    KO_NEGATION,
    KO_NEGATION_WORDS,
    KO_NOT_NEGATION,
)

_PUNCT = "?.!,~"
# One-syllable verbs 안 takes joined (안돼 / 안해): other one-syllable rests are nouns (안경).
_SHORT_VERBS = frozenset({"돼", "해"})


def _split_rest(word: str, other: frozenset[str]) -> str | None:
    """X when ``word`` is 안X and X is written as a word of its own on the other side."""
    rest = word[1:]
    if word.startswith("안") and (len(rest) >= 2 or rest in _SHORT_VERBS) and rest in other:
        return rest
    return None


def _korean(text: str, other: frozenset[str]) -> tuple[int, Counter[tuple[str, int]], bool]:
    """Korean negations in ``text``: their count, what 안 negates, whether 안X was split.

    What 안 negates is keyed by the word and how often that word was written before it (a
    split 안X counted as X), so a negation moved between two equal words is another key."""
    count = 0
    negated: Counter[tuple[str, int]] = Counter()
    split = False
    seen: Counter[str] = Counter()  # words so far, 안X read as X: which occurrence 안 negates
    words = [w.strip(_PUNCT) for w in text.replace("다름이 아니", "").split()]  # "nothing but"
    for i, word in enumerate(words):
        if not any(word.startswith(x) or x in word for x in KO_NOT_NEGATION):
            count += sum(word.count(marker) for marker in KO_NEGATION)
        if word in KO_NEGATION_WORDS:  # 안 먹어 (not 안에: inside)
            count += 1
            if word == "안":
                after = words[i + 1] if i + 1 < len(words) else ""
                negated[(after, seen[after])] += 1
        elif (rest := _split_rest(word, other)) is not None:
            count += 1
            negated[(rest, seen[rest])] += 1
            split = True
            word = rest
        seen[word] += 1
    return count, negated, split


def _english(toks: list[str]) -> int:
    return sum(1 for t in toks if t in EN_NEGATION or t.endswith("n't"))


def negation_differs(a: str, b: str, ta: list[str], tb: list[str]) -> float:
    """1.0 when ``a`` and ``b`` (their words ``ta``, ``tb``) negate differently: another parity
    of negations, or, once a joined 안X was read as 안 X, 안 on other words."""
    words_a = frozenset(w.strip(_PUNCT) for w in a.split())
    words_b = frozenset(w.strip(_PUNCT) for w in b.split())
    count_a, negated_a, split_a = _korean(a, words_b)
    count_b, negated_b, split_b = _korean(b, words_a)
    if (count_a + _english(ta)) % 2 != (count_b + _english(tb)) % 2:
        return 1.0
    # the guard: 안 먹으면 돼요 / 먹으면 안돼요 negate another verb with as many negations
    return float((split_a or split_b) and negated_a != negated_b)
