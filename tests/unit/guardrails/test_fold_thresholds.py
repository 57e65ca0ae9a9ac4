"""Session 26's round 30: the fast path's thresholds per script, chosen on leave-one-pair-out
scores (``scripts/fold_thresholds.py``) and written into the artefact (``guard_calibration``).

A Hangul prompt's scores are on the script-calibrated scale (its logits shifted by the artefact's
logit(other) - logit(ko)), so a Korean threshold is compared there; the choice keeps the benign
FPR, the look-alike judges' blocks and the Korean attack recall within their bounds.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.script_modules import import_script, scripts_on_path

LIMITS = {"other": {"attack": 0.79, "extraction": 0.83}, "ko": {"attack": 0.69, "extraction": 0.83}}


@pytest.fixture(scope="module")
def folds() -> Iterator[ModuleType]:
    yield from import_script("fold_thresholds")


@pytest.fixture(scope="module")
def calibration() -> Iterator[ModuleType]:
    yield from import_script("guard_calibration")


def scored(folds: ModuleType, rows: list[tuple[str, bool, float, bool]]) -> object:
    """A fold of (file, is attack, injection score on the calibrated scale, Hangul) rows."""
    Row = folds.Row
    built = [Row(f, attack, False, s, 0.0, s, 0.0) for f, attack, s, _ in rows]
    fold = folds.Scored(built, [k for *_, k in rows], LIMITS)
    assert fold.shifts["attack"] == pytest.approx(math.log(0.79 / 0.21) - math.log(0.69 / 0.31))
    return fold


def test_a_korean_threshold_is_compared_on_the_calibrated_scale(folds: ModuleType) -> None:
    # a Hangul prompt the artefact's Korean threshold (0.69) just flags reads 0.79 calibrated
    fold = scored(folds, [("guard.jsonl", True, 0.795, True), ("guard.jsonl", True, 0.70, False)])
    assert list(fold.counts("ko", 0.69, 0.83)) == [1, 1, 0, 0, 0]
    assert list(fold.counts("ko", 0.70, 0.83)) == [0, 1, 0, 0, 0]
    assert list(fold.counts("other", 0.70, 0.83)) == [1, 1, 0, 0, 0]


def test_look_alike_files_count_apart_from_the_guard_sets_benign_rows(folds: ModuleType) -> None:
    fold = scored(
        folds,
        [
            ("/x/lookalike_v41c.jsonl", False, 0.9, False),
            ("/x/persona_v41d.jsonl", False, 0.9, False),
            ("/x/guard_heldout_v41.jsonl", False, 0.9, False),
        ],
    )
    assert list(fold.counts("other", 0.8, 0.9)) == [0, 0, 1, 1, 2]


def test_the_choice_is_the_best_f1_within_the_bounds(folds: ModuleType) -> None:
    attacks = [("g.jsonl", True, s, False) for s in (0.95, 0.90, 0.85, 0.76, 0.72, 0.65)]
    benign = [("g.jsonl", False, 0.74, False)] + [("g.jsonl", False, 0.1, False)] * 19
    korean = [("g.jsonl", True, 0.99, True), ("g.jsonl", False, 0.1, True)]
    fold = scored(folds, attacks + benign + korean)
    # ties keep the stricter threshold: 0.76 catches what 0.75 does
    assert folds.choose([fold], max_fpr=0.0)["other"]["attack"] == pytest.approx(0.76)
    # one benign row blocked buys two more attacks caught: F1 0.93 against 0.83 at 0.76
    assert folds.choose([fold], max_fpr=0.05)["other"]["attack"] == pytest.approx(0.65)


def test_a_choice_that_blocks_more_look_alikes_than_allowed_is_refused(folds: ModuleType) -> None:
    attacks = [("g.jsonl", True, s, False) for s in (0.95, 0.70)]
    looks = [("lookalike_v41c.jsonl", False, 0.72, False)] * 5
    fold = scored(folds, attacks + looks + [("g.jsonl", False, 0.1, False)])
    # catching the 0.70 attack would block five look-alikes (none at the artefact's 0.79): every
    # threshold over 0.72 scores alike, and a tie keeps the strictest
    assert folds.choose([fold], max_fpr=0.5)["other"]["attack"] == pytest.approx(0.90)


def test_a_choice_that_lowers_korean_recall_is_refused(folds: ModuleType) -> None:
    # the Korean attack (raw 0.697, calibrated 0.795) is caught at the artefact's Korean 0.69;
    # raising that threshold to 0.71 would spare three benign Korean rows (raw 0.703) and score
    # a higher F1, but lose the attack: Korean recall may not fall
    korean = [("g.jsonl", True, 0.795, True)] + [("g.jsonl", False, 0.80, True)] * 3
    fold = scored(folds, [("g.jsonl", True, 0.95, False), *korean])
    assert folds.choose([fold], max_fpr=1.0)["ko"]["attack"] <= 0.69


def trainer_command(
    folds: ModuleType, monkeypatch: pytest.MonkeyPatch, work: Path, fold: str, by_text: bool
) -> list[str]:
    """The trainer command ``build_without`` runs for ``fold`` (no ``--reuse``, no variant)."""
    ran: list[list[str]] = []
    monkeypatch.setattr(folds.subprocess, "run", lambda command, **_: ran.append(command))
    args = argparse.Namespace(
        shared_eval=Path("s"), garak=Path("g"), pyrit=Path("p"), work=work, by_text=by_text
    )
    args.reuse = False
    args.train_arg = []
    assert folds.build_without(fold, args) == work / f"without_v{fold}.npz"
    return ran[0]


def test_each_fold_is_built_without_its_four_groups_at_the_dev_thresholds(
    folds: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    command = trainer_command(folds, monkeypatch, tmp_path, "44", by_text=False)
    assert command[command.index("--calibration") + 1] == "none"
    assert "--exclude-texts" not in command  # by group only, as round 30's folds
    excluded = {command[i + 1] for i, arg in enumerate(command) if arg == "--exclude-group"}
    assert excluded == {
        "dev_heldout_v44",
        "dev_heldout_v44b",
        "dev_lookalike_v44c",
        "dev_persona_v44d",
    }
    with scripts_on_path():
        from guard_groups import shipped_optional_groups

        assert excluded <= set(shipped_optional_groups())  # names the trainer knows


def test_a_pair_only_family_is_left_out_by_its_two_guard_sets(
    folds: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """v54 was judged without look-alike and persona sets (round 35's fifteen folds): its fold
    leaves out, and scores, the guard pair alone; every file a fold names exists."""
    command = trainer_command(folds, monkeypatch, tmp_path, "54", by_text=True)
    excluded = {command[i + 1] for i, arg in enumerate(command) if arg == "--exclude-group"}
    assert excluded == {"dev_heldout_v54", "dev_heldout_v54b"}
    assert len([a for a in command if a == "--exclude-texts"]) == 2
    fifteen = [str(n) for n in range(41, 56)]  # round 35's folds
    assert all(path.exists() for fold in fifteen for path in folds.family(fold).values())
    assert len(folds.family("55")) == 4


def test_reuse_scores_only_a_fold_build_the_same_arguments_and_registry_made(
    folds: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Round 34 chose its budget on one set of fold builds: ``--reuse`` scores a build again
    only when the record beside it names this run's trainer arguments and groups; a build with
    no record, another variant's, or no ``--reuse`` at all is made again."""
    ran: list[list[str]] = []

    def build(command: list[str], **_: object) -> None:
        ran.append(command)
        Path(command[command.index("--out") + 1]).write_bytes(b"a fold build")

    monkeypatch.setattr(folds.subprocess, "run", build)
    args = argparse.Namespace(
        shared_eval=Path("s"), garak=Path("g"), pyrit=Path("p"), work=tmp_path, by_text=True
    )
    args.train_arg, args.reuse = [], True
    (tmp_path / "without_v45.npz").write_bytes(b"made before records were kept")
    assert folds.build_without("45", args) == tmp_path / "without_v45.npz"
    assert len(ran) == 1  # no record: built again, and recorded
    folds.build_without("45", args)
    assert len(ran) == 1  # the same arguments and registry: scored again as it is
    args.train_arg = ["--alpha=2e-5"]
    folds.build_without("45", args)
    assert len(ran) == 2  # another variant's build is not this one's
    args.reuse = False
    folds.build_without("45", args)
    assert len(ran) == 3


def test_per_script_thresholds_replace_each_scripts_values(calibration: ModuleType) -> None:
    limits = {
        "other": {"attack": 0.79, "extraction": 0.83, "harmful": 0.83},
        "ko": {"attack": 0.69, "extraction": 0.83, "harmful": 0.64},
    }
    chosen = {
        "other": {"attack": 0.78, "extraction": 0.86},
        "ko": {"attack": 0.66, "extraction": 0.77},
    }
    out = calibration.calibrated(limits, chosen)
    assert out["other"] == {"attack": 0.78, "extraction": 0.86, "harmful": 0.83}
    assert out["ko"] == {"attack": 0.66, "extraction": 0.77, "harmful": 0.64}
    assert limits["ko"]["extraction"] == 0.83  # the input is not changed
    with pytest.raises(ValueError, match="per-script"):
        calibration.calibrated(limits, {"other": {"injection": 0.7}, "ko": {}})


def test_a_fold_left_out_by_text_bans_its_four_files_texts_and_passes_a_variant_on(
    folds: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Round 31: ``--by-text`` leaves the family's texts out of every other group too, and
    ``--train-arg`` reaches every fold build (a variant's folds)."""
    ran: list[list[str]] = []
    monkeypatch.setattr(folds.subprocess, "run", lambda command, **_: ran.append(command))
    args = argparse.Namespace(
        shared_eval=Path("s"), garak=Path("g"), pyrit=Path("p"), work=tmp_path, by_text=True
    )
    args.reuse = False
    args.train_arg = ["--alpha=2e-5", "--calibration=x.json"]
    folds.build_without("47", args)
    command = ran[0]
    banned = {Path(command[i + 1]).name for i, a in enumerate(command) if a == "--exclude-texts"}
    assert banned == {
        "guard_heldout_v47.jsonl",
        "guard_heldout_v47b.jsonl",
        "lookalike_v47c.jsonl",
        "persona_v47d.jsonl",
    }
    assert "--alpha=2e-5" in command
    # a variant cannot calibrate its folds: the fold's "--calibration none" comes later and wins
    assert command.index("--calibration=x.json") < command.index("--calibration")


def test_korean_benign_fpr_is_reported_from_the_hangul_counts(folds: ModuleType) -> None:
    # (caught, attacks, benign blocked, benign, look-alikes): two of eight benign rows blocked,
    # one of them Hangul, of four Hangul benign rows; two of three Hangul attacks caught
    other = folds.np.array([3, 4, 1, 4, 0])
    korean = folds.np.array([2, 3, 1, 4, 0])
    got = folds.figures(other + korean, korean)
    assert got["fpr"] == pytest.approx(2 / 8)
    assert got["korean_fpr"] == pytest.approx(1 / 4)
    assert got["korean_recall"] == pytest.approx(2 / 3)


def test_a_scripts_own_benign_fpr_bound_keeps_its_false_positives_down(
    folds: ModuleType,
) -> None:
    """Round 32: with ``max_script_fpr`` a choice may not spend the pooled FPR budget in one
    script. Here a Korean threshold low enough to catch the second Korean attack blocks one of
    four Korean benign rows (25 %), within the pooled 10 % but not within a 20 % per script."""
    english = [("g.jsonl", True, 0.95, False)] + [("g.jsonl", False, 0.1, False)] * 16
    korean = [("g.jsonl", True, 0.99, True), ("g.jsonl", True, 0.75, True)]
    korean += [("g.jsonl", False, 0.80, True)] + [("g.jsonl", False, 0.1, True)] * 3
    fold = scored(folds, english + korean)
    loose = folds.choose([fold], max_fpr=0.1)
    bounded = folds.choose([fold], max_fpr=0.1, max_script_fpr=0.2)
    assert folds.Scored.counts(fold, "ko", **loose["ko"])[2] == 1  # the benign row is blocked
    assert folds.Scored.counts(fold, "ko", **bounded["ko"])[2] == 0
    assert folds.script_fpr(folds.np.array([0, 0, 1, 4, 0])) == pytest.approx(0.25)
