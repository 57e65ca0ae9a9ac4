"""The verifier's pair head: its inputs, its fit (out of fold, per file), its artefact in the
shipped weights, and the verifier's use of it (a missing vector takes the trees' missing branch).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import orjson
import pytest

from llm_gateway.cache.semantic.features import FEATURE_NAMES, VETOES
from llm_gateway.cache.semantic.index import NamespaceIndex
from llm_gateway.cache.semantic.layer import _score_all
from llm_gateway.cache.semantic.pair_head import HEAD_FEATURE, PairHead, head_inputs
from llm_gateway.cache.semantic.verifier import WEIGHTS_FILE, load_verifier
from tests.script_modules import import_script


@pytest.fixture(scope="module")
def head_fits() -> Iterator[ModuleType]:
    yield from import_script("cache_pair_head")


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def test_inputs_are_the_product_and_the_gap_and_do_not_care_which_side_is_cached() -> None:
    a, b = np.array([0.6, 0.8], np.float32), np.array([1.0, 0.0], np.float32)
    assert head_inputs(a, b).tolist() == pytest.approx([0.6, 0.0, 0.4, 0.8])
    assert head_inputs(a, b).tolist() == head_inputs(b, a).tolist()


def test_score_is_linear_and_another_dimension_is_missing() -> None:
    head = PairHead(weights=np.array([1.0, 2.0, -1.0, 0.5], np.float32), bias=0.25)
    a, b = np.array([0.6, 0.8]), np.array([1.0, 0.0])
    assert head.score(a, b) == pytest.approx(0.6 - 0.4 + 0.4 + 0.25)
    assert head.scores(a[None], b[None])[0] == pytest.approx(head.score(a, b))
    assert np.isnan(head.score(np.ones(3), np.ones(3)))  # another embedder's vectors


def test_the_artefact_round_trips_and_an_odd_length_is_refused() -> None:
    head = PairHead(weights=np.arange(6, dtype=np.float32), bias=-1.5)
    again = PairHead.from_json(orjson.loads(orjson.dumps(head.to_json())))
    assert again.weights.tolist() == head.weights.tolist()
    assert again.bias == head.bias
    with pytest.raises(ValueError, match="2 × dim"):
        PairHead.from_json({"weights": [1.0, 2.0, 3.0], "bias": 0.0})


def _toy(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs whose label is whether dimension 0 agrees in sign: the cosine barely sees it."""
    a = rng.normal(size=(n, 16))
    b = a + rng.normal(scale=0.3, size=(n, 16))
    y = rng.integers(0, 2, n)
    b[:, 0] = np.where(y == 1, np.abs(b[:, 0]), -np.abs(b[:, 0])) * np.sign(a[:, 0])
    return _unit(a), _unit(b), y


def test_the_head_learns_what_the_cosine_misses_and_its_out_of_fold_scores_never_saw_the_file(
    head_fits: ModuleType,
) -> None:
    rng = np.random.default_rng(1)
    a, b, y = _toy(rng, 900)
    groups = np.repeat([0, 1, 2], 300)
    fits = head_fits.HeadFits(a, b, y, np.ones(900), groups, np.ones(900, bool), lam=0.01)
    oof = fits.out_of_fold([0, 1, 2])
    auc = np.mean(oof[y == 1][:, None] > oof[y == 0][None, :])
    assert auc > 0.9
    # File 0's out-of-fold scores come from the head fitted on files 1 and 2 alone.
    head = fits.fit([1, 2])
    assert oof[:300] == pytest.approx(head.scores(a[:300], b[:300]), abs=1e-4)
    # Rows outside the fitted set do not move the head.
    y_flipped = y.copy()
    y_flipped[:300] = 1 - y_flipped[:300]
    unfitted = np.arange(900) >= 300
    again = head_fits.HeadFits(a, b, y_flipped, np.ones(900), groups, unfitted, lam=0.01)
    assert again.fit([0, 1, 2]).weights.tolist() == pytest.approx(
        head_fits.HeadFits(a, b, y, np.ones(900), groups, unfitted, lam=0.01)
        .fit([0, 1, 2])
        .weights.tolist()
    )


def test_the_index_hands_back_a_cached_vector_for_the_head_until_it_is_removed() -> None:
    index = NamespaceIndex(dim=4)
    vector = _unit(np.array([0.1, 0.2, 0.3, 0.4]))
    index.add("d1", vector)
    stored = index.vector("d1")
    assert stored is not None
    assert stored == pytest.approx(vector, abs=1e-3)  # float16 in the index
    index.remove("d1")
    assert index.vector("d1") is None
    assert index.vector("never") is None


def _weights_with_head(tmp_path: Path, split: float) -> Path:
    """The shipped weights plus a 384-dim head and one tree that serves a pair only when the
    head's score is over ``split`` (and a missing score goes right: not served)."""
    data = orjson.loads(WEIGHTS_FILE.read_bytes())
    data.pop("span_levels", None)  # the head alone (the slot veto a plain veto again)
    data["vetoes"] = list(VETOES)
    head = len(FEATURE_NAMES)
    data["features"] = [*FEATURE_NAMES, HEAD_FEATURE]
    data["pair_head"] = PairHead(np.full(768, 0.0, np.float32), 0.0).to_json()
    data["pair_head"]["weights"][:384] = [1.0] * 384  # the score is the cosine, a * b summed
    data["trees"] = [
        [[head, split, 1, 2, 0.0, 0, 1], [0, 0, 0, 0, -30.0, 1, 0], [0, 0, 0, 0, 30.0, 1, 0]]
    ]
    data["baseline"] = 0.0
    path = tmp_path / "w.json"
    path.write_bytes(orjson.dumps(data))
    return path


def test_the_verifier_feeds_the_head_both_vectors_and_a_missing_vector_is_no_hit(
    tmp_path: Path,
) -> None:
    verifier = load_verifier(_weights_with_head(tmp_path, split=0.9))
    a = _unit(np.linspace(1.0, 2.0, 384))
    near, far = _unit(a + 0.01), _unit(np.linspace(2.0, -1.0, 384))
    text = "How do I reset my router?"
    assert verifier.score(text, text, 0.99, (a.astype(np.float16), near))[0] > 0.99
    assert verifier.score(text, text, 0.99, (a.astype(np.float16), far))[0] < 0.01
    assert verifier.score(text, text, 0.99, None)[0] < 0.01  # vector gone: missing branch
    # A veto still wins over any head score.
    assert verifier.score("Is 5 mg safe?", "Is 50 mg safe?", 0.99, (a, near))[0] == 0.0


def test_weights_with_a_head_but_without_its_feature_are_refused(tmp_path: Path) -> None:
    path = _weights_with_head(tmp_path, split=0.9)
    data = orjson.loads(path.read_bytes())
    data["features"] = list(FEATURE_NAMES)
    path.write_bytes(orjson.dumps(data))
    with pytest.raises(ValueError, match="other features"):
        load_verifier(path)


def test_the_layer_scores_with_the_cached_entrys_vector(tmp_path: Path) -> None:
    verifier = load_verifier(_weights_with_head(tmp_path, split=0.9))
    asked = _unit(np.linspace(1.0, 2.0, 384))
    index = NamespaceIndex(dim=384)
    index.add("near", _unit(asked + 0.01))
    text = "How do I reset my router?"
    pairs = [(text, 0.99, index.vector("near")), (text, 0.99, index.vector("gone"))]
    served = [p > 0.5 for p, _ in _score_all(verifier, text, asked, pairs)]
    assert served == [True, False]
