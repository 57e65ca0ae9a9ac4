"""``scripts/cache_veto_flips.py``: a veto's dump skips the sealed set, and the comparison counts
the true pairs and negatives a change newly refuses (alone: no other veto refused them)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.script_modules import import_script


@pytest.fixture(scope="module")
def flips() -> Iterator[ModuleType]:
    yield from import_script("cache_veto_flips")


def test_the_dump_reads_pair_files_but_never_the_sealed_set(
    flips: ModuleType, tmp_path: Path
) -> None:
    from sealed import SEALED

    pair = {"a": "1마일은 몇 km야?", "b": "1km는 몇 마일이야?", "label": 0, "lang": "ko"}
    (tmp_path / "dev.jsonl").write_text(json.dumps(pair, ensure_ascii=False) + "\n")
    (tmp_path / f"pairs_{SEALED}.jsonl").write_text("not json\n")
    out = tmp_path / "dump.json"
    flips.dump(tmp_path, "units_differ", out)
    rows = json.loads(out.read_text())
    assert [(r[0], r[1], r[2]) for r in rows] == [("dev.jsonl", 0, 1.0)]


def test_the_comparison_counts_what_a_change_newly_refuses_and_newly_clears(
    flips: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = [
        ["f", 1, 0.0, False, "a", "b"],
        ["f", 0, 0.0, False, "c", "d"],
        ["f", 0, 0.0, True, "e", "f"],
        ["f", 1, 1.0, False, "g", "h"],
        ["f", 1, 1.0, False, "i", "j"],
        ["f", 0, 1.0, True, "k", "l"],
    ]
    after = [
        ["f", 1, 1.0, False, "a", "b"],
        ["f", 0, 1.0, False, "c", "d"],
        ["f", 0, 1.0, True, "e", "f"],
        ["f", 1, 1.0, False, "g", "h"],
        ["f", 1, 0.0, False, "i", "j"],
        ["f", 0, 0.0, True, "k", "l"],
    ]
    (tmp_path / "b.json").write_text(json.dumps(before))
    (tmp_path / "a.json").write_text(json.dumps(after))
    flips.compare(tmp_path / "b.json", tmp_path / "a.json")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-2] == "newly set: true 1 (alone 1), negatives 2 (alone 1)"
    assert lines[-1] == "newly cleared: true 1 (alone 1), negatives 1 (alone 0)"
