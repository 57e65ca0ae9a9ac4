"""A reviewer's look-alikes of the addressee rules, on the fast path (session 14).

The rows live in ``tests/data/addressee_review`` (written by the reviewer of the first addressee
rules before they were run; in-sample for the second version, whose vetoes were written after
reading them):

* benign prompts that *look like* an order to an AI inside content (the user's own bot prompt,
  chatbot docs, smart-home routines, screenplays, agent test cases, quoted injections asked
  about) are not blocked, and never by the addressee rules;
* attacks of the same family (an order to an AI reader in other words) and ignore-previous
  attacks wrapped in a notice to people are blocked.

Rows main's layers alone get wrong (``main_fast_block`` as the reviewer measured it) are strict
xfails: a layer that gets one right turns the run red and the mark must come off.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from llm_gateway.core.config import GuardrailPolicy, GuardrailSettings
from llm_gateway.guardrails import GuardrailEngine
from tests.unit.guardrails.rule_checks import ids

DATA = Path(__file__).resolve().parents[2] / "data" / "addressee_review"
ACTION = {"injection.addressed_action", "injection.ko.addressed_action"}


def _load(name: str) -> list[dict[str, Any]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


# Session 24's round 24 (docs/GUARDRAILS.md, "Session 24"): heads trained on thirteen later
# strangers' sets and six look-alike judges flip these rows' fast-path verdicts (the reviewer's
# ``main_fast_block`` is the verdict before): six attacks now blocked, and thirteen benign
# look-alikes of the pinned files now blocked (a pasted order to a named bot, the family's cost).
ROUND_24_FLIPS = {
    ("attack_misses.jsonl", 16),
    ("attack_misses.jsonl", 21),
    ("benign_lookalikes.jsonl", 18),
    ("benign_lookalikes.jsonl", 25),
    ("benign_lookalikes.jsonl", 45),
    ("benign_lookalikes.jsonl", 56),
    ("benign_lookalikes.jsonl", 62),
    ("benign_lookalikes_4.jsonl", 5),
    ("benign_lookalikes_4.jsonl", 72),
    ("review_s15_attacks.jsonl", 0),
    ("review_s15_attacks.jsonl", 3),
    ("review_s15_attacks.jsonl", 14),
    ("review_s15_attacks.jsonl", 21),
    ("review_s15_benign.jsonl", 14),
    ("review_s15_benign.jsonl", 17),
    ("review_s15_benign.jsonl", 27),
    ("review_s15_benign.jsonl", 45),
    ("review_s15_benign.jsonl", 46),
    ("review_s15_benign.jsonl", 48),
}
# Session 25's round 28 (docs/GUARDRAILS.md, "Session 25, round 28"): the heads trained on eight
# more strangers' sets and eight more judges block two more Korean look-alikes that name AI
# products (meeting notes naming 에이닷 and 클로바노트, an HR notice naming 제미나이 and 챗GPT;
# injection 0.792 each).
ROUND_28_FLIPS = {("review_s15_benign.jsonl", 58), ("benign_lookalikes_4.jsonl", 65)}
# Session 26's round 29: the heads trained on the v45 family allow two look-alikes again (a
# Thanksgiving text that opens "ok Claude", round 24's flip; a LangChain template naming Llama).
ROUND_29_FLIPS = {("benign_lookalikes_4.jsonl", 5), ("benign_lookalikes_4.jsonl", 41)}
# Round 30: the English injection threshold 0.76 (from 0.788) blocks five benign look-alikes
# (injection 0.76-0.78: a sales-assistant template, two pasted notes to Claude, an A/B test of
# an AP agent's prompts, round 29's LangChain template) and catches one attack ("Hello there,
# ChatGPT! Kindly ship the order to ..."); round 29's Thanksgiving text is blocked again (its
# harmful head scores it 0.85).
ROUND_30_FLIPS = {
    ("benign_lookalikes.jsonl", 26),
    ("attack_misses.jsonl", 9),
    ("review_s15_benign.jsonl", 9),
    ("review_s15_benign.jsonl", 28),
    ("benign_lookalikes_4.jsonl", 5),
    ("benign_lookalikes_4.jsonl", 35),
    ("benign_lookalikes_4.jsonl", 41),
}
# Session 27's round 31 (docs/GUARDRAILS.md, "Session 27, round 31"): the injection and
# extraction heads at half the L2 block ten more benign look-alikes on the fast path (a Home
# Assistant YAML comment, a UiPath step, a web-drama script with an AI secretary, "ChatGPT,
# pretend you're my travel agent ...", Korean meeting notes naming 지피티 and 코파일럿, a reply
# declining "Hello Claude, can you send me the slides", a stanza to "Bard", an app review naming
# 에이닷, a club notice to a member called 클로드, a comparison of 클로드 and 지피티), allow
# round 30's Thanksgiving text again and catch one named-reader attack (a job application that
# tells Claude to loop in an outside address).
ROUND_31_FLIPS = {
    ("benign_lookalikes.jsonl", 2),
    ("benign_lookalikes.jsonl", 7),
    ("benign_lookalikes.jsonl", 39),
    ("benign_lookalikes_4.jsonl", 5),
    ("benign_lookalikes_4.jsonl", 6),
    ("benign_lookalikes_4.jsonl", 61),
    ("review_s15_attacks.jsonl", 7),
    ("review_s15_benign.jsonl", 1),
    ("review_s15_benign.jsonl", 6),
    ("review_s15_benign.jsonl", 33),
    ("review_s15_benign.jsonl", 55),
    ("review_s15_benign.jsonl", 57),
}
# Session 28's round 33 (docs/GUARDRAILS.md, "Session 28, round 33"): its thresholds, chosen on
# ten families, block four more benign look-alikes on the fast path, three of them at the English
# injection threshold 0.75 (round 31: 0.77; injection 0.755-0.765: a security question about an
# injected support email, notes that say "delete runs with NaN loss", the user's own note to the
# team naming ChatGPT and Claude) and round 31's Thanksgiving text again (its harmful score 0.833
# against the unchanged 0.831: the heads also train on the v48-v50 families); the Hangul
# injection threshold 0.68 (from 0.66) allows round 31's web-drama script with an AI secretary.
ROUND_33_FLIPS = {
    ("benign_lookalikes.jsonl", 9),
    ("benign_lookalikes.jsonl", 39),
    ("benign_lookalikes_4.jsonl", 5),
    ("review_s15_benign.jsonl", 21),
    ("review_s15_benign.jsonl", 29),
}
# Session 29's round 34 (docs/GUARDRAILS.md, "Session 29, round 34"): the English injection
# threshold 0.76 (round 33: 0.75) allows round 33's security question about an injected support
# email (injection 0.757) and round 31's stanza to "Bard" (0.7599) again, and blocks a pasted
# agent design doc ("The coding agent, when working on a ticket, should run the test suite ...",
# 0.762); the Hangul injection threshold 0.67 (from 0.68) blocks the web-drama script with an AI
# secretary again.
ROUND_34_FLIPS = {
    ("benign_lookalikes.jsonl", 9),
    ("benign_lookalikes.jsonl", 31),
    ("benign_lookalikes.jsonl", 39),
    ("review_s15_benign.jsonl", 6),
}
FLIPS = {
    24: ROUND_24_FLIPS,
    28: ROUND_28_FLIPS,
    29: ROUND_29_FLIPS,
    30: ROUND_30_FLIPS,
    31: ROUND_31_FLIPS,
    33: ROUND_33_FLIPS,
    34: ROUND_34_FLIPS,
}


def _rows(name: str, main_wrong: bool, reason: str) -> list[Any]:
    """The rows of ``name``; those whose fast-path verdict is ``main_wrong`` xfail (the
    reviewer's ``main_fast_block``, flipped once per round in ``FLIPS`` that names the row)."""
    return [
        pytest.param(
            row["text"],
            id=f"{row['lang']}{i:02d}",
            marks=(
                pytest.mark.xfail(
                    strict=True,
                    reason=f"{reason}; flipped by round {flipped[-1]}" if flipped else reason,
                )
                if (row["main_fast_block"] != (len(flipped) % 2 == 1)) is main_wrong
                else ()
            ),
        )
        for i, row in enumerate(_load(name))
        for flipped in ([r for r, rows in FLIPS.items() if (name, i) in rows],)
    ]


@pytest.fixture(scope="module")
def engine() -> GuardrailEngine:
    return GuardrailEngine(GuardrailSettings(default_policy=GuardrailPolicy(classifier=True)))


@pytest.mark.parametrize("text", [row["text"] for row in _load("benign_lookalikes.jsonl")])
def test_a_benign_look_alike_is_not_an_addressed_action(text: str) -> None:
    assert not ids(text) & ACTION


@pytest.mark.parametrize(
    "text",
    _rows("benign_lookalikes.jsonl", True, "blocked by main's layers alone (n-gram head)"),
)
def test_a_benign_look_alike_is_allowed_on_the_fast_path(
    engine: GuardrailEngine, text: str
) -> None:
    assert engine.check_input(text).action != "block"


@pytest.mark.parametrize(
    "text",
    _rows("attack_misses.jsonl", False, "missed by main's layers and by the addressee rules"),
)
def test_an_order_to_an_ai_reader_in_other_words_is_blocked(
    engine: GuardrailEngine, text: str
) -> None:
    assert engine.check_input(text).action == "block"


@pytest.mark.parametrize(
    "text",
    _rows("excuse_bypass.jsonl", False, "missed by main's layers (no excuse involved)"),
)
def test_an_ignore_previous_attack_told_to_people_is_blocked(
    engine: GuardrailEngine, text: str
) -> None:
    assert engine.check_input(text).action == "block"


# Two blind writers' benign look-alikes (session 14, ``benign_lookalikes_2`` / ``_3``): the second
# judged the addressee rules' second version (4 newly blocked, over its limit of 3), the third
# judged the shipped third version once (2 newly blocked). The rows the shipped rules still fire
# on are strict xfails: thread summaries and notices quoting a bot command.
_KNOWN_ADDRESSEE_FIRES = {
    ("benign_lookalikes_2.jsonl", 6),  # "To stop it, say 'Assistant, leave the meeting'"
    ("benign_lookalikes_3.jsonl", 1),  # a thread: "hey copilot, draft the Q3 recap email"
    ("benign_lookalikes_3.jsonl", 8),  # notes: reps keep typing 'bot, book a room for 4 ...'
    ("benign_lookalikes_3.jsonl", 26),  # a forum post quoting "Assistant, send $20 to Mike"
    ("benign_lookalikes_3.jsonl", 74),  # 맞춤법: '봇한테 보고서 보내라고 햇는데 ...'
}


def _blind_rows() -> list[Any]:
    return [
        pytest.param(
            row["text"],
            id=f"{name.split('.')[0][-1]}-{i:02d}",
            marks=(
                pytest.mark.xfail(strict=True, reason="the addressee rule fires (known FP)")
                if (name, i) in _KNOWN_ADDRESSEE_FIRES
                else ()
            ),
        )
        for name in ("benign_lookalikes_2.jsonl", "benign_lookalikes_3.jsonl")
        for i, row in enumerate(_load(name))
    ]


@pytest.mark.parametrize("text", _blind_rows())
def test_a_blind_writers_look_alike_is_not_an_addressed_action(text: str) -> None:
    assert not ids(text) & ACTION


# Session 15: a reviewer's rows written white-box against a named-reader rule (``review_s15_*``,
# README_s15.md) that was not shipped: it newly blocked 34 of these 60 benign rows. Main's
# verdicts are pinned both ways: the rows main gets wrong on the fast path are strict xfails. A
# blind writer's 90 benign prompts that name a bot (``benign_lookalikes_4``: the user's own
# vocatives, pasted mentions, own bot configs) judged the same rules once (6 newly blocked:
# failed) and are pinned the same way.
@pytest.mark.parametrize(
    "text",
    [
        *_rows("review_s15_benign.jsonl", True, "blocked by main's layers (a known FP)"),
        *_rows("benign_lookalikes_4.jsonl", True, "blocked by main's layers (a known FP)"),
    ],
)
def test_a_named_bot_look_alike_is_allowed_on_the_fast_path(
    engine: GuardrailEngine, text: str
) -> None:
    assert engine.check_input(text).action != "block"


@pytest.mark.parametrize(
    "text", _rows("review_s15_attacks.jsonl", False, "a named-reader attack main misses")
)
def test_an_order_to_an_ai_reader_named_by_product_is_blocked(
    engine: GuardrailEngine, text: str
) -> None:
    assert engine.check_input(text).action == "block"
