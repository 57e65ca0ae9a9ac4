"""A blind writer's told-state pairs (session 15) against the shipped verifier, main pinned.

``tests/data/told_review/blind_s15.jsonl``: 120 pairs by a writer who saw only a brief (README
``README_blind_s15.md``): a plain question against the same question with a state of the asker
told before it (label 0), harmless background (label 1) or a denied state (label 1). They judged
an unmerged told-rule pass once (docs/CACHE.md, session 15). Every pair main gets right must
stay right; the ones main gets wrong are strict xfails, so a fix shows and its mark must come off.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.cache.test_told_review_pairs import Lookup, Row, read_rows

ROWS = read_rows(Path(__file__).resolve().parents[2] / "data" / "told_review" / "blind_s15.jsonl")
# Measured on main 0bda154 with the shipped verifier and the bundled embedder.
MAIN_SERVES_WRONGLY = {7, 10, 11, 46, 48, 56, 60}  # a told state, served
MAIN_REFUSES_RIGHTLY_SERVABLE = {  # background or a denied state, refused
    18, 23, 28, 33, 34, 36, 37, 38, 39, 72, 76, 77, 78, 80, 83, 85, 88, 91,
    94, 95, 97, 101, 103, 105, 106, 107, 108, 109, 112, 114, 115, 116, 117, 118, 119,
}  # fmt: skip


@pytest.fixture(scope="module")
def lookup() -> Iterator[Lookup]:
    built = Lookup(ROWS)
    try:
        yield built
    finally:
        built.embedder.close()


def _params(label: int, known_wrong: set[int], reason: str) -> list[object]:
    return [
        pytest.param(
            row,
            id=f"row{row.index}-{row.lang}-{row.kind}",
            marks=[pytest.mark.xfail(strict=True, reason=reason)]
            if row.index in known_wrong
            else [],
        )
        for row in ROWS
        if row.label == label
    ]


def test_the_file_holds_what_the_readme_counts() -> None:
    assert len(ROWS) == 120
    assert sum(r.label == 0 for r in ROWS) == 48
    assert {r.lang for r in ROWS} == {"en", "ko"}


@pytest.mark.parametrize("row", _params(0, MAIN_SERVES_WRONGLY, "main serves this told state"))
def test_a_told_state_is_not_served(lookup: Lookup, row: Row) -> None:
    assert not lookup.served(row), f"served {row.b!r} the answer cached for {row.a!r}"


@pytest.mark.parametrize(
    "row", _params(1, MAIN_REFUSES_RIGHTLY_SERVABLE, "main refuses this (added content)")
)
def test_background_or_a_denied_state_is_served(lookup: Lookup, row: Row) -> None:
    assert lookup.served(row), f"refused {row.a!r} for {row.b!r}"
