"""The slot-substitution veto's overrule (session 11): the two swapped spans embedded alone, their
cosine a tree input, the veto only under the weights' level; and the pooled threshold rule."""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType

import numpy as np
import orjson
import pytest

from llm_gateway.cache.semantic.features import FEATURE_NAMES, VETOES
from llm_gateway.cache.semantic.layer import _score_all
from llm_gateway.cache.semantic.span_check import (
    MAX_SPANS,
    SPAN_FEATURE,
    slot_spans,
    span_cosines,
)
from llm_gateway.cache.semantic.verifier import WEIGHTS_FILE, load_verifier
from tests.script_modules import import_script

LAPTOP = (
    "What is the best laptop for video editing?",
    "What is the best notebook for video editing?",
)
NUMPY = ("How do I read a CSV file in numpy?", "How do I read a CSV file in pandas?")
CAR = ("Where can I rent a car in Lisbon?", "Where can I rent an automobile in Lisbon?")
# Span pairs' cosines under the fake embedder: a synonym, a near one, another library.
COSINES = {("laptop", "notebook"): 0.97, ("a car", "an automobile"): 0.9, ("numpy", "pandas"): 0.5}


def fake_embed(texts: Sequence[str]) -> np.ndarray:
    """Unit vectors whose dot products are ``COSINES`` for the listed spans (others: random)."""
    out = []
    for text in texts:
        pair = next((p for p in COSINES if text in p), None)
        if pair is None:
            rng = np.random.default_rng(zlib.crc32(text.encode()))
            v = rng.normal(size=384)
        else:
            v = np.zeros(384)
            c = COSINES[pair]
            v[0], v[1] = (1.0, 0.0) if text == pair[0] else (c, np.sqrt(1 - c * c))
        out.append(v / np.linalg.norm(v))
    return np.array(out, np.float32)


def test_the_swapped_spans_are_the_slot_tests_and_their_cosine_reads_them() -> None:
    assert slot_spans(*LAPTOP) == [("laptop", "notebook")]
    assert slot_spans(*NUMPY) == [("numpy", "pandas")]
    assert slot_spans("How do I reset my router?", "How do I reset my router?") == []
    assert span_cosines([[("laptop", "notebook")]], fake_embed) == [pytest.approx(0.97, abs=1e-5)]
    # The lowest of several swaps; a slot without spans (a quoted text changed) 0.0.
    both = [("laptop", "notebook"), ("numpy", "pandas")]
    assert span_cosines([both], fake_embed) == [pytest.approx(0.5, abs=1e-5)]
    assert span_cosines([[]], fake_embed) == [0.0]

    # More swaps than MAX_SPANS: not embedded at all (the worst case stays bounded), a veto.
    def refuse(texts: Sequence[str]) -> np.ndarray:
        raise AssertionError("embedded")

    assert span_cosines([[("laptop", "notebook")] * (MAX_SPANS + 1)], refuse) == [0.0]


def _weights_with_span(tmp_path: Path, level: float = 0.8, split: float = 0.95) -> Path:
    """The shipped weights with the span cosine as a tree input (one tree: served only over
    ``split``) and the slot veto only under ``level``."""
    data = orjson.loads(WEIGHTS_FILE.read_bytes())
    data.pop("pair_head", None)  # the shipped head (session 20) would be one more input
    span = len(FEATURE_NAMES)
    data["features"] = [*FEATURE_NAMES, SPAN_FEATURE]
    data["vetoes"] = [v for v in VETOES if v != "slot_substitution"]
    data["span_levels"] = {"en": level, "ko": level}
    data["trees"] = [
        [[span, split, 1, 2, 0.0, 0, 1], [0, 0, 0, 0, -30.0, 1, 0], [0, 0, 0, 0, 30.0, 1, 0]]
    ]
    data["baseline"] = 0.0
    path = tmp_path / "w.json"
    path.write_bytes(orjson.dumps(data))
    return path


def test_a_synonym_in_the_slot_is_served_and_another_entity_is_vetoed(tmp_path: Path) -> None:
    verifier = load_verifier(_weights_with_span(tmp_path))
    assert verifier.score(*LAPTOP, 0.97, embed=fake_embed)[0] > 0.99  # over level and split
    near = verifier.score(*CAR, 0.97, embed=fake_embed)[0]
    assert 0.0 < near < 0.01  # over the level: the trees' call (under their split)
    assert verifier.score(*NUMPY, 0.97, embed=fake_embed)[0] == 0.0  # under the level: vetoed
    # Without an embedder a swapped slot stays vetoed; another veto wins over any span.
    assert verifier.score(*LAPTOP, 0.97)[0] == 0.0
    numbers = ("Is 5 mg safe for a laptop user?", "Is 50 mg safe for a notebook user?")
    assert verifier.score(*numbers, 0.97, embed=fake_embed)[0] == 0.0


def test_the_layer_hands_its_embedder_to_the_scoring_hop(tmp_path: Path) -> None:
    verifier = load_verifier(_weights_with_span(tmp_path))
    other = "What is the best desktop for video editing?"  # desktop / notebook: far apart
    pairs = [(LAPTOP[0], 0.97, None), (other, 0.97, None)]
    served = [p > 0.5 for p, _ in _score_all(verifier, LAPTOP[1], None, pairs, fake_embed)]
    assert served == [True, False]


ASKED = LAPTOP[1]  # "... notebook ...": every flagged candidate below swaps a span with it
BATCH = [
    LAPTOP[0],  # laptop / notebook
    "What is the best desktop for video editing?",  # desktop / notebook
    LAPTOP[0],  # the same candidate twice: nothing embedded twice
    "What is the best laptop for photo editing?",  # two swaps: laptop / notebook, photo / video
    "What's the best notebook for video editing?",  # no slot swapped: no span
    "What are the best 5 laptops for video editing?",  # numbers differ: vetoed, no span embedded
    "What is the best laptop " + "for video editing " * 40,  # past the cap: not scored
    "What is the best computer for video editing?",  # computer / notebook
]


def test_one_lookup_embeds_each_distinct_span_once_in_one_call(tmp_path: Path) -> None:
    """The layer's scoring hop embeds the spans of every flagged candidate that no other veto
    refuses in one call, each text once; each candidate scores as it does alone."""
    verifier = load_verifier(_weights_with_span(tmp_path))
    calls: list[list[str]] = []

    def recording(texts: Sequence[str]) -> np.ndarray:
        calls.append(list(texts))
        return fake_embed(texts)

    pairs = [(cached, 0.97, None) for cached in BATCH]
    scored = _score_all(verifier, ASKED, None, pairs, recording)
    assert len(calls) == 1
    assert sorted(calls[0]) == ["computer", "desktop", "laptop", "notebook", "photo", "video"]
    alone = [verifier.score(cached, ASKED, 0.97, embed=fake_embed) for cached in BATCH]
    assert scored == alone  # the same probability and language, candidate by candidate
    assert [p > 0.5 for p, _ in scored] == [True, False, True, False, True, False, False, False]
    # The rows themselves (the span cosine included) are the single-pair path's, exactly.
    fitting = [(cached, 0.97, None) for cached in BATCH if len(cached) < 100]
    rows = verifier.inputs_all(ASKED, fitting, recording)
    assert rows == [
        verifier.inputs(cached, ASKED, 0.97, embed=fake_embed) for cached, *_ in fitting
    ]
    assert rows[0][-1] == rows[2][-1] == pytest.approx(0.97, abs=1e-5)
    assert rows[3][-1] == pytest.approx(float(np.dot(*fake_embed(["photo", "video"]))), abs=1e-6)
    # Without an embedder every swapped slot is vetoed; with no slot flagged nothing is embedded.
    assert [p for p, _ in _score_all(verifier, ASKED, None, pairs)][:4] == [0.0] * 4
    calls.clear()
    assert _score_all(verifier, ASKED, None, [(BATCH[4], 0.97, None)] * 2, recording)[0][0] > 0.5
    assert calls == []


def test_weights_with_span_levels_but_without_its_feature_are_refused(tmp_path: Path) -> None:
    path = _weights_with_span(tmp_path)
    data = orjson.loads(path.read_bytes())
    data["features"] = list(FEATURE_NAMES)
    path.write_bytes(orjson.dumps(data))
    with pytest.raises(ValueError, match="other features"):
        load_verifier(path)


@pytest.fixture(scope="module")
def thresholds() -> Iterator[ModuleType]:
    yield from import_script("cache_thresholds")


def test_the_pooled_rule_is_not_set_by_one_writers_near_misses(thresholds: ModuleType) -> None:
    """Four writers; one (file 3) has two negatives at 0.97-0.98 that nobody else writes. Session
    10's rule (1 % on each file, <= 1 false hit on each left-out file) goes above them all; the
    pooled rule (1 % pooled over the left-out files, 3 % on each) keeps the others' threshold."""
    rng = np.random.default_rng(0)
    oos, y, groups = [], [], []
    for g in range(4):
        neg = rng.uniform(0.0, 0.6, 100)
        if g == 3:
            neg[:2] = (0.97, 0.98)
        oos += [*neg, *rng.uniform(0.5, 1.0, 100)]
        y += [0] * 100 + [1] * 100
        groups += [g] * 200
    n = len(y)
    s = thresholds.Scores(
        np.array(oos), np.array(y), np.array(["en"] * n), np.array(groups), np.ones(n, bool)
    )
    old, _ = thresholds.choose(s, [0, 1, 2, 3], 0.01, 80, 1)
    pooled, report = thresholds.choose_pooled(s, [0, 1, 2, 3], 0.03, 80)
    assert old["en"] > 0.98
    assert pooled["en"] < 0.7
    assert any(line.startswith("pooled rule en budget 1.00%") for line in report)


@pytest.fixture(scope="module")
def veto_report() -> Iterator[ModuleType]:
    yield from import_script("cache_veto_report")


def test_the_veto_reports_refuse_a_swapped_slot_as_the_gateway_does(
    veto_report: ModuleType, tmp_path: Path
) -> None:
    """``cache_veto_report`` (and ``cache_loss_report``, through it) count the slot veto only
    where the gateway's scoring refuses the pair: a synonym's spans overrule it."""
    verifier = load_verifier(_weights_with_span(tmp_path))  # level 0.8

    def vetoes(pair: tuple[str, str]) -> list[str]:
        found: list[str] = veto_report.vetoes_of(verifier, *pair, 0.97, fake_embed)
        served = verifier.score(*pair, 0.97, embed=fake_embed)[0] > 0.0
        assert served == (found in ([veto_report.OVERRULED], ["(none)"]))  # the gateway agrees
        return found

    assert vetoes(LAPTOP) == [veto_report.OVERRULED]  # spans at 0.97
    assert vetoes(CAR) == [veto_report.OVERRULED]  # 0.9: the trees decide (under their split)
    assert vetoes(NUMPY) == ["slot_substitution"]  # 0.5, under the level
    numbers = ("Is 5 mg safe for a laptop user?", "Is 50 mg safe for a notebook user?")
    assert vetoes(numbers) == ["numbers_differ", "slot_substitution"]  # no spans embedded
    assert vetoes(("How do I reset my router?", "How can I reset my router?")) == ["(none)"]


def test_a_failing_span_embedding_vetoes_the_swapped_slots_and_raises_nothing(
    tmp_path: Path,
) -> None:
    """The layer's scoring hop: an embedder that fails on the spans degrades the lookup to the
    no-embedder scores (every swapped slot vetoed, the others scored), never an error to the
    client."""
    verifier = load_verifier(_weights_with_span(tmp_path))

    def failing(texts: Sequence[str]) -> np.ndarray:
        raise RuntimeError("the embedder broke")

    pairs = [(cached, 0.97, None) for cached in BATCH]
    scored = _score_all(verifier, ASKED, None, pairs, failing)
    assert scored == _score_all(verifier, ASKED, None, pairs)
    assert scored[0][0] == 0.0  # laptop / notebook: vetoed without its spans' cosine
    assert scored[4][0] > 0.5  # no slot swapped: still served
