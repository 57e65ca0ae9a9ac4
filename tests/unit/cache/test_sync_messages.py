"""Sync messages round-trip, and every kind of unreadable one is refused before anything applies."""

from __future__ import annotations

import numpy as np
import orjson
import pytest

from llm_gateway.cache.semantic.sync import (
    BadMessage,
    decode,
    encode_add,
    encode_del,
    encode_flush,
)

DIM = 4


def test_messages_round_trip() -> None:
    vector = np.array([1, 0, 0, 0], dtype=np.float32)
    add = decode(encode_add("ns|c", "d1", vector), DIM)
    assert (add.op, add.context, add.digest) == ("add", "ns|c", "d1")
    assert add.vector is not None
    assert add.vector.tolist() == [1.0, 0.0, 0.0, 0.0]
    removed = decode(encode_del("ns|c", "d1"), DIM)
    assert (removed.op, removed.context, removed.digest, removed.vector) == (
        "del",
        "ns|c",
        "d1",
        None,
    )
    flush = decode(encode_flush("ns", "me"), DIM)
    assert (flush.op, flush.context, flush.origin) == ("flush", "ns", "me")


GOOD_VECTOR = np.zeros(DIM, dtype=np.float16).tobytes().hex()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not an object"),
        (b'{"op": "evict", "ctx": "ns|c"}', "unknown op"),  # a newer instance's operation
        (b'{"op": ["add"], "ctx": "ns|c"}', "unknown op"),
        (b'{"op": "del", "d": "d1"}', "'ctx' missing"),
        (b'{"op": "del", "ctx": 7, "d": "d1"}', "'ctx' missing or not a string"),
        (b'{"op": "del", "ctx": "ns|c"}', "'d' missing"),
        (b'{"op": "add", "ctx": "ns|c", "d": "d1"}', "'v' missing"),  # an older shape
        (b'{"op": "add", "ctx": "ns|c", "d": "d1", "v": "zz"}', "not hex"),
        (b'{"op": "add", "ctx": "ns|c", "d": "d1", "v": "0000"}', "1 dimensions, not 4"),
    ],
)
def test_unreadable_messages_are_refused(raw: bytes, reason: str) -> None:
    with pytest.raises(BadMessage, match=reason):
        decode(raw, DIM)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_a_vector_that_is_not_finite_is_refused(value: float) -> None:
    # One NaN (or infinite) entry in the HNSW graph breaks searches for other entries: every
    # distance to it is NaN. A float32 vector read as float16 (same byte length) holds such values.
    vector = np.zeros(DIM, dtype=np.float16)
    vector[1] = value
    raw = orjson.dumps({"op": "add", "ctx": "ns|c", "d": "d1", "v": vector.tobytes().hex()})
    with pytest.raises(BadMessage, match="not finite"):
        decode(raw, DIM)


def test_a_flush_without_a_sender_still_reads() -> None:
    raw = orjson.dumps({"op": "flush", "ctx": "ns"})
    assert decode(raw, DIM).origin == ""
    assert (
        decode(orjson.dumps({"op": "add", "ctx": "c", "d": "d", "v": GOOD_VECTOR}), DIM).vector
        is not None
    )
