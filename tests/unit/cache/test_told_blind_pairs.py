"""Blind writers' told-state pairs (session 15) against the shipped verifier, main pinned.

``tests/data/told_review/blind_s15.jsonl`` and ``blind_s15b.jsonl``: 120 pairs each, by two
writers who saw only a brief (READMEs ``README_blind_s15.md``, ``README_blind_s15b.md``): a plain
question against the same question with a state of the asker told (label 0), harmless background
(label 1) or a denied state (label 1). Each judged an unmerged told-rule pass once (docs/CACHE.md,
session 15). Every pair main gets right must stay right; the ones main gets wrong are strict
xfails, so a fix shows and its mark must come off.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.cache.pair_lookup import Lookup, Row, opened, read_rows

DATA = Path(__file__).resolve().parents[2] / "data" / "told_review"
# Two blind writers' files (``blind_s15`` judged wip-ctold3, ``blind_s15b`` wip-ctold4), rows
# numbered per file from 0. Measured on main with the shipped verifier (session 21's RQ4) and the
# bundled embedder.
FILES = ("blind_s15.jsonl", "blind_s15b.jsonl")
ROWS = [(name, row) for name in FILES for row in read_rows(DATA / name)]
MAIN_SERVES_WRONGLY = {  # a told state, served (session 21's RQ4 refuses 11 / 53, serves 60)
    "blind_s15.jsonl": {7, 10, 60},
    "blind_s15b.jsonl": {10, 42, 52, 66, 68},
}
# (session 20's RH serves blind_s15 rows 18 and 91, which session 19's verifier refused, and
# refuses blind_s15 rows 19, 74, 84, 87, 93, 96, 98, 102, 104 and 110 and blind_s15b rows 27, 91,
# 99, 107 and 119, which it served; session 21's RQ4 serves blind_s15 rows 87, 93, 98 and 104 and
# blind_s15b rows 95, 99 and 119, which RH refused)
MAIN_REFUSES_RIGHTLY_SERVABLE = {  # background or a denied state, refused
    "blind_s15.jsonl": {
        19, 23, 28, 33, 34, 36, 37, 38, 39, 72, 74, 76, 77, 78, 80, 83, 84, 85, 88, 94,
        95, 96, 97, 101, 102, 103, 105, 106, 107, 108, 109, 110, 112, 114, 115, 116,
        117, 118, 119,
    },
    "blind_s15b.jsonl": {
        20, 21, 22, 23, 24, 26, 27, 32, 33, 35, 38, 39, 73, 74, 76, 77, 78, 79, 80, 82, 83, 84,
        85, 86, 87, 88, 90, 91, 92, 93, 94, 97, 98, 102, 104, 105, 107, 108, 109, 110,
        111, 112, 113, 114, 115, 116, 118,
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def lookup() -> Iterator[Lookup]:
    with opened([row for _, row in ROWS]) as built:
        yield built


def _params(label: int, known_wrong: dict[str, set[int]], reason: str) -> list[object]:
    return [
        pytest.param(
            row,
            id=f"{name.split('.')[0]}-row{row.index}-{row.lang}-{row.kind}",
            marks=[pytest.mark.xfail(strict=True, reason=reason)]
            if row.index in known_wrong[name]
            else [],
        )
        for name, row in ROWS
        if row.label == label
    ]


def test_the_files_hold_what_their_readmes_count() -> None:
    for name in FILES:
        rows = [row for file, row in ROWS if file == name]
        assert len(rows) == 120
        assert sum(r.label == 0 for r in rows) == 48
        assert {r.lang for r in rows} == {"en", "ko"}


@pytest.mark.parametrize("row", _params(0, MAIN_SERVES_WRONGLY, "main serves this told state"))
def test_a_told_state_is_not_served(lookup: Lookup, row: Row) -> None:
    assert not lookup.served(row), f"served {row.b!r} the answer cached for {row.a!r}"


@pytest.mark.parametrize(
    "row", _params(1, MAIN_REFUSES_RIGHTLY_SERVABLE, "main refuses this (added content)")
)
def test_background_or_a_denied_state_is_served(lookup: Lookup, row: Row) -> None:
    assert lookup.served(row), f"refused {row.a!r} for {row.b!r}"
