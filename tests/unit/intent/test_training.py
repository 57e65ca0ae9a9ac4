"""The training script runs on a small subset and writes the same loadable artefact twice; the
strangers' sets share only their pinned count of prompts with the files trained on."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from llm_gateway.agent.intent import IntentClassifier
from tests.script_modules import scripts_on_path

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "train_intent.py"

pytest.importorskip("sklearn")


def _train(out: Path, shared: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--limit",
            "6",
            "--shared-eval",
            str(shared),
            "--embed-cache",
            str(shared.parent / "e5-cache"),
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )


def test_training_is_deterministic_and_loadable(tmp_path: Path) -> None:
    no_shared = tmp_path / "no-shared-eval"  # the repo's own prompts only
    first, second = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    _train(first, no_shared)
    _train(second, no_shared)
    assert first.read_bytes() == second.read_bytes()
    model = IntentClassifier.load(first)
    assert model.embedding is not None
    assert set(model.labels) == {
        "general",
        "tool:calculator",
        "tool:current_time",
        "tool:web_search",
        "tool:code_executor",
        "dangerous",
    }
    prediction = model.predict("지금 몇 시야?")
    assert sum(prediction.probabilities.values()) == pytest.approx(1.0)


def _texts(name: str) -> set[str]:
    """A file's prompts under ``eval/intent``, case and whitespace folded."""
    path = ROOT / "eval" / "intent" / name
    lines = path.read_text(encoding="utf-8").splitlines()
    return {" ".join(json.loads(line)["text"].split()).casefold() for line in lines if line}


# Stranger's set -> prompts it shares with the project's own files (``prompts``, ``dev_*``). v3's
# author (session 9) wrote 9 short everyday prompts identical to such rows ("what time is it in
# ..."); they stay in the file as written and docs/INTENT.md reports v3 with and without them.
# Adding rows to the project's files must never raise these counts. v4's author (session 12)
# wrote 5 such prompts, v5's (session 15) 4, v6's (session 16) 3. (Since session 20 the model
# also trains on these five sets themselves: the next test pins what the judge after them shares.)
HELD_OUT_SHARED = {
    "heldout_v2.jsonl": 0,
    "heldout_v3.jsonl": 9,
    "heldout_v4.jsonl": 5,
    "heldout_v5.jsonl": 4,
    "heldout_v6.jsonl": 3,
}


@pytest.mark.parametrize(("name", "expected_shared"), sorted(HELD_OUT_SHARED.items()))
def test_no_held_out_prompt_is_in_the_training_files(name: str, expected_shared: int) -> None:
    held_out = _texts(name)
    others = sorted(p.name for p in (ROOT / "eval" / "intent").glob("*.jsonl"))
    trained = set().union(*(_texts(other) for other in others if "heldout" not in other))
    # Counts only, so a failure never prints held-out rows.
    rows, shared = len(held_out), len(held_out & trained)
    assert rows == 240
    assert shared == expected_shared


def test_the_session_33_model_trains_on_the_six_later_judges_and_its_writer() -> None:
    """heldout_v7 judged session 20's model (which trains on heldout_v2 ... _v6; its author wrote
    7 prompts identical to those training rows), v8-v12 judged it again with no intent change
    (17, 11, 8, 7 and 2 such prompts). Session 33 trains on all six and on a writer of harmless
    prompts in violent words; heldout_v13 judges that model and is never trained on."""

    with scripts_on_path():
        trainer = importlib.import_module("train_intent")
    trained_files = {name for name, _ in trainer.DEV_FILES}
    assert {f"heldout_v{n}.jsonl" for n in range(2, 13)} <= trained_files
    assert "dev_written_s33.jsonl" in trained_files
    assert not {name for name in trained_files if name.startswith("heldout_v13")}


# The strangers' sets that judged session 33's model once each: how many of their prompts are
# identical to training rows (v13's author wrote 13, 9 of them already in session 20's files).
# docs/INTENT.md reports each with and without them; the model never trains on them.
LATER_JUDGES_SHARED = {
    "heldout_v13.jsonl": 13,
}


@pytest.mark.parametrize(("name", "expected_shared"), sorted(LATER_JUDGES_SHARED.items()))
def test_a_later_judge_shares_its_prompts_with_training_as_counted(
    name: str, expected_shared: int
) -> None:
    with scripts_on_path():
        trainer = importlib.import_module("train_intent")
    trained_files = [file for file, _ in trainer.DEV_FILES]
    assert name not in trained_files
    judge = _texts(name)
    trained = set().union(*(_texts(file) for file in trained_files))
    # Counts only, so a failure never prints held-out rows.
    assert len(judge) == 240
    assert len(judge & trained) == expected_shared


@pytest.mark.parametrize(
    "argv",
    [
        ["--leave-out", "heldout_v12.jsonl"],  # a dev build must never replace the shipped model
        ["--leave-out", "not_a_training_file.jsonl", "--out", "/tmp/unused.json.gz"],
    ],
)
def test_a_leave_out_build_is_refused_without_its_own_output(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with scripts_on_path():
        trainer = importlib.import_module("train_intent")
    monkeypatch.setattr("sys.argv", ["train_intent.py", *argv])
    with pytest.raises(SystemExit) as stopped:
        trainer.main()
    assert stopped.value.code == 2
    assert "train_intent.py: error:" in capsys.readouterr().err
