"""Swapped-span vectors kept across lookups (``span_vectors.py``): a span seen before in the same
namespace embeds nothing, another namespace embeds it again, the table stays bounded, and the
scores are the ones a fresh embedding gives."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from llm_gateway.cache.semantic.layer import _score_all
from llm_gateway.cache.semantic.span_vectors import SpanVectors
from llm_gateway.cache.semantic.verifier import load_verifier
from tests.unit.cache.test_span_overrule import ASKED, BATCH, _weights_with_span, fake_embed


class Recording:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return fake_embed(texts)


def test_a_span_seen_before_in_the_namespace_is_not_embedded_again() -> None:
    embed = Recording()
    held = SpanVectors(embed, max_texts=100)
    first = held.for_namespace("tenant-a")(["laptop", "notebook"])
    again = held.for_namespace("tenant-a")(["notebook", "desktop", "laptop"])
    assert embed.calls == [["laptop", "notebook"], ["desktop"]]
    assert np.array_equal(again, fake_embed(["notebook", "desktop", "laptop"]))
    assert np.array_equal(first, fake_embed(["laptop", "notebook"]))
    assert (held.hits, held.misses, len(held)) == (2, 3, 3)


def test_another_namespace_embeds_its_own_spans() -> None:
    """Timing must not tell one tenant which words another tenant's lookups used."""
    embed = Recording()
    held = SpanVectors(embed, max_texts=100)
    held.for_namespace("tenant-a")(["laptop"])
    held.for_namespace("tenant-b")(["laptop"])
    assert embed.calls == [["laptop"], ["laptop"]]


def test_the_table_is_bounded_least_recently_used_first_out() -> None:
    embed = Recording()
    held = SpanVectors(embed, max_texts=2)
    ns = held.for_namespace("a")
    ns(["one"])
    ns(["two"])
    ns(["one"])  # used again: "two" is now the oldest
    ns(["three"])
    assert len(held) == 2
    embed.calls.clear()
    ns(["one", "three"])
    assert embed.calls == []
    ns(["two"])
    assert embed.calls == [["two"]]


def test_zero_keeps_nothing() -> None:
    embed = Recording()
    held = SpanVectors(embed, max_texts=0)
    held.for_namespace("a")(["laptop"])
    held.for_namespace("a")(["laptop"])
    assert embed.calls == [["laptop"], ["laptop"]]
    assert len(held) == 0


def test_a_second_lookup_scores_the_same_and_embeds_nothing(tmp_path: Path) -> None:
    verifier = load_verifier(_weights_with_span(tmp_path))
    embed = Recording()
    held = SpanVectors(embed, max_texts=100)
    pairs = [(cached, 0.97, None) for cached in BATCH]
    first = _score_all(verifier, ASKED, None, pairs, held.for_namespace("a"))
    second = _score_all(verifier, ASKED, None, pairs, held.for_namespace("a"))
    assert len(embed.calls) == 1
    assert first == second == _score_all(verifier, ASKED, None, pairs, fake_embed)


def test_a_flushed_namespace_loses_its_spans_and_no_batch_is_kept_alive() -> None:
    embed = Recording()
    held = SpanVectors(embed, max_texts=100)
    held.for_namespace("a")(["laptop", "notebook"])
    held.for_namespace("b")(["laptop"])
    # Each kept row owns its memory: a view would keep its whole batch alive.
    assert all(vector.base is None for vector in held._table.values())
    held.drop("a")
    assert len(held) == 1
    embed.calls.clear()
    held.for_namespace("a")(["laptop"])
    held.for_namespace("b")(["laptop"])
    assert embed.calls == [["laptop"]]
    assert held.for_namespace("a")([]).shape[0] == 0
