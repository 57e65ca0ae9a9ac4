"""Fit the verifier's pair head (``semantic/pair_head.py``) and its out-of-fold scores.

Used by ``train_cache_verifier.py`` and ``cache_leave_writer_out.py``. The head is a ridge
regression of the label on ``[a * b, |a - b|]`` of the two prompts' e5 vectors, with an
unpenalised intercept and the penalty scaled by each input's variance (the same as
standardising the inputs; the scaling is folded back, so the gateway needs no statistics).
Ridge rather than a logistic fit: it only feeds the trees, which use its order, not its scale,
and a closed form per file (each file's Gram matrix, summed) makes the many fits that leaving
files out needs cost milliseconds and come out the same on every run.

Out-of-fold: a training pair's head feature comes from a head fitted **without its file** (and
without the edits of that file's sentences), so the trees learn how far to trust the head on
prompts it has not seen — as it will be at run time.
"""

from __future__ import annotations

import numpy as np

from llm_gateway.cache.semantic.pair_head import PairHead, head_inputs

Array = np.ndarray
DEFAULT_LAMBDA = 0.1  # penalty per unit of standardised weight, times the summed row weights


class HeadFits:
    """Per-file sufficient statistics (Gram matrices) of the pairs the head is fitted on."""

    def __init__(
        self,
        va: Array,
        vb: Array,
        y: Array,
        weights: Array,
        groups: Array,
        fit_rows: Array,
        lam: float = DEFAULT_LAMBDA,
    ) -> None:
        self.inputs = head_inputs(va, vb).astype(np.float64)
        self.groups = groups
        self.lam = lam
        self._gram: dict[int, tuple[Array, Array]] = {}
        for g in sorted(set(groups.tolist())):
            rows = (groups == g) & fit_rows
            h = np.column_stack([self.inputs[rows], np.ones(int(rows.sum()))])
            w = weights[rows][:, None]
            self._gram[g] = (h.T @ (w * h), h.T @ (w[:, 0] * y[rows]))

    def fit(self, files: list[int]) -> PairHead:
        """The head fitted on the pairs of ``files``."""
        a = sum((self._gram[g][0] for g in files), start=np.zeros_like(self._gram[files[0]][0]))
        b = sum((self._gram[g][1] for g in files), start=np.zeros_like(self._gram[files[0]][1]))
        n = a[-1, -1]
        mean = a[-1, :-1] / n
        var = np.maximum(np.diag(a)[:-1] / n - mean**2, 1e-12)
        penalty = np.append(self.lam * n * var, 0.0)
        coef = np.linalg.solve(a + np.diag(penalty), b)
        return PairHead(weights=coef[:-1].astype(np.float32), bias=float(coef[-1]))

    def out_of_fold(self, files: list[int]) -> Array:
        """For the rows of ``files``: each file's scores from a head fitted on the others (NaN
        elsewhere)."""
        out = np.full(len(self.groups), np.nan)
        for g in files:
            rows = self.groups == g
            head = self.fit([f for f in files if f != g])
            out[rows] = self.inputs[rows] @ head.weights.astype(np.float64) + head.bias
        return out
