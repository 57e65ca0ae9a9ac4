"""The session-15 reviewer's told-condition pairs against the shipped verifier: no new wrong
answer served and no answer main serves lost.

``tests/data/told_review/review_s15.jsonl`` holds 90 hand-written pairs aimed at wip-ctold2's
wider told rule: 50 where the cached answer of ``a`` is wrong for ``b`` (mostly a real condition
told in a denied shape: "not X, but Y", "X 아니고 Y", "X 아니라고 생각했는데 맞대요"), 40 where it
is right (background holding a word of a new kind: a friend's diet, news, "heart sank"). Each
pair is scored as a lookup scores a candidate (cosine floor, vetoes, trees, the language's
threshold; ``scripts/eval_cache.py``'s hit rule) with the shipped weights and the bundled
embedder. Label-0 pairs main refuses must be refused; label-1 pairs main serves must be served
(measured on main 9ea7fbb by the reviewer, notes/revctold2_scoring_rule.md). The label-0 pairs
main serves (three up to session 19, two with session 20's weights, three since session 21's)
are strict xfails: fixing
one turns the test red until its mark goes. The branch these were written against (wip-ctold2)
and its narrowed successor (wip-ctold3) were not
merged (docs/CACHE.md, session 15): this file pins main.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.cache.pair_lookup import Lookup, Row, opened, param, read_rows

PAIRS = Path(__file__).resolve().parents[2] / "data" / "told_review" / "review_s15.jsonl"

# Label-0 rows (0-based, as the README numbers them) main serves.
KNOWN_SERVED = {
    4: "known false hit on main: statins named as no longer taken, then a switch to Zocor (a "
    "statin) told; main's told rule reads no medication change (a narrower branch refused it)",
    49: "known false hit on main: 임신했는데 is told in the question's own clause after ㅠㅠ "
    "(neither tree cuts 는데 or a chat ending)",
    47: "known false hit on main since session 21's RQ4: a new medicine told before a grapefruit "
    "question (안 먹던 약을 먹기 시작했어요); session 20's RH refused it",
}
# Label-1 rows main serves (background before the question): asserted, so a lost hit shows.
# Session 20's RH (the pair head on retrained trees) refuses 54, 55, 58, 60, 65, 66, 68, 73, 77,
# 80, 82, 86 and 88, which session 19's verifier served; it refuses row 47 (label 0), which
# session 19's served (docs/CACHE.md, "Round 14"). Session 21's RQ4 refuses row 53 ("Tesla stock
# has been wild lately. What is a P/E ratio?") and serves row 47 (label 0) (§ "Round 18").
MAIN_SERVES = (50, 51, 52, 56, 57, 59, 62, 69, 76, 78)
MAIN_SERVES_KO = (83, 84, 85, 87)


ROWS = read_rows(PAIRS)


@pytest.fixture(scope="module")
def lookup() -> Iterator[Lookup]:
    with opened(ROWS) as built:
        yield built


def _param(row: Row, reason: str | None) -> object:
    return param(row, f"row{row.index}-{row.lang}-{row.kind}", reason)


def test_the_file_holds_what_the_readme_counts() -> None:
    assert len(ROWS) == 90
    assert sum(r.label == 0 for r in ROWS) == 50
    assert all(ROWS[i].label == 0 for i in KNOWN_SERVED)
    assert all(ROWS[i].label == 1 for i in MAIN_SERVES + MAIN_SERVES_KO)


@pytest.mark.parametrize(
    "row", [_param(r, KNOWN_SERVED.get(r.index)) for r in ROWS if r.label == 0]
)
def test_a_condition_told_before_the_question_is_not_served(lookup: Lookup, row: Row) -> None:
    assert not lookup.served(row), f"served {row.b!r} the answer cached for {row.a!r}"


@pytest.mark.parametrize("row", [_param(ROWS[i], None) for i in MAIN_SERVES + MAIN_SERVES_KO])
def test_background_main_serves_stays_served(lookup: Lookup, row: Row) -> None:
    assert lookup.served(row), f"refused {row.a!r} for {row.b!r}"
