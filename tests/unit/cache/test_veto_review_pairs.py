"""The session-14 reviewer's Korean pairs against the shipped verifier: no wrong answer served.

``tests/data/cache_veto_review/`` holds 90 hand-written pairs (70 where the cached answer of
``a`` is wrong for ``b``, 20 where it is right) written against four Korean veto narrowings
that were not shipped, plus six variants that tell a condition in a sentence of its own. Each
pair is scored as a lookup scores a candidate (cosine floor, vetoes, trees, the language's
threshold; ``scripts/eval_cache.py``'s hit rule) with the shipped weights and the bundled
embedder. The pairs main already serves wrongly are strict xfails: fixing one turns the test red
until its mark is removed, so the count of known false hits can only go down knowingly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

from tests.unit.cache.pair_lookup import Lookup, opened, param

DATA = Path(__file__).resolve().parents[2] / "data" / "cache_veto_review"
PAIRS = DATA / "korean_veto_review.jsonl"
FULL_STOP = DATA / "korean_veto_review_fullstop.jsonl"

# Label-0 rows (line numbers of PAIRS, as the README numbers them) main serves, measured by the
# reviewer on 741b84b. #14 (예방접종 안 하면 안 돼요 / 하면 안돼요) was one until the joined
# 안돼요 was read as 안 돼요 (``negation.py``): two negations against one now veto.
KNOWN_SERVED = {
    61: "known false hit on main: the aside 해외주식이에요 ㅋㅋ (foreign shares: another tax rule)"
    " is read as background, not as an added condition",
}
# Label-1 rows main serves (background asides): asserted, so a change that loses them shows.
SERVED_TRUE = (84, 85)


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    a: str
    b: str
    label: int
    lang: str
    kind: str


def _rows(path: Path) -> list[Row]:
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            d = orjson.loads(line)
            rows.append(Row(number, d["a"], d["b"], d["label"], d["lang"], d["kind"]))
    return rows


REVIEW = _rows(PAIRS)
VARIANTS = _rows(FULL_STOP)


@pytest.fixture(scope="module")
def lookup() -> Iterator[Lookup]:
    with opened([*REVIEW, *VARIANTS]) as built:
        yield built


def _param(row: Row, reason: str | None) -> object:
    return param(row, f"row{row.line}-{row.kind}", reason)


def test_the_files_hold_what_the_readme_counts() -> None:
    assert sum(r.label == 0 for r in REVIEW) == 70
    assert sum(r.label == 1 for r in REVIEW) == 20
    assert len(VARIANTS) == 6
    assert all(r.label == 0 and r.lang == "ko" for r in VARIANTS)
    assert all(REVIEW[n - 1].label == 0 for n in KNOWN_SERVED)
    assert all(REVIEW[n - 1].label == 1 for n in SERVED_TRUE)


@pytest.mark.parametrize(
    "row", [_param(r, KNOWN_SERVED.get(r.line)) for r in REVIEW if r.label == 0]
)
def test_a_changed_negation_time_number_or_condition_is_not_served(
    lookup: Lookup, row: Row
) -> None:
    assert not lookup.served(row), f"served {row.b!r} the answer cached for {row.a!r}"


# Fixed in session 14 (``told.py``: a state told before the question is a condition).
@pytest.mark.parametrize("row", [_param(r, None) for r in VARIANTS])
def test_a_condition_told_in_an_earlier_sentence_is_not_served(lookup: Lookup, row: Row) -> None:
    assert not lookup.served(row), f"served {row.b!r} the answer cached for {row.a!r}"


@pytest.mark.parametrize("row", [_param(REVIEW[n - 1], None) for n in SERVED_TRUE])
def test_a_background_aside_main_serves_stays_served(lookup: Lookup, row: Row) -> None:
    assert lookup.served(row), f"refused {row.a!r} for {row.b!r}"
