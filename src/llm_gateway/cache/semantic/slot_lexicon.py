"""The slot synonym lexicon: word pairs whose swap in a slot keeps a question's meaning.

``data/slot_synonyms.jsonl`` (600 pairs, one JSON object a line: ``a``, ``b``, ``lang``,
``kind``; its README beside it): Korean native or Sino-Korean words and their loanwords
(회의 / 미팅), Hangul and Latin spellings (와이파이 / wifi), clipped and full forms (카톡 /
카카오톡), spelling variants (케익 / 케이크); English British and American words (colour /
color), generic names (couch / sofa), abbreviations (fridge / refrigerator). Written by hand,
blind to every evaluation set (session 13). Read once, on first use (no work at import).
``features.slot_lexicon`` folds it as the slot test folds prompts; weights that name
``slot_lexicon`` get it (``verifier.py``): a swapped span pair that is a lexicon pair is no slot
substitution. Such weights also record the file's SHA-256 (``lexicon_sha256``, written by the
trainer) and ``load_verifier`` refuses them if the packaged file differs: weights are trained on
one lexicon's inputs.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import orjson

LEXICON_FILE = Path(__file__).with_name("data") / "slot_synonyms.jsonl"


@functools.cache
def lexicon_rows(path: Path = LEXICON_FILE) -> tuple[tuple[str, str], ...]:
    """The lexicon's (a, b) pairs as written (unordered: each appears once)."""
    rows = []
    for line in path.read_bytes().splitlines():
        if line.strip():
            row = orjson.loads(line)
            rows.append((str(row["a"]), str(row["b"])))
    return tuple(rows)


def lexicon_sha256(path: Path = LEXICON_FILE) -> str:
    """The lexicon file's SHA-256 (hex), recorded by weights trained with it."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
