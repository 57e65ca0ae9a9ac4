"""``korean_weights`` (session 17): a second set of verifier weights, nested in the file, scores
the pairs the verifier calls Korean (either prompt has Hangul) with its own threshold; English
pairs keep the outer weights; files the gateway could not serve from are refused; the shipped
file without the key behaves as before. ``scripts/compose_cache_verifier.py`` writes such files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
import pytest

from llm_gateway.cache.semantic.pair_head import HEAD_FEATURE
from llm_gateway.cache.semantic.verifier import WEIGHTS_FILE, load_verifier
from tests.script_modules import import_script

KOREAN = ("서울 날씨 내일 어때?", "내일 서울 날씨 어때요?")
ENGLISH = ("How do I boil an egg?", "How can I boil an egg?")


@pytest.fixture(scope="module")
def compose_script() -> Iterator[ModuleType]:
    yield from import_script("compose_cache_verifier")


def shipped() -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(WEIGHTS_FILE.read_bytes())
    return data


def sure_korean() -> dict[str, Any]:
    """The shipped weights made to say "same" to any pair no veto refuses, Korean line 0.42: no
    trees, and no pair head (a Korean set may carry none; the shipped one has had one since
    session 20)."""
    data = {k: v for k, v in shipped().items() if k != "pair_head"}
    data["features"] = [f for f in data["features"] if f != HEAD_FEATURE]
    return {**data, "trees": [], "baseline": 30.0, "thresholds": {"en": 0.99, "ko": 0.42}}


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "weights.json"
    path.write_bytes(orjson.dumps(data))
    return path


def test_the_shipped_weights_have_no_korean_model() -> None:
    assert load_verifier().korean is None


def test_korean_pairs_are_scored_by_the_korean_weights(tmp_path: Path) -> None:
    both = load_verifier(write(tmp_path, {**shipped(), "korean_weights": sure_korean()}))
    alone = load_verifier()
    (ko_score, ko_lang), (en_score, en_lang) = (
        both.score_all(KOREAN[1], [(KOREAN[0], 0.95, None)])[0],
        both.score_all(ENGLISH[1], [(ENGLISH[0], 0.95, None)])[0],
    )
    assert (ko_lang, en_lang) == ("ko", "en")
    assert ko_score > 0.99 > alone.score(*KOREAN, 0.95)[0]
    assert en_score == alone.score(*ENGLISH, 0.95)[0]


def test_each_language_keeps_its_own_threshold(tmp_path: Path) -> None:
    both = load_verifier(write(tmp_path, {**shipped(), "korean_weights": sure_korean()}))
    assert both.threshold("ko") == 0.42
    assert both.threshold("en") == load_verifier().threshold("en")


def test_mixed_candidates_keep_their_order(tmp_path: Path) -> None:
    """A Korean cached prompt against an English ask is a Korean pair (either side)."""
    both = load_verifier(write(tmp_path, {**shipped(), "korean_weights": sure_korean()}))
    asked = ENGLISH[1]
    candidates = [(ENGLISH[0], 0.95, None), ("계란 삶는 법", 0.95, None), (ENGLISH[0], 0.9, None)]
    scored = both.score_all(asked, candidates)
    assert [lang for _, lang in scored] == ["en", "ko", "en"]
    alone = load_verifier()
    assert scored[0][0] == alone.score(ENGLISH[0], asked, 0.95)[0]
    assert scored[2][0] == alone.score(ENGLISH[0], asked, 0.9)[0]
    korean = load_verifier(write(tmp_path, sure_korean()))
    assert scored[1][0] == korean.score("계란 삶는 법", asked, 0.95)[0] > 0.999999


@pytest.mark.parametrize(
    ("inner", "why"),
    [
        ({**sure_korean(), "cosine_floor": 0.5}, "cosine floor"),
        ({**sure_korean(), "korean_weights": sure_korean()}, "no korean_weights"),
        ({**sure_korean(), "features": ["cosine"]}, "other features"),
    ],
)
def test_korean_weights_the_gateway_cannot_serve_from_are_refused(
    tmp_path: Path, inner: dict[str, Any], why: str
) -> None:
    with pytest.raises(ValueError, match=why):
        load_verifier(write(tmp_path, {**shipped(), "korean_weights": inner}))


def test_the_script_composes_a_loadable_file(tmp_path: Path, compose_script: ModuleType) -> None:
    korean = tmp_path / "ko.json"
    korean.write_bytes(orjson.dumps({**sure_korean(), "korean_weights": {"stale": 1}}))
    out = tmp_path / "out.json"
    assert compose_script.main(["--korean", str(korean), "--out", str(out)]) == 0
    data = orjson.loads(out.read_bytes())
    assert "korean_weights" not in data["korean_weights"]  # one level only
    model = load_verifier(out)
    assert model.korean is not None
    assert model.threshold("ko") == 0.42
    assert model.thresholds == load_verifier().thresholds


def test_the_korean_weights_own_vetoes_decide_korean_pairs(tmp_path: Path) -> None:
    """The outer weights refuse an added negation; Korean weights without that veto do not, so a
    Korean pair's refusals come from its own set (and an English pair's from the outer one)."""
    lenient = {**sure_korean(), "vetoes": []}
    both = load_verifier(write(tmp_path, {**shipped(), "korean_weights": lenient}))
    korean = ("내일 비 오면 등산 가?", "내일 비 안 오면 등산 가?")
    assert load_verifier().score(*korean, 0.95)[0] == 0.0  # negation_differs in the shipped set
    assert both.score(*korean, 0.95)[0] > 0.999999
    assert both.score("Do I need a visa?", "Do I not need a visa?", 0.95)[0] == 0.0
    assert both.for_pair(*korean) is both.korean
    assert both.for_pair(*ENGLISH) is both


def test_korean_weights_without_a_korean_threshold_are_refused(tmp_path: Path) -> None:
    inner = {**sure_korean(), "thresholds": {"en": 0.5}}
    with pytest.raises(ValueError, match="'ko' threshold"):
        load_verifier(write(tmp_path, {**shipped(), "korean_weights": inner}))


def test_the_script_writes_nothing_the_gateway_would_refuse(
    tmp_path: Path, compose_script: ModuleType
) -> None:
    korean = tmp_path / "ko.json"
    korean.write_bytes(orjson.dumps({**sure_korean(), "cosine_floor": 0.5}))
    out = tmp_path / "out.json"
    with pytest.raises(ValueError, match="cosine floor"):
        compose_script.main(["--korean", str(korean), "--out", str(out)])
    assert list(tmp_path.iterdir()) == [korean]


def test_the_script_replaces_an_older_korean_set(
    tmp_path: Path, compose_script: ModuleType
) -> None:
    english = tmp_path / "en.json"
    english.write_bytes(orjson.dumps({**shipped(), "korean_weights": sure_korean()}))
    korean = tmp_path / "ko.json"
    korean.write_bytes(orjson.dumps({**sure_korean(), "thresholds": {"en": 0.9, "ko": 0.77}}))
    out = tmp_path / "out.json"
    compose_script.main(["--english", str(english), "--korean", str(korean), "--out", str(out)])
    assert load_verifier(out).threshold("ko") == 0.77
