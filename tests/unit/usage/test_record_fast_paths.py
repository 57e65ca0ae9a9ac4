"""The usage event's cheap paths: ids drawn without ``UUID.__init__``, clean text left alone."""

from __future__ import annotations

import uuid

from llm_gateway.core.text import storable
from llm_gateway.services.usage.record import UsageEvent, new_id


def test_new_id_is_a_random_version_4_uuid() -> None:
    ids = [new_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for made in ids[:50]:
        assert type(made) is uuid.UUID
        assert made.version == 4
        assert made.variant == uuid.RFC_4122
        again = uuid.UUID(str(made))
        assert again == made
        assert hash(again) == hash(made)
        assert again.is_safe == made.is_safe
    # Every bit outside the version and variant varies.
    fixed = 0xF000 << 64 | 0xC000 << 48
    seen = 0
    for made in ids:
        seen |= made.int
    assert seen | fixed == (1 << 128) - 1


def test_events_get_fresh_ids() -> None:
    first = UsageEvent(request_id="a", source="proxy", endpoint="/v1/x", alias="m")
    second = UsageEvent(request_id="a", source="proxy", endpoint="/v1/x", alias="m")
    assert first.id != second.id
    assert first.id.version == 4


def test_text_is_still_cleaned_and_clean_text_kept() -> None:
    event = UsageEvent(
        request_id="r" * 300,
        source="proxy",
        endpoint="/v1/x",
        alias="bad\x00name",
        deployment="d\ud800",
        intent="caf\u00e9",
    )
    assert event.request_id == "r" * 128
    assert event.alias == "bad\ufffdname"
    assert event.deployment == storable("d\ud800")  # what it always was: no surrogate left
    assert event.intent == "caf\u00e9"
    clean = "bench"
    kept = UsageEvent(request_id="x", source="proxy", endpoint="/v1/x", alias=clean)
    assert kept.alias is clean
