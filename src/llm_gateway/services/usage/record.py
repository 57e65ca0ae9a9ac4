"""The usage event a call produces, its latency histogram buckets, and its spill encoding."""

from __future__ import annotations

import math
import os
import uuid
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Literal

import orjson
from sqlalchemy import String

from llm_gateway.core.text import storable
from llm_gateway.models.base import utcnow
from llm_gateway.models.usage import UsageRecord

Source = Literal["proxy", "agent", "chat"]

# Log-spaced histogram: bucket b >= 1 holds [RATIO**(b-1), RATIO**b) ms; bucket 0 holds < 1 ms.
# A 15% ratio keeps any percentile read from the histogram within ~7% of the exact value.
BUCKET_RATIO = 1.15
MAX_BUCKET = 120  # 1.15**120 ms is ~19 days: nothing real is slower


def latency_bucket(ms: float) -> int:
    """The histogram bucket of a duration in milliseconds."""
    if ms < 1:
        return 0
    return min(int(math.log(ms) / math.log(BUCKET_RATIO)) + 1, MAX_BUCKET)


_VERSION_4 = 4 << 76
_VARIANT_RFC = 0x8000 << 48
_KEEP = ~((0xF000 << 64) | (0xC000 << 48))
_new = object.__new__
_set = object.__setattr__


def new_id() -> uuid.UUID:
    """``uuid.uuid4()`` without ``UUID.__init__``'s argument handling (a third of its cost).

    The same 16 bytes of ``os.urandom`` (fork-safe: a duplicate id would be skipped by the
    insert's ``ON CONFLICT DO NOTHING`` and its usage lost), the same version and variant bits.
    """
    value = (int.from_bytes(os.urandom(16)) & _KEEP) | _VERSION_4 | _VARIANT_RFC
    made = _new(uuid.UUID)
    _set(made, "int", value)
    _set(made, "is_safe", uuid.SafeUUID.unknown)
    return made


def bucket_value(bucket: int) -> float:
    """A representative duration for ``bucket``: the geometric middle of its bounds."""
    if bucket <= 0:
        return 0.5
    return float(BUCKET_RATIO ** (bucket - 0.5))


@dataclass(slots=True)
class UsageEvent:
    """One call as it will be stored in ``usage_records``."""

    request_id: str
    source: Source
    endpoint: str
    alias: str
    user_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    deployment: str | None = None
    provider: str | None = None
    intent: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0  # prompt tokens read from the provider's prompt cache
    cache_write_tokens: int = 0  # prompt tokens written to it (Anthropic's cache creation)
    tokens_estimated: bool = False  # counted by the gateway: the upstream reported no usage
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    ttft_ms: float | None = None
    status_code: int = 200
    error_code: str | None = None
    cache_hit: bool = False
    stream: bool = False
    created_at: datetime = field(default_factory=utcnow)
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        # A record must be storable and serialisable whatever the request carried: one bad
        # value would fail every batch it is in, on every retry (the writer isolates such a
        # record, but it should never be produced). The alias is whatever model name the caller
        # sent, unknown ones included; ids may be asyncpg's own UUID type, which orjson refuses.
        for name, length in _TEXT_COLUMNS:
            value = getattr(self, name)
            # Short ASCII without NUL (nearly every value) is stored as it is: no rewrite.
            if value is not None and (
                len(value) > length or not value.isascii() or "\x00" in value
            ):
                setattr(self, name, storable(value[:length]))
        for name in _UUID_FIELDS:
            value = getattr(self, name)
            if value is not None and type(value) is not uuid.UUID:
                setattr(self, name, uuid.UUID(str(value)))
        for name in _INT_FIELDS:
            value = getattr(self, name)
            if not 0 <= value <= MAX_COUNT:
                setattr(self, name, min(max(int(value), 0), MAX_COUNT))
        for name in _FLOAT_FIELDS:
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                setattr(self, name, 0.0)

    @property
    def is_error(self) -> bool:
        return self.status_code >= 400 or self.error_code is not None

    def row(self) -> dict[str, Any]:
        """Column values for ``usage_records``."""
        # Every field is immutable (str, number, UUID, datetime): a shallow read is exact, and
        # ``dataclasses.asdict`` would deep-copy each value for nothing.
        values = {name: getattr(self, name) for name in _FIELD_NAMES}
        values["latency_bucket"] = latency_bucket(self.latency_ms)
        values["ttft_bucket"] = None if self.ttft_ms is None else latency_bucket(self.ttft_ms)
        return values

    def to_json(self) -> bytes:
        """The event as JSON; never fails (an unexpected value type is written as its str)."""
        # orjson encodes dataclasses, UUID and datetime natively; ``default`` catches the rest.
        return orjson.dumps(self, default=str)

    @classmethod
    def from_json(cls, raw: bytes) -> UsageEvent:
        data = orjson.loads(raw)
        for name in ("user_id", "api_key_id", "id"):
            if data.get(name) is not None:
                data[name] = uuid.UUID(data[name])
        data["created_at"] = datetime.fromisoformat(data["created_at"])
        return cls(**data)


_FIELD_NAMES = tuple(f.name for f in fields(UsageEvent))
_TEXT_COLUMNS = tuple(
    (c.name, c.type.length)
    for c in UsageRecord.__table__.columns
    if isinstance(c.type, String) and c.type.length and c.name in _FIELD_NAMES
)
_UUID_FIELDS = ("user_id", "api_key_id", "id")
_INT_FIELDS = ("prompt_tokens", "completion_tokens", "cached_tokens", "cache_write_tokens")
_FLOAT_FIELDS = ("cost_usd", "latency_ms", "ttft_ms")
MAX_COUNT = 2**31 - 1  # token counts are INTEGER columns
