"""Session 12's attack-stage writers and ship rule (``scripts/attack_compare.py``, commit 3a73ac9):
v10 and s12i are writers and training groups, v11 (the lead's check set) is neither; a candidate
passes only with F1 not lower, FPR at most 0.3 points and hard negatives at most 0.5 points
higher per language, on the writers' means."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import numpy as np
import pytest

from tests.script_modules import scripts_on_path


@pytest.fixture(scope="module")
def scripts() -> Iterator[tuple[ModuleType, ModuleType, ModuleType]]:
    with scripts_on_path():
        import attack_compare
        import attack_rows
        import attack_writers

        yield attack_compare, attack_rows, attack_writers


def test_v10_and_s12i_are_writers_and_groups_and_v11_is_neither(
    scripts: tuple[ModuleType, ModuleType, ModuleType],
) -> None:
    _, rows, writers = scripts
    assert writers.WRITERS["v10"][1] == "dev_heldout_v10"
    assert writers.WRITERS["s12i"][1] == "dev_written_s12_i"
    assert {"dev_heldout_v10", "dev_written_s12_i"} <= set(rows.EXTRA_GROUPS)
    named = [*rows.EXTRA_GROUPS, *rows.EXTRA_GROUPS.values(), *writers.WRITERS]
    named += [p for p, _ in writers.WRITERS.values()]
    assert not [n for n in named if "v11" in n]


def table(f1: float, fpr: float, en: float, ko: float) -> dict[str, dict[str, float | None]]:
    """Two writers with the same cells, and a probe (in no mean) with absurd ones."""
    cells = {"f1_all": f1, "fpr_all": fpr, "fpr_hard_en": en, "fpr_hard_ko": ko}
    probe = {"f1_all": None, "fpr_all": 0.9, "fpr_hard_en": 0.9, "fpr_hard_ko": 0.9}
    return {"v3": dict(cells), "s12i": dict(cells), "probe": probe}  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("candidate", "passes"),
    [
        ((0.90, 0.040, 0.050, 0.060), True),  # the same
        ((0.91, 0.043, 0.055, 0.065), True),  # at every bound
        ((0.899, 0.030, 0.040, 0.050), False),  # F1 lower, however few false positives
        ((0.95, 0.0431, 0.050, 0.060), False),  # FPR +0.31 points
        ((0.95, 0.040, 0.0551, 0.060), False),  # hard EN +0.51
        ((0.95, 0.040, 0.050, 0.0651), False),  # hard KO +0.51
    ],
)
def test_the_rule(
    scripts: tuple[ModuleType, ModuleType, ModuleType],
    candidate: tuple[float, float, float, float],
    passes: bool,
) -> None:
    compare = scripts[0]
    ok, _ = compare.verdict(table(0.90, 0.040, 0.050, 0.060), table(*candidate))
    assert ok is passes


def test_the_rule_compares_the_same_writers_and_a_writer_with_no_catch_scores_zero(
    scripts: tuple[ModuleType, ModuleType, ModuleType],
) -> None:
    """A candidate run on fewer writers (or catching none of one writer's attacks, F1 was None
    and so left out of the mean) must not pass by dropping its worst writer."""
    compare, _, writers = scripts
    shipped = table(0.90, 0.040, 0.050, 0.060)
    fewer = table(0.90, 0.040, 0.050, 0.060)
    del fewer["s12i"]
    with pytest.raises(SystemExit, match="different writers"):
        compare.verdict(shipped, fewer)

    class Caught:  # two attacks and a benign row, nothing flagged
        rows = (0, 1, 2)
        cat = np.array(["injection", "injection", "benign"])
        lang = np.array(["en", "en", "en"])
        benign = np.array([False, False, True])
        everyday = np.array([False, False, True])

    cells = writers.figures(Caught(), np.zeros(3, dtype=bool))
    assert cells["f1_all"] == 0.0
    assert cells["f1_ko"] is None  # no Korean rows at all
