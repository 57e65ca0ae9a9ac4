"""rev-ckoneg's pairs: a negation moved between two identical verb forms still vetoes.

``tests/data/cache_veto_review/review_s15.jsonl`` kind ``n1_moved_same_form``: 커피는 안 마셔도
되고 차는 마셔도 돼요? / 커피는 마셔도 되고 차는 안마셔도 돼요? — the cached answer says which
drink may be skipped, and it is the other one. Reading the joined 안마셔도 as 안 마셔도 makes
both sides negate the same word form (마셔도) once, so neither the parity nor the guard's
Counters differ; the pair must still be refused by a veto (no embedder needed: feature level).
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from llm_gateway.cache.semantic.features import FEATURE_NAMES, VETOES, pair_features

PAIRS = Path(__file__).resolve().parents[2] / "data" / "cache_veto_review" / "review_s15.jsonl"
# the slot test vetoes only under a span-cosine level (verifier.slot_vetoed): not counted here
_HARD = [FEATURE_NAMES.index(n) for n in VETOES if n != "slot_substitution"]


def _moved() -> list[tuple[str, str]]:
    rows = [orjson.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line]
    return [(r["a"], r["b"]) for r in rows if r["kind"].startswith("n1_moved_same_form")]


@pytest.mark.parametrize(("a", "b"), _moved())
def test_moved_negation_between_same_forms_is_vetoed(a: str, b: str) -> None:
    features = pair_features(a, b, 0.95)
    assert any(features[i] for i in _HARD), (a, b)
