"""``slot_lexicon.py`` (session 13, third attempt): a swapped slot of two synonyms from the
hand-written lexicon (회의 / 미팅, 여권 / 패스포트, lift / elevator) is no slot substitution for
weights that name ``slot_lexicon``; an entity slot (서울 / 부산, AWS / GCP) still is; old weights
(without the key) are unchanged."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import orjson
import pytest

from llm_gateway.cache.semantic import slots
from llm_gateway.cache.semantic.features import (
    FEATURE_NAMES,
    kept_whole,
    pair_features,
    slot_lexicon,
)
from llm_gateway.cache.semantic.slot_lexicon import LEXICON_FILE, lexicon_rows, lexicon_sha256
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
    # 회의 and 한은 without a particle (``tokens`` would cut them to 회, 한: kept whole)
    ("회의 일정 잡을 때 쓸 만한 앱 있어?", "미팅 일정 잡을 때 쓸 만한 앱 있어?"),
    ("한은 기준금리 발표 언제야?", "한국은행 기준금리 발표 언제야?"),
    ("How do I renew my number plate?", "How do I renew my license plate?"),
    ("Where is the lift in the station", "Where is the elevator in the station"),
]
# Entity slots: the lexicon must not clear them.
ENTITY_SLOTS = [
    ("서울 날씨 어때?", "부산 날씨 어때?"),
    ("대구 특산물 뭐 있어?", "대전 특산물 뭐 있어?"),
    ("AWS pricing for storage", "GCP pricing for storage"),
    ("엑셀 단축키 알려줘", "워드 단축키 알려줘"),
    # one-syllable cores of particle-split lexicon forms (회의 → 회, 한은 → 한): 회 "raw fish",
    # 회비 "membership fee", 한 "one" are not 회의 / 한은 (session-13 review)
    ("회비 얼마야?", "미팅비 얼마야?"),
    ("회 맛집 추천해줘", "미팅 맛집 추천해줘"),
    ("회를 싸게 먹는 법", "미팅을 싸게 먹는 법"),
    ("한 달 동안 뭐 하지?", "한국은행 달 동안 뭐 하지?"),
    # a mixed span: one word a lexicon synonym (회의 / 미팅), the other an entity (서울 / 부산)
    ("내일 서울 회의를 몇 시에 해?", "내일 부산 미팅을 몇 시에 해?"),
    ("서울 회의실 예약 방법", "부산 미팅실 예약 방법"),
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
    span = len(FEATURE_NAMES)  # the span cosine, then (since session 20) the pair head's score
    before = shipped.inputs(a, b, 0.9)
    assert before[: span + 1] == [*pair_features(a, b, 0.9), 0.0]
    assert math.isnan(before[span + 1])  # no vectors given: the head's gap
    path = tmp_path / "lexicon.json"
    pinned = {**data, "slot_lexicon": True, "slot_lexicon_sha256": lexicon_sha256()}
    path.write_bytes(orjson.dumps(pinned))
    model = load_verifier(path)
    # the pair head's arrays compare element-wise: compared apart
    assert dataclasses.replace(model, head=None) == dataclasses.replace(
        shipped, slot_lexicon=True, head=None
    )
    assert model.head is not None
    assert shipped.head is not None
    assert np.array_equal(model.head.weights, shipped.head.weights)
    assert model.head.bias == shipped.head.bias
    row = model.inputs(a, b, 0.9)
    assert row[SLOT] == 0.0
    assert row[span] == 1.0
    c, d = ENTITY_SLOTS[0]
    assert model.inputs(c, d, 0.9)[SLOT] == 1.0


def test_a_mixed_span_is_judged_by_every_word() -> None:
    """Two words against two: the lexicon clears the span only if each word is the same or a
    lexicon pair (``all``), so 서울 회의 / 부산 미팅 stays a substitution."""
    a, b = "내일 서울 회의를 몇 시에 해?", "내일 부산 미팅을 몇 시에 해?"
    assert slot_spans(a, b, lexicon=True) == [("서울 회의", "부산 미팅")]
    assert pair_features(a, b, 0.9, lexicon=True)[SLOT] == 1.0
    c, d = "내일 회의를 몇 시에 해?", "내일 미팅을 몇 시에 해?"  # the synonym alone clears
    assert pair_features(c, d, 0.9, lexicon=True)[SLOT] == 0.0


def test_no_one_syllable_form_unless_the_word_is_one_syllable() -> None:
    folded = slot_lexicon()
    assert ("회", "미팅") not in folded  # 회의 read with 의 as a particle
    assert ("한", "한국은행") not in folded  # 한은 read with 은 as a particle
    assert ("회의", "미팅") in folded
    assert ("칼", "나이프") in folded  # written as one syllable
    assert all(len(x) >= 2 or x in {w for row in lexicon_rows() for w in row} for x, _ in folded)
    assert kept_whole() == {"회의", "한은"}  # read whole by the slot test instead


def _cuts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every cut ``slots._strip_shared`` hands the lexicon test, recorded."""
    seen: list[tuple[str, str]] = []
    strip = slots._strip_shared

    def recording(ja: str, jb: str, longest: int) -> Iterator[tuple[str, str]]:
        for cut in strip(ja, jb, longest):
            seen.append(cut)
            yield cut

    monkeypatch.setattr(slots, "_strip_shared", recording)
    return seen


@pytest.mark.parametrize(
    "words",
    [
        ["가" * 100, "라" * 100, "나" * 30 + "가" * 100, "마" * 80, "바" * 80],
        ["가" * 120, "라", "가" * 120, "마" * 120, "바" * 120],
        ["가" * 60, "가" * 60, "라", "가" * 60, "가" * 60, "마" * 120, "바" * 120],
    ],
)
def test_long_spans_cost_linear_work(monkeypatch: pytest.MonkeyPatch, words: list[str]) -> None:
    """Shared heads and tails are cut only as far as a lexicon form could remain (the longest
    folded form), one cut at a time: the candidate cuts and the characters they hold grow
    with the prompt's length, not its cube (session-13 review: 34,000 cuts, 16 M characters on
    the first pair; 350-460 ms on two ~490-character prompts)."""
    a = " ".join(words)
    b = a.replace("라", "다")
    cuts = _cuts(monkeypatch)
    assert pair_features(a, b, 0.9, lexicon=True)[SLOT] == 1.0
    assert cuts  # the lexicon path ran
    longest = max(len(x) for x, _ in slot_lexicon())
    size = len(a) + len(b)
    assert len(cuts) <= 4 * size
    assert sum(len(x) + len(y) for x, y in cuts) <= 4 * (longest + 1) * size


def test_a_cut_bounded_by_the_longest_form_still_finds_the_pair() -> None:
    """The bound drops only cuts longer than any lexicon form: a long shared head and tail
    around a lexicon pair still clear it."""
    a = "가" * 40 + "회의" + "나" * 40
    b = "가" * 40 + "미팅" + "나" * 40
    assert ("회의", "미팅") in set(slots._strip_shared(a, b, 2))
    assert slots.lexicon_swap([a], [b], (0, 1, 0, 1), slot_lexicon())


@pytest.mark.parametrize("recorded", [None, "0" * 64])
def test_weights_for_another_lexicon_file_are_refused(tmp_path: Path, recorded: str | None) -> None:
    """Weights naming ``slot_lexicon`` carry the lexicon file's SHA-256 (the trainer writes it);
    without it, or with another file's, they are refused with a clear error."""
    data = orjson.loads(WEIGHTS_FILE.read_bytes())
    data["slot_lexicon"] = True
    if recorded is not None:
        data["slot_lexicon_sha256"] = recorded
    path = tmp_path / "other.json"
    path.write_bytes(orjson.dumps(data))
    with pytest.raises(ValueError, match="another slot lexicon"):
        load_verifier(path)


def test_the_lexicon_hash_is_the_files() -> None:
    import hashlib

    assert lexicon_sha256() == hashlib.sha256(LEXICON_FILE.read_bytes()).hexdigest()
    assert len(lexicon_sha256()) == 64
