"""Review: leaving a writer out of ``guard_lowo``'s builds leaves out its texts, not just its group.

``guard_corpora.all_rows`` keeps the first of exact duplicates, so a writer's text that another
source also holds stays in the pool under that source's group: the heads that score the writer
were trained on it and its thresholds' pool holds it (0-14 rows per writer on dev).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from tests.script_modules import import_script


@pytest.fixture(scope="module")
def lowo() -> Iterator[ModuleType]:
    yield from import_script("guard_lowo")


@pytest.mark.parametrize("one_pass", [False, True])
def test_a_left_out_writers_texts_are_not_trained_under_another_group(
    lowo: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, one_pass: bool
) -> None:
    from guard_corpora import Row

    (tmp_path / "w.jsonl").write_text(
        "".join(json.dumps({"text": t}) + "\n" for t in ("shared attack", "own attack"))
    )
    monkeypatch.setattr(lowo, "EVAL", tmp_path)
    monkeypatch.setitem(lowo.WRITERS, "w", ("dev_w", "w.jsonl"))
    rows = [  # "shared attack" is the writer's too, kept under g1 (first source)
        Row("shared attack", "attack", "g1", "en", "injection"),
        Row("benign one", "benign", "g1", "en", "benign"),
        Row("benign two", "benign", "g2", "en", "benign"),
        Row("other attack", "attack", "g2", "en", "injection"),
        Row("own attack", "attack", "dev_w", "en", "injection"),
        Row("benign three", "benign", "dev_w", "en", "benign"),
    ]
    monkeypatch.setattr(lowo, "training_rows", lambda args: rows)
    trained: list[int] = []
    pooled: list[int] = []

    def fake_fit(tf: Any, y: np.ndarray, *rest: Any) -> tuple[Any, Any]:
        trained.append(tf.shape[0])
        return ("heads", "idf")

    def fake_oos(rs: list[Row], tf: Any, y: np.ndarray, *rest: Any) -> np.ndarray:
        return np.full((len(rs), 4), 0.5)

    budgets: list[Any] = []

    def fake_thresholds(probs: np.ndarray, *rest: Any) -> dict[str, Any]:
        pooled.append(len(probs))
        budgets.append(rest[-2:])  # fpr, extraction_fpr
        return {}

    monkeypatch.setattr(lowo, "fit", fake_fit)
    monkeypatch.setattr(lowo, "out_of_source", fake_oos)
    monkeypatch.setattr(lowo, "script_thresholds", fake_thresholds)
    monkeypatch.setattr(lowo, "save", lambda *a: None)
    args = argparse.Namespace(
        alpha=1e-4,
        harm_alpha=3e-6,
        hard_weight=2.0,
        fpr=0.0125,
        extraction_fpr=0.005,
        workdir=tmp_path,
        retrain=True,
    )
    if one_pass:
        lowo.one_pass_builds(args, [{"dev_w"}])
    else:
        lowo.build(args, {"dev_w"}, tmp_path / "b" / "guard_classifier.npz")
    assert trained == [3]  # g1's benign, g2's two rows: not "shared attack"
    assert pooled == [3]
    assert budgets == [(0.0125, 0.005)]  # the extraction head's own budget reaches the pass


def test_builds_are_not_reused_across_settings(
    lowo: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = {
        "workdir": tmp_path,
        "alpha": 1e-4,
        "harm_alpha": 3e-6,
        "fpr": 0.0125,
        "hard_weight": 2.0,
        "one_pass": False,
        "include_writers": True,
        "include_group": [],
        "skip_category": [],
        "exclude_group": [],
    }
    here = lowo.settings_dir(argparse.Namespace(**base))
    assert here == lowo.settings_dir(argparse.Namespace(**base))
    assert here == lowo.settings_dir(argparse.Namespace(**base, extraction_fpr=None))
    changes = (
        {"hard_weight": 1.0},
        {"fpr": 0.02},
        {"extraction_fpr": 0.005},
        {"one_pass": True},
        {"exclude_group": ["g"]},
    )
    for change in changes:
        assert lowo.settings_dir(argparse.Namespace(**{**base, **change})) != here
    # the groups --include-writers stands for are part of the settings (session 18 changed them)
    monkeypatch.setattr(lowo, "shipped_optional_groups", lambda: ("dev_written_s12_i",))
    assert lowo.settings_dir(argparse.Namespace(**base)) != here
    # and so are the categories a group trains without (session 19's GROUP_SKIPS)
    groups_only = lowo.settings_dir(argparse.Namespace(**base))
    monkeypatch.setattr(lowo, "GROUP_SKIPS", {"dev_heldout_v16": frozenset({"jailbreak"})})
    assert lowo.settings_dir(argparse.Namespace(**base)) != groups_only


def test_an_excluded_group_is_in_no_build_and_no_threshold_pass(
    lowo: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--exclude-group`` (session 12's baseline: s12_i and v10 in no build) drops the group and
    its writer's texts from every training row, so ``--one-pass``'s one threshold pass never sees
    them either (up to session 11 only the builds' fits dropped them)."""
    from guard_corpora import Row

    (tmp_path / "w.jsonl").write_text(json.dumps({"text": "shared attack"}) + "\n")
    monkeypatch.setattr(lowo, "EVAL", tmp_path)
    monkeypatch.setitem(lowo.WRITERS, "w", ("dev_w", "w.jsonl"))
    rows = [
        Row("shared attack", "attack", "g1", "en", "injection"),  # the writer's text, under g1
        Row("benign one", "benign", "g1", "en", "benign"),
        Row("own benign", "benign", "dev_w", "en", "benign"),
    ]
    monkeypatch.setattr(lowo, "all_rows", lambda *args: rows)
    base = {"include_group": [], "include_writers": False, "skip_category": []}
    for path in ("shared_eval", "garak", "pyrit"):
        base[path] = tmp_path
    kept = lowo.training_rows(argparse.Namespace(**base, exclude_group=["dev_w"]))
    assert [r.text for r in kept] == ["benign one"]
    assert len(lowo.training_rows(argparse.Namespace(**base, exclude_group=[]))) == 3


def test_an_untrained_writers_texts_stay_out_of_its_builds(
    lowo: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer whose set is no training group (session 14's v11-v13 and s13_j, or any writer
    with ``--no-include-writers``) still has its texts that another source holds left out of
    the builds that score it; before, only a writer whose group was trained on had."""
    from guard_corpora import Row

    (tmp_path / "w.jsonl").write_text(json.dumps({"text": "shared attack"}) + "\n")
    monkeypatch.setattr(lowo, "EVAL", tmp_path)
    monkeypatch.setitem(lowo.WRITERS, "w", ("dev_w", "w.jsonl"))
    rows = [  # no "dev_w" rows: the writer is not a training group
        Row("shared attack", "attack", "g1", "en", "injection"),
        Row("benign one", "benign", "g1", "en", "benign"),
        Row("other attack", "attack", "g2", "en", "injection"),
    ]
    monkeypatch.setattr(lowo, "training_rows", lambda args: rows)
    trained: list[int] = []

    def fake_fit(tf: Any, *rest: Any) -> tuple[Any, Any]:
        trained.append(tf.shape[0])
        return ("heads", "idf")

    monkeypatch.setattr(lowo, "fit", fake_fit)
    monkeypatch.setattr(lowo, "out_of_source", lambda rs, *a: np.full((len(rs), 4), 0.5))
    monkeypatch.setattr(lowo, "script_thresholds", lambda *a: {})
    monkeypatch.setattr(lowo, "save", lambda *a: None)
    args = argparse.Namespace(
        alpha=1e-4, harm_alpha=3e-6, hard_weight=2.0, fpr=0.0125, extraction_fpr=None
    )
    left_out = lowo.writer_left_out("w", ["g9"])
    assert left_out == {"dev_w", "g9"}
    lowo.build(args, left_out, tmp_path / "b" / "guard_classifier.npz")
    assert trained == [2]  # "benign one" and "other attack", not the writer's "shared attack"


@pytest.mark.parametrize("group", ["dev_written_s17_n"])
def test_unshipped_groups_train_only_when_named(
    lowo: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, group: str
) -> None:
    """``--include-writers`` (the default) trains on the shipped build's optional groups only;
    an unshipped group's candidate is the same run with ``--include-group`` for it."""
    asked: list[tuple[str, ...]] = []

    def fake_all_rows(*args: Any) -> list[Any]:
        asked.append(args[4])
        return []

    monkeypatch.setattr(lowo, "all_rows", fake_all_rows)
    base = {"include_writers": True, "skip_category": [], "exclude_group": []}
    for path in ("shared_eval", "garak", "pyrit"):
        base[path] = tmp_path
    lowo.training_rows(argparse.Namespace(**base, include_group=[]))
    assert "dev_written_s12_i" in asked[-1]
    assert group not in asked[-1]
    lowo.training_rows(argparse.Namespace(**base, include_group=[group]))
    assert group in asked[-1]
