"""Per-entry thresholds: raised past observed wrong hits, lowered only on strong evidence."""

from __future__ import annotations

from llm_gateway.cache.semantic.adaptive import EntryEvidence, EvidenceBook, entry_threshold

BASE = 0.8


def test_no_evidence_keeps_the_trained_threshold() -> None:
    assert entry_threshold(None, BASE, 0.01) == BASE
    assert entry_threshold(EntryEvidence(), BASE, 0.01) == BASE


def test_a_wrong_hit_above_the_threshold_raises_it_past_that_score() -> None:
    evidence = EntryEvidence()
    evidence.add(0.9, correct=False)
    threshold = entry_threshold(evidence, BASE, 0.01)
    assert threshold > 0.9
    evidence.add(0.7, correct=False)  # below the threshold: changes nothing further
    assert entry_threshold(evidence, BASE, 0.01) == threshold


def test_many_right_answers_at_lower_scores_lower_it_within_the_bound() -> None:
    evidence = EntryEvidence()
    for i in range(64):
        evidence.add(0.7 + i * 0.001, correct=True)
    assert entry_threshold(evidence, BASE, 0.05) == 0.7  # (0 + 3) / 64 <= 5 %
    assert entry_threshold(evidence, BASE, 0.01) == BASE  # 3 / 64 > 1 %: not enough evidence


def test_evidence_book_is_bounded() -> None:
    book = EvidenceBook(capacity=2)
    for digest in ("a", "b", "c"):
        book.observe(digest, 0.9, correct=True)
    assert book.get("a") is None
    assert book.get("c") is not None
    book.forget("c")
    assert book.get("c") is None
