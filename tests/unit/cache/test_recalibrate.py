"""The threshold rule and the sealed-set refusal of ``scripts/cache_recalibrate.py``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from types import ModuleType

import pytest

from tests.script_modules import import_script

FLOOR = 0.8736


@pytest.fixture(scope="module")
def recal() -> Iterator[ModuleType]:
    yield from import_script("cache_recalibrate")


def test_the_rule_allows_one_percent_of_the_pooled_negatives(recal: ModuleType) -> None:
    """Two files of 150 negatives: 3 pooled false hits are allowed (and 4 on each file), so the
    threshold lands just above the fourth highest negative."""
    a = [0.99, 0.97, 0.95, 0.93, *[0.1] * 146]
    b = [0.2] * 150
    t = recal.rule_threshold({"a": a, "b": b}, FLOOR)
    assert t == pytest.approx(0.93, abs=1e-6)
    assert t > 0.93
    assert sum(s >= t for s in a + b) == 3


def test_one_file_over_three_percent_raises_the_threshold(recal: ModuleType) -> None:
    """Pooled there is room (1 % of 1,100 = 11), but one 100-negative file may keep only 3."""
    small = [0.99, 0.98, 0.97, 0.96, 0.95, *[0.0] * 95]
    big = [0.0] * 1000
    t = recal.rule_threshold({"small": small, "big": big}, FLOOR)
    assert sum(s >= t for s in small) == 3
    assert t == pytest.approx(0.96, abs=1e-6)


def test_the_threshold_never_goes_under_the_floor(recal: ModuleType) -> None:
    """No negative near the top: the rule would go as low as it likes; the floor stops it."""
    t = recal.rule_threshold({"a": [0.5, 0.3, -1.0], "b": [0.0, 0.8]}, FLOOR)
    assert t == FLOOR


def test_leave_one_out_sets_a_files_threshold_without_it(recal: ModuleType) -> None:
    """A file's own near misses do not move its left-out threshold; they are scored at it."""
    rows = [recal.Scored("odd", "ko", 0, s) for s in (0.99, 0.98, *[0.1] * 48)]
    rows += [recal.Scored(f, "ko", 0, 0.1) for f in ("x", "y") for _ in range(100)]
    rows += [recal.Scored(f, "ko", 1, 0.95) for f in ("odd", "x", "y") for _ in range(10)]
    table = recal.leave_one_out(rows, ["odd", "x", "y"], "ko", 0.999, FLOOR)
    name, shipped, lofo = table[0]
    assert name == "odd"
    assert lofo.threshold == FLOOR
    assert (lofo.false, lofo.hits) == (2, 10)
    assert (shipped.false, shipped.hits) == (0, 0)


def test_the_verdict_needs_korean_gains_and_no_english_loss(recal: ModuleType) -> None:
    o = recal.Outcome

    def table(hits: int) -> list[tuple[str, object, object]]:
        return [("f", o(0.9, 50, 100, 0, 100), o(0.88, hits, 100, 0, 100))]

    assert recal.verdict({"en": table(50), "ko": table(52)})[0]
    assert not recal.verdict({"en": table(50), "ko": table(51)})[0]  # +1 point KO: too little
    assert not recal.verdict({"en": table(49), "ko": table(60)})[0]  # EN fell
    too_false = [("f", o(0.9, 50, 100, 0, 100), o(0.88, 60, 100, 2, 100))]
    assert not recal.verdict({"en": table(50), "ko": too_false})[0]  # 2 % false


def test_one_bar_for_both_languages_asks_english_to_rise_too(recal: ModuleType) -> None:
    """Session 16's rule: each language must gain ``min_rise`` points; English at +0 fails it."""
    o = recal.Outcome

    def table(hits: int) -> list[tuple[str, object, object]]:
        return [("f", o(0.9, 50, 100, 0, 100), o(0.88, hits, 100, 0, 100))]

    passed, lines = recal.verdict({"en": table(50), "ko": table(52)}, 2.0)
    assert not passed
    assert "FAIL" in lines[0]
    assert "FAIL" not in lines[1]
    assert recal.verdict({"en": table(52), "ko": table(52)}, 2.0)[0]


@pytest.mark.parametrize(
    "path", ["eval/cache/paraphrase_heldout_v63.jsonl", "/work/heldout_V63/pairs.jsonl"]
)
def test_a_sealed_path_is_refused_before_anything_is_read(
    recal: ModuleType, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The script stops naming the path; it never loads weights nor opens the file."""
    monkeypatch.setattr(sys, "argv", ["cache_recalibrate.py", "--dataset", path])
    monkeypatch.setattr(recal, "load_verifier", _must_not_run)
    with pytest.raises(SystemExit, match="sealed"):
        recal.main()


def test_other_paths_pass_the_refusal(recal: ModuleType) -> None:
    recal.refuse_sealed(["eval/cache/paraphrase_heldout_v13.jsonl", "eval/cache/x_v1.jsonl"])


def _must_not_run(*_: object) -> None:
    raise AssertionError("read past the refusal")


def test_a_file_counts_only_in_the_languages_it_holds(recal: ModuleType) -> None:
    """A Korean-only file (v21a) is no English file: round 8 stopped on a division by zero."""
    rows = [
        recal.Scored("both.jsonl", "en", 1, 0.9),
        recal.Scored("both.jsonl", "ko", 0, 0.1),
        recal.Scored("ko_only.jsonl", "ko", 1, 0.95),
    ]
    files = ["both.jsonl", "ko_only.jsonl"]
    assert recal.files_in(rows, files, "en") == ["both.jsonl"]
    assert recal.files_in(rows, files, "ko") == files


def test_leaving_one_out_over_a_languages_files_skips_a_file_without_it(
    recal: ModuleType,
) -> None:
    """The table ``main`` prints per language runs over ``files_in``: a Korean-only file gives no
    English row (its English hit rate would be nan and its false-hit rate a division by zero)."""
    rows = [
        recal.Scored(name, lang, label, score)
        for name in ("a.jsonl", "b.jsonl")
        for lang in ("en", "ko")
        for label, score in ((1, 0.95), (0, 0.2))
    ] + [recal.Scored("ko_only.jsonl", "ko", 1, 0.97), recal.Scored("ko_only.jsonl", "ko", 0, 0.1)]
    files = ["a.jsonl", "b.jsonl", "ko_only.jsonl"]
    en = recal.leave_one_out(rows, recal.files_in(rows, files, "en"), "en", 0.9, FLOOR)
    ko = recal.leave_one_out(rows, recal.files_in(rows, files, "ko"), "ko", 0.9, FLOOR)
    assert [f for f, _, _ in en] == ["a.jsonl", "b.jsonl"]
    assert [f for f, _, _ in ko] == files
    passed, _ = recal.verdict({"en": en, "ko": ko}, 2.0)
    assert passed is False  # the same hits left out: no rise
