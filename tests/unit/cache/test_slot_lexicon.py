"""``slot_lexicon.py`` (session 13, third attempt): a swapped slot of two synonyms from the
hand-written lexicon (회의 / 미팅, 여권 / 패스포트, lift / elevator) is no slot substitution for
weights that name ``slot_lexicon``; an entity slot (서울 / 부산, AWS / GCP) still is; old weights
(without the key) are unchanged."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import orjson
import pytest

from llm_gateway.cache.semantic.features import FEATURE_NAMES, pair_features, slot_lexicon
from llm_gateway.cache.semantic.slot_lexicon import LEXICON_FILE, lexicon_rows
from llm_gateway.cache.semantic.span_check import slot_spans, span_inputs
from llm_gateway.cache.semantic.verifier import WEIGHTS_FILE, load_verifier

SLOT = FEATURE_NAMES.index("slot_substitution")

# True pairs whose only change is a lexicon synonym in one slot (particles and endings attached,
# spacing, case, a shared compound part, a shared neighbouring word).
SYNONYM_SLOTS = [
    ("여권 재발급은 어디서 해?", "패스포트 재발급은 어디서 해?"),
    ("와이파이 비밀번호 바꾸는 법", "와이파이 패스워드 바꾸는 법"),
    ("와이파이 비밀번호 바꾸는 법", "WiFi 비밀번호 바꾸는 법"),
    ("내일 회의를 취소하려면 어떻게 해?", "내일 미팅을 캔슬하려면 어떻게 해?"),
    ("회의실 예약 방법", "미팅실 예약 방법"),
    ("How do I renew my number plate?", "How do I renew my license plate?"),
    ("Where is the lift in the station", "Where is the elevator in the station"),
]
# Entity slots: the lexicon must not clear them.
ENTITY_SLOTS = [
    ("서울 날씨 어때?", "부산 날씨 어때?"),
    ("대구 특산물 뭐 있어?", "대전 특산물 뭐 있어?"),
    ("AWS pricing for storage", "GCP pricing for storage"),
    ("엑셀 단축키 알려줘", "워드 단축키 알려줘"),
]


def test_the_lexicon_is_package_data_read_on_first_use() -> None:
    assert LEXICON_FILE.parent.name == "data"
    assert LEXICON_FILE.is_file()
    rows = lexicon_rows()
    assert len(rows) == 600
    assert ("회의", "미팅") in rows
    assert ("카톡", "카카오톡") in rows
    folded = slot_lexicon()
    assert {("회의", "미팅"), ("미팅", "회의"), ("couch", "sofa"), ("wifi", "와이파이")} <= folded


@pytest.mark.parametrize(("a", "b"), SYNONYM_SLOTS)
def test_a_lexicon_synonym_slot_is_no_substitution(a: str, b: str) -> None:
    assert pair_features(a, b, 0.9)[SLOT] == 1.0  # without the lexicon: a slot
    assert pair_features(a, b, 0.9, lexicon=True)[SLOT] == 0.0
    assert pair_features(b, a, 0.9, lexicon=True)[SLOT] == 0.0
    assert slot_spans(a, b, lexicon=True) == []


def test_a_clipped_lexicon_pair_stays_unflagged() -> None:
    a, b = "카톡으로 사진 보내는 법", "카카오톡으로 사진 보내는 법"
    assert pair_features(a, b, 0.9, lexicon=True)[SLOT] == 0.0
    assert slot_spans(a, b, lexicon=True) == []


@pytest.mark.parametrize(("a", "b"), ENTITY_SLOTS)
def test_an_entity_slot_is_still_a_substitution(a: str, b: str) -> None:
    assert pair_features(a, b, 0.9, lexicon=True)[SLOT] == 1.0
    assert slot_spans(a, b, lexicon=True) == slot_spans(a, b)


def test_only_the_non_lexicon_spans_are_embedded() -> None:
    calls: list[list[str]] = []

    def embed(texts: Sequence[str]) -> np.ndarray:
        calls.append(list(texts))
        return np.eye(len(texts), 8, dtype=np.float32)

    a, b = "여권 재발급은 어디서 해?", "패스포트 재발급은 어디서 해?"
    with_lex = pair_features(a, b, 0.9, lexicon=True)
    assert span_inputs([(a, b, with_lex, True)], embed, lexicon=True) == [1.0]
    assert calls == []
    c, d = "서울 날씨 어때?", "부산 날씨 어때?"
    row = pair_features(c, d, 0.9, lexicon=True)
    span_inputs([(c, d, row, True)], embed, lexicon=True)
    assert calls == [["서울", "부산"]]


def test_old_weights_are_unchanged_and_weights_naming_it_get_it(tmp_path: Path) -> None:
    shipped = load_verifier()
    data = orjson.loads(WEIGHTS_FILE.read_bytes())
    assert "slot_lexicon" not in data
    assert shipped.slot_lexicon is False
    a, b = SYNONYM_SLOTS[0]
    assert shipped.inputs(a, b, 0.9)[SLOT] == 1.0
    assert shipped.inputs(a, b, 0.9) == [*pair_features(a, b, 0.9), 0.0]
    path = tmp_path / "lexicon.json"
    path.write_bytes(orjson.dumps({**data, "slot_lexicon": True}))
    model = load_verifier(path)
    assert model == dataclasses.replace(shipped, slot_lexicon=True)
    row = model.inputs(a, b, 0.9)
    assert row[SLOT] == 0.0
    assert row[-1] == 1.0
    c, d = ENTITY_SLOTS[0]
    assert model.inputs(c, d, 0.9)[SLOT] == 1.0
