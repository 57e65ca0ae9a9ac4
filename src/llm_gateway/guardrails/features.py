"""Hashed character n-gram features shared by the classifier and its training script.

A prompt becomes the multiset of its character 2- to 5-grams (on the normalized text, padded with
one space each side), each hashed into one of ``2**BITS`` buckets with a multiplicative hash. The
hashing is vectorised with numpy, so the cost is a few array passes, linear in the length, with no
per-n-gram Python work. Very long prompts are cut to their head and tail: the head carries the
set-up of a jailbreak, the tail the payload or the "now ignore the above".

Weights are tf-idf (sublinear tf, smooth idf as in scikit-learn) with L2 normalisation; the
training script computes exactly the same vectors through :func:`tfidf_rows`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

BITS = 18
N_FEATURES = 1 << BITS
NGRAM_SIZES = (2, 3, 4, 5)
HEAD_CHARS = 2048
TAIL_CHARS = 512

_PRIME = np.uint64(1_099_511_628_211)  # FNV-64 prime: mixes code points into the rolling value
_MULT = np.uint64(0x9E37_79B9_7F4A_7C15)  # Fibonacci hashing: top bits are well spread
_SHIFT = np.uint64(64 - BITS)

Buckets = npt.NDArray[np.uint64]


def clip(text: str) -> str:
    """``text``, or its head and tail joined by a separator when it is very long."""
    if len(text) <= HEAD_CHARS + TAIL_CHARS:
        return text
    return text[:HEAD_CHARS] + "\n" + text[-TAIL_CHARS:]


def buckets(text: str) -> Buckets:
    """The hashed bucket of every character n-gram of ``text`` (one entry per occurrence)."""
    padded = " " + clip(text) + " "
    codes = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    rolling = codes
    parts: list[Buckets] = []
    for size in range(2, NGRAM_SIZES[-1] + 1):
        if codes.size < size:
            break
        # rolling[i] hashes codes[i : i + size]: the previous value shifted in by one character.
        rolling = rolling[:-1] * _PRIME + codes[size - 1 :]
        if size in NGRAM_SIZES:
            parts.append(((rolling + np.uint64(size)) * _MULT) >> _SHIFT)
    if not parts:
        return np.zeros(0, dtype=np.uint64)
    return np.concatenate(parts)


def counts(text: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Distinct buckets of ``text`` and their sublinear term frequencies ``1 + ln(count)``."""
    index, count = np.unique(buckets(text), return_counts=True)
    return index.astype(np.int64), 1.0 + np.log(count)


def tfidf(
    text: str, idf: npt.NDArray[np.floating]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """The L2-normalised tf-idf vector of ``text`` as (bucket indices, values)."""
    index, tf = counts(text)
    values = tf * idf[index]
    norm = float(np.sqrt(values @ values))
    if norm > 0.0:
        values /= norm
    return index, values
