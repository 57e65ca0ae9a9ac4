"""The messages instances publish on ``cache:semantic`` to keep their indexes in step.

``{"op": "add", "ctx", "d", "v": <float16 vector, hex>}``, ``{"op": "del", "ctx", "d"}`` and
``{"op": "flush", "ctx": <tenant namespace>, "src": <instance>}``. A message is checked whole
before anything is applied: one this instance cannot read (not JSON, a field missing or of the
wrong type, an operation it does not know, a vector of another dimension or not finite, as an
instance of another version or with another embedder might send) raises ``BadMessage``, and the
listener skips it and counts it (``layer.py``). Only a lost subscription resets the indexes: then
changes may really have been missed, whereas a skipped message names one change at most, which
the store holds for the next build.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import orjson

from llm_gateway.cache.semantic.embed import Vectors
from llm_gateway.cache.semantic.store import pack, unpack

Op = Literal["add", "del", "flush"]
_OPS: tuple[Op, ...] = ("add", "del", "flush")


class BadMessage(ValueError):
    """A sync message this instance cannot apply; the text says why (logged, not the body)."""


@dataclass(frozen=True, slots=True)
class SyncMessage:
    op: Op
    context: str  # the semantic context; for a flush, the tenant namespace
    digest: str = ""
    vector: Vectors | None = None
    origin: str = ""  # a flush's sender


def encode_add(context: str, digest: str, vector: Vectors) -> bytes:
    return orjson.dumps({"op": "add", "ctx": context, "d": digest, "v": pack(vector).hex()})


def encode_del(context: str, digest: str) -> bytes:
    return orjson.dumps({"op": "del", "ctx": context, "d": digest})


def encode_flush(namespace: str, origin: str) -> bytes:
    return orjson.dumps({"op": "flush", "ctx": namespace, "src": origin})


def decode(raw: bytes, dim: int) -> SyncMessage:
    """The message in ``raw``, whose vector (if any) has ``dim`` dimensions; or ``BadMessage``."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadMessage("not JSON") from exc
    if not isinstance(body, dict):
        raise BadMessage("not an object")
    op = body.get("op")
    if op not in _OPS:
        raise BadMessage(f"unknown op {str(op)[:20]!r}")
    context = _text(body, "ctx")
    if op == "flush":
        origin = body.get("src", "")
        return SyncMessage("flush", context, origin=origin if isinstance(origin, str) else "")
    digest = _text(body, "d")
    if op == "del":
        return SyncMessage("del", context, digest)
    hexed = _text(body, "v")
    try:
        packed = bytes.fromhex(hexed)
    except ValueError as exc:
        raise BadMessage("vector is not hex") from exc
    if len(packed) != 2 * dim:  # float16
        raise BadMessage(f"vector of {len(packed) // 2} dimensions, not {dim}")
    vector = unpack(packed)
    if not np.isfinite(vector).all():  # a NaN in the HNSW graph breaks searches for others
        raise BadMessage("vector not finite")
    return SyncMessage("add", context, digest, vector)


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise BadMessage(f"{name!r} missing or not a string")
    return value
