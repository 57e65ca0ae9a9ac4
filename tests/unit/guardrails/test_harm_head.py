"""The e5 harm head's artefact: a logistic head, averaged with a one-layer MLP when present."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from llm_gateway.guardrails.harm_stage import load_head, save_head

LIMITS = {"other": 0.9, "ko": 0.8}


def sigmoid(z: float) -> float:
    return float(1.0 / (1.0 + np.exp(-z)))


@pytest.fixture
def vector() -> np.ndarray:
    rng = np.random.default_rng(1)
    v = rng.normal(size=384).astype(np.float32)
    return v / np.linalg.norm(v)


def test_a_linear_artefact_still_loads_and_scores(tmp_path: Path, vector: np.ndarray) -> None:
    coef = np.linspace(-1, 1, 384)
    save_head(tmp_path / "h.npz", coef, 0.25, LIMITS)
    head = load_head(tmp_path / "h.npz")
    assert head.mlp is None
    assert head.threshold == pytest.approx(0.9)
    assert head.threshold_ko == pytest.approx(0.8)
    assert head.probability(vector) == pytest.approx(sigmoid(float(vector @ coef) + 0.25), 1e-5)


def test_the_mlp_head_is_averaged_with_the_linear_one(tmp_path: Path, vector: np.ndarray) -> None:
    rng = np.random.default_rng(2)
    coef = rng.normal(size=384)
    hidden_w, hidden_b = rng.normal(size=(384, 8)), rng.normal(size=8)
    out_w, out_b = rng.normal(size=8), -0.5
    save_head(tmp_path / "h.npz", coef, 0.1, LIMITS, (hidden_w, hidden_b, out_w, out_b))
    head = load_head(tmp_path / "h.npz")
    assert head.mlp is not None
    layer = np.maximum(vector @ hidden_w + hidden_b, 0.0)  # ReLU
    expected = (sigmoid(float(vector @ coef) + 0.1) + sigmoid(float(layer @ out_w) + out_b)) / 2
    assert head.probability(vector) == pytest.approx(expected, 1e-4)


def test_the_shipped_head_has_both_parts_and_read_only_weights() -> None:
    head = load_head()
    assert head.mlp is not None
    assert head.mlp.hidden_w.shape[0] == head.coef.shape[0] == 384
    assert not head.coef.flags.writeable
    assert not head.mlp.hidden_w.flags.writeable
    assert 0.5 <= head.threshold_ko <= 1.0
    assert 0.5 <= head.threshold <= 1.0
