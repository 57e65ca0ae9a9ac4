"""The guardrail trainers never read the lead's held-out set (any path naming ``v63``).

Only names are checked here: the held-out files are never opened, not even by this test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

from tests.script_modules import import_script, scripts_on_path

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def corpora() -> Iterator[ModuleType]:
    yield from import_script("guard_corpora")


@pytest.fixture(scope="module")
def groups() -> Iterator[ModuleType]:
    yield from import_script("guard_groups")


@pytest.mark.parametrize(
    "name",
    [
        "eval/guardrails/heldout/guard_heldout_v63.jsonl",
        "eval/guardrails/heldout/README_v63.md",
        "/tmp/elsewhere/anything_v63_copy.jsonl",
        "/work/heldout_v63/guard.jsonl",
    ],
)
def test_a_v63_path_stops_the_run_before_it_is_read(corpora: ModuleType, name: str) -> None:
    with pytest.raises(SystemExit, match="held-out"):
        list(corpora.jsonl_rows(Path(name), "group"))  # SystemExit, not FileNotFoundError


def test_dev_paths_pass(corpora: ModuleType, groups: ModuleType) -> None:
    for name in (
        "guard_heldout_v2.jsonl",
        "guard_heldout_v3.jsonl",
        "guard_heldout_v4.jsonl",
        "guard_heldout_v5.jsonl",
        "guard_heldout_v6.jsonl",
        "guard_heldout_v7.jsonl",
        "guard_heldout_v8.jsonl",
        "guard_heldout_v9.jsonl",
        "guard_heldout_v10.jsonl",
        "guard_heldout_v11.jsonl",
        "guard_heldout_v12.jsonl",
        "guard_heldout_v13.jsonl",
        "guard_heldout_v14.jsonl",
        "guard_heldout_v15.jsonl",
        "guard_heldout_v16.jsonl",
        "guard_heldout_v17.jsonl",
        "guard_heldout_v18.jsonl",
        "guard_heldout_v19.jsonl",
        "guard_heldout_v20.jsonl",
    ):
        path = ROOT / "eval/guardrails/heldout" / name
        assert corpora.refuse_heldout(path) == path
    assert groups.SECOND_INDEPENDENT_SET.endswith("guard_heldout_v2.jsonl")
    assert groups.THIRD_INDEPENDENT_SET.endswith("guard_heldout_v3.jsonl")
    assert groups.FOURTH_INDEPENDENT_SET.endswith("guard_heldout_v4.jsonl")
    assert groups.FIFTH_INDEPENDENT_SET.endswith("guard_heldout_v5.jsonl")
    assert groups.SIXTH_INDEPENDENT_SET.endswith("guard_heldout_v6.jsonl")
    assert groups.SEVENTH_INDEPENDENT_SET.endswith("guard_heldout_v7.jsonl")
    assert groups.EIGHTH_INDEPENDENT_SET.endswith("guard_heldout_v8.jsonl")
    assert groups.NINTH_INDEPENDENT_SET.endswith("guard_heldout_v9.jsonl")
    assert groups.TENTH_INDEPENDENT_SET.endswith("guard_heldout_v10.jsonl")
    assert groups.ELEVENTH_INDEPENDENT_SET.endswith("guard_heldout_v11.jsonl")
    assert groups.TWELFTH_INDEPENDENT_SET.endswith("guard_heldout_v12.jsonl")
    assert groups.THIRTEENTH_INDEPENDENT_SET.endswith("guard_heldout_v13.jsonl")


def test_the_shared_directory_glob_skips_v63_files(corpora: ModuleType, tmp_path: Path) -> None:
    injection = tmp_path / "injection"
    injection.mkdir()
    (injection / "set_v63.jsonl").write_text('{"text": "x", "category": "benign"}\n')
    (injection / "set.jsonl").write_text('{"text": "y", "category": "benign"}\n')
    assert [r.text for r in corpora.shared_rows(tmp_path)] == ["y"]


def test_the_harm_stage_trains_and_scores_writers_but_never_v63() -> None:
    """The e5 trainer's extra groups and the leave-one-writer-out sets are dev files that exist;
    none names the lead's held-out set, and the script refuses a v63 output directory."""
    with scripts_on_path():
        import harm_lowo
        import harm_rows
    repo_eval = ROOT / "eval/guardrails"
    both = {**harm_rows.EXTRA_GROUPS, **harm_rows.WRITER_GROUPS}
    extra = [repo_eval / name for name in both.values()]
    all_writers = {**harm_lowo.WRITERS, **harm_lowo.LATER_WRITERS}
    writers = [path for path, _ in all_writers.values()]
    for path in [*extra, *writers]:
        assert "v63" not in str(path.relative_to(ROOT)).lower()
        assert "v11" not in path.name  # the lead's joint check of session 12
        assert path.is_file(), path
    groups = {group for _, group in all_writers.values()}
    assert groups <= {*both, "dev_heldout_v3", "dev_heldout_v4"}
    with pytest.raises(SystemExit, match="held-out"):
        harm_lowo.refuse_heldout(Path("/tmp/harm_v63_out"))


def test_an_excluded_writer_group_stays_out_of_the_e5_training_rows(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``--exclude-group dev_written_s9_c`` (the "before" of session 9's writers c and d) keeps
    that writer's rows out of the head's training rows; the other session-9 writers stay in."""
    with scripts_on_path():
        import harm_rows
    monkeypatch.setattr(harm_rows, "all_rows", lambda *_: [])  # the extra groups alone
    args = SimpleNamespace(
        shared_eval=tmp_path, garak=tmp_path, pyrit=tmp_path, exclude_group=["dev_written_s9_c"]
    )
    groups = {row.group for row in harm_rows.training_rows(args)}
    assert "dev_written_s9_c" not in groups
    assert {"dev_written_s9_a", "dev_written_s9_b", "dev_written_s9_d"} <= groups
    # session 12: the later writers train the shipped head (not with --no-later-writers), and
    # never through the attack stage's dict
    assert {"dev_written_s12_i", "dev_written_s10_g", "dev_heldout_v10"} <= groups
    assert not set(harm_rows.WRITER_GROUPS) & set(harm_rows.EXTRA_GROUPS)
    args.later_writers = False
    assert not set(harm_rows.WRITER_GROUPS) & {r.group for r in harm_rows.training_rows(args)}


def test_the_attack_stage_trains_and_scores_writers_but_never_v63() -> None:
    """The attack head's extra groups and its leave-one-writer-out sets are dev files that
    exist, none names the lead's held-out set, and every writer's group is a training group
    (so that leaving it out removes it)."""
    with scripts_on_path():
        import attack_rows
        import attack_writers
    repo_eval = ROOT / "eval/guardrails"
    extra = [repo_eval / name for name in attack_rows.EXTRA_GROUPS.values()]
    writers = [attack_writers.source(name)[0] for name in attack_writers.WRITERS]
    for path in [*extra, *writers]:
        assert "v63" not in str(path.relative_to(ROOT)).lower()
        assert path.is_file(), path
    groups = {attack_writers.source(name)[1] for name in attack_writers.WRITERS}
    assert groups <= {*attack_rows.EXTRA_GROUPS, "dev_heldout_v3", "dev_heldout_v4"}


def test_the_fast_layers_writers_exist_and_never_name_v63(groups: ModuleType) -> None:
    """``guard_lowo``'s writers and the optional n-gram groups are dev files that exist; each
    writer's group is one it can be left out by."""
    with scripts_on_path():
        import guard_lowo
    repo_eval = ROOT / "eval/guardrails"
    for name in groups.OPTIONAL_GROUPS.values():
        assert "v63" not in name.lower()
        assert (repo_eval / name).is_file(), name
    for group, name in guard_lowo.WRITERS.values():
        assert "v63" not in name.lower()
        assert (repo_eval / name).is_file(), name
        assert group in {*groups.OPTIONAL_GROUPS, "dev_heldout_v3", "dev_heldout_v4"}
