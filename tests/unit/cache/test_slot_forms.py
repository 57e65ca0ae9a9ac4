"""``slot_forms.py`` (session 13): a swapped slot that changes the word's form (a loanword, a
clipped word, another script) against one that swaps an entity, as one more tree input."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType

import numpy as np
import orjson
import pytest

from llm_gateway.cache.semantic.features import FEATURE_NAMES, VETOES, pair_features
from llm_gateway.cache.semantic.slot_forms import (
    SLOT_FORM_FEATURE,
    loan_shape,
    slot_form,
    span_form_change,
)
from llm_gateway.cache.semantic.span_check import SPAN_FEATURE, slot_spans
from llm_gateway.cache.semantic.verifier import WEIGHTS_FILE, load_verifier, slot_form_input
from tests.script_modules import import_script

# Two forms of one word: a loanword for a native or Sino-Korean one, a clipped word, a script.
SAME_WORD = [
    ("일정", "스케줄"),
    ("취소", "캔슬"),
    ("할인", "디스카운트"),
    ("건보", "건강보험"),
    ("수능", "대학수학능력시험"),
    ("알바", "아르바이트"),
    ("팀즈", "teams"),
    ("vpn", "가상사설망"),
]
# Two entities or attributes in the same form.
OTHER_THING = [
    ("서울시", "경기도"),
    ("무게", "두께"),
    ("국민은행", "신한은행"),
    ("대구", "대전"),
    ("서구", "유성구"),
    ("서구", "서초구"),  # two districts, not a clipped form (session-13 review)
    ("중구", "중랑구"),
    ("타이레놀", "이부프로펜"),
    ("numpy", "pandas"),
]


def test_a_loanword_clipped_or_script_slot_reads_apart_from_an_entity_slot() -> None:
    for x, y in SAME_WORD:
        assert span_form_change(x, y) >= 0.5, (x, y)
        assert span_form_change(y, x) == span_form_change(x, y)
    # Every entity slot reads under every same-word slot; native or same-script ones read 0.
    same = min(span_form_change(x, y) for x, y in SAME_WORD)
    assert max(span_form_change(x, y) for x, y in OTHER_THING) < same
    for x, y in OTHER_THING:
        if (x, y) != ("타이레놀", "이부프로펜"):  # two loanwords, one with 프: 0.2
            assert span_form_change(x, y) == 0.0, (x, y)
    # Script change and clipped forms are certain; the loanword shape is a degree.
    assert span_form_change("팀즈", "teams") == span_form_change("건보", "건강보험") == 1.0
    assert 0.0 < span_form_change("휴대폰", "핸드폰") < 1.0
    assert loan_shape("스케줄") > loan_shape("일정") == 0.0
    assert loan_shape("큰") == 0.0  # one-syllable words are not read (큰, 콩: native)


def test_the_pair_input_is_the_lowest_over_the_swapped_spans_and_zero_without_a_slot() -> None:
    loan = ("회의 일정 좀 알려줘", "회의 스케줄 좀 알려줘")
    entity = ("서울시 인구 좀 알려줘", "경기도 인구 좀 알려줘")
    assert slot_spans(*loan) == [("일정", "스케줄")]
    assert slot_spans(*entity) == [("서울시", "경기도")]
    slot = FEATURE_NAMES.index("slot_substitution")
    for pair, want in ((loan, slot_form([("일정", "스케줄")])), (entity, 0.0)):
        features = pair_features(*pair, 0.95)
        assert features[slot] == 1.0
        assert slot_form_input(*pair, features) == want
    assert slot_form_input(*loan, pair_features(*loan, 0.95)) > 0.5
    same = ("회의 일정 좀 알려줘", "회의 일정 좀 알려주세요")
    assert slot_form_input(*same, pair_features(*same, 0.95)) == 0.0
    assert slot_form([("일정", "스케줄"), ("서울시", "경기도")]) == 0.0  # the lowest
    assert slot_form([]) == 0.0


def _weights_with_form(tmp_path: Path) -> Path:
    """The shipped weights with ``slot_form`` after the span cosine: one tree, served over 0.5."""
    data = orjson.loads(WEIGHTS_FILE.read_bytes())
    data.pop("pair_head", None)  # the shipped head (session 20) would be one more input
    form = len(FEATURE_NAMES) + 1
    data["features"] = [*FEATURE_NAMES, SPAN_FEATURE, SLOT_FORM_FEATURE]
    data["vetoes"] = [v for v in VETOES if v != "slot_substitution"]
    data["span_levels"] = {"en": 0.0, "ko": 0.0}
    data["trees"] = [
        [[form, 0.5, 1, 2, 0.0, 0, 1], [0, 0, 0, 0, -30.0, 1, 0], [0, 0, 0, 0, 30.0, 1, 0]]
    ]
    data["baseline"] = 0.0
    path = tmp_path / "w.json"
    path.write_bytes(orjson.dumps(data))
    return path


def test_weights_naming_the_input_get_it_after_the_span_cosine(tmp_path: Path) -> None:
    verifier = load_verifier(_weights_with_form(tmp_path))
    assert verifier.slot_form

    def embed(texts: Sequence[str]) -> np.ndarray:
        return np.ones((len(texts), 4), np.float32) / 2.0  # every span alike: over any level

    loan = ("회의 일정 좀 알려줘", "회의 스케줄 좀 알려줘")
    entity = ("서울시 인구 좀 알려줘", "경기도 인구 좀 알려줘")
    row = verifier.inputs(*loan, 0.95, embed=embed)
    assert len(row) == len(FEATURE_NAMES) + 2
    assert row[-1] > 0.5
    assert verifier.score(*loan, 0.95, embed=embed)[0] > 0.99
    assert verifier.score(*entity, 0.95, embed=embed)[0] < 0.01
    # The shipped weights (no slot_form) load as before: no extra input.
    shipped = load_verifier()
    assert not shipped.slot_form
    assert len(shipped.inputs(*loan, 0.95)) == len(FEATURE_NAMES) + 2  # span cosine, pair head
    # The input named in another place is refused, not misread.
    data = orjson.loads(_weights_with_form(tmp_path).read_bytes())
    data["features"] = [*FEATURE_NAMES, SLOT_FORM_FEATURE, SPAN_FEATURE]
    path = tmp_path / "bad.json"
    path.write_bytes(orjson.dumps(data))
    with pytest.raises(ValueError, match="other features"):
        load_verifier(path)


@pytest.fixture(scope="module")
def trainer() -> Iterator[ModuleType]:
    yield from import_script("train_cache_verifier")


def test_the_trainer_places_the_input_and_holds_it_monotone_up(trainer: ModuleType) -> None:
    names = trainer.tree_features(False, True, True)
    assert names[-2:] == (SPAN_FEATURE, SLOT_FORM_FEATURE)
    constraints = trainer.monotone_constraints(False, True, True)
    assert constraints[-2:] == [1, 1]
    assert trainer.monotone_constraints(False, True) == constraints[:-1]
