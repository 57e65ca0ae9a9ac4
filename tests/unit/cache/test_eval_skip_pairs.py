"""``eval_cache.py --skip-pairs`` and the trainer's ``--check``: the rows a verifier trained on
leave the figures, the rest stay.

Round 16's Korean Question_pair figures in docs/CACHE.md are read on its ``train`` rows less the
300 session 20's verifier trained on (the shipped one trains on all of them since round 18); a skip
that kept one of them would report in-sample scores as never trained.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from llm_gateway.cache.semantic.pairs import Pair, load_pair_spec
from tests.script_modules import import_script


@pytest.fixture(scope="module")
def evaluator() -> Iterator[ModuleType]:
    yield from import_script("eval_cache")


@pytest.fixture(scope="module")
def trainer() -> Iterator[ModuleType]:
    yield from import_script("train_cache_verifier")


def _pair(a: str, b: str, label: int) -> Pair:
    return Pair(a, b, label, "ko", "test")


def test_skipped_pairs_leave_and_the_name_says_how_many(evaluator: ModuleType) -> None:
    pairs = [
        _pair("헤어졌어", "이별했어", 1),
        _pair("밥 먹었어?", "점심 뭐 먹지", 0),
        _pair("잘 자", "굿밤", 1),
    ]
    name, kept, kinds = evaluator.without(
        "qp:train", pairs, ["p", "n", "p"], {("밥 먹었어?", "점심 뭐 먹지")}
    )
    assert [(p.a, p.b) for p in kept] == [("헤어졌어", "이별했어"), ("잘 자", "굿밤")]
    assert kinds == ["p", "p"]
    assert name == "qp:train less 1 skipped"


def test_a_pair_skips_only_in_its_own_order(evaluator: ModuleType) -> None:
    # a cache lookup is directed (``a`` cached, ``b`` asked): the swapped pair is another lookup
    pairs = [_pair("이별했어", "헤어졌어", 1)]
    name, kept, _ = evaluator.without("qp", pairs, [], {("헤어졌어", "이별했어")})
    assert kept == pairs
    assert name == "qp"


def test_a_training_check_never_scores_a_pair_the_model_trained_on(
    trainer: ModuleType, tmp_path: Path
) -> None:
    # round 16's check: Question_pair ``train`` beside the 300 rows of it the trees trained on
    rows = [
        {"a": f"질문 {i}", "b": f"물음 {i}", "label": i % 2, "lang": "ko", "split": "train"}
        for i in range(10)
    ]
    path = tmp_path / "qp.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    trained = {(p.a, p.b) for p in load_pair_spec(f"{path}:train:4")[1]}
    name, pairs = trainer.check_pairs(f"{path}:train", 13, trained)
    assert len(trained) == 4
    assert len(pairs) == 6
    assert not trained & {(p.a, p.b) for p in pairs}
    assert name == "qp.jsonl:train less 4 skipped"


def test_a_check_of_only_trained_pairs_scores_nothing(trainer: ModuleType, tmp_path: Path) -> None:
    # ``--train QP:train`` whole beside ``--check QP:train``: no pair left, the check is empty
    path = tmp_path / "qp.jsonl"
    rows = [{"a": f"질문 {i}", "b": f"물음 {i}", "label": i % 2, "split": "train"} for i in (1, 2)]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    trained = {(p.a, p.b) for p in load_pair_spec(f"{path}:train")[1]}
    name, pairs = trainer.check_pairs(f"{path}:train", 13, trained)
    assert pairs == []
    assert name == "qp.jsonl:train less 2 skipped"
