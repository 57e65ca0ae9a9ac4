"""The shape of ``config/models.yaml``, validated once at startup (never per request)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Tier = Literal["small", "large"]
# The languages the semantic verifier tells apart (``verifier.prompt_language``) and has a
# trained threshold for; a unit test keeps this in step with ``verifier_weights.json``.
SemanticLanguage = Literal["en", "ko"]
SEMANTIC_LANGUAGES: tuple[SemanticLanguage, ...] = ("en", "ko")
RoutingStrategy = Literal["weighted", "least_busy", "latency"]
_ALIAS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeoutsSpec(_Strict):
    """Seconds; ``first_byte_s`` bounds a stream's head and its gaps, ``total_s`` every call."""

    connect_s: float = Field(default=5.0, gt=0)
    # Streams: the wait for the head and for each next chunk (not the stream's duration).
    first_byte_s: float = Field(default=60.0, gt=0)
    # Non-streamed calls: the wait for the response head (the whole answer, for most upstreams);
    # under the request deadline (300 s) so that a hung deployment leaves time to fail over.
    response_s: float = Field(default=120.0, gt=0)
    # Any call, stream included, end to end: a long generation that keeps streaming fits.
    total_s: float = Field(default=1800.0, gt=0)


class DeploymentSpec(_Strict):
    """One upstream serving the alias."""

    provider: Literal["openai", "anthropic", "ollama"]
    model: str = Field(min_length=1)
    # A URL, or "demo" for the bundled fake upstream; omitted means the provider's public API.
    base_url: str | None = None
    api_key_env: str | None = None  # name of the environment variable holding the key
    # Name of a variable holding the base URL (overrides base_url); unset or empty disables the
    # deployment, so a local server (Ollama) is only offered once it is configured.
    base_url_env: str | None = None
    weight: float = Field(default=1.0, gt=0)
    rpm: int | None = Field(default=None, ge=1)
    tpm: int | None = Field(default=None, ge=1)
    timeouts: TimeoutsSpec | None = None
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None or value == "demo":
            return value
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s):// URL or 'demo'")
        return value.rstrip("/")

    @field_validator("api_key_env", "base_url_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.match(value):
            raise ValueError("must be an environment variable name such as OPENAI_API_KEY")
        return value


class PriceSpec(_Strict):
    """USD per one million tokens."""

    input: float = Field(default=0.0, ge=0)
    output: float = Field(default=0.0, ge=0)
    cached_input: float | None = Field(default=None, ge=0)  # cache reads; None: same as input
    cache_write: float | None = Field(default=None, ge=0)  # cache writes; None: same as input


class CapabilitiesSpec(_Strict):
    tools: bool = False
    vision: bool = False
    json_mode: bool = Field(default=False, alias="json")
    embeddings: bool = False

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class CacheSpec(_Strict):
    """Response caching for one alias (off unless set): see docs/CACHE.md."""

    mode: Literal["off", "exact", "semantic"] = "off"
    ttl_s: int = Field(default=3600, ge=1, le=30 * 86400)
    # Cache only temperature-0 requests unless the operator opts the alias in.
    deterministic_only: bool = True
    # One namespace for every caller of this alias, instead of one per user (explicit opt-in).
    shared: bool = False
    # A hit is billed at this fraction of the full price (0 = free).
    hit_price_fraction: float = Field(default=0.0, ge=0, le=1)
    # Whether a hit's tokens count toward the caller's token-per-minute/day limits.
    hits_count_tokens: bool = False
    # Semantic only: the target rate of wrong hits a user accepts (vCache's delta).
    error_bound: float = Field(default=0.01, gt=0, lt=0.5)
    # Semantic only: the prompt languages the semantic layer serves; a prompt in another one
    # uses the exact cache alone (e.g. [en] where the Korean verifier misses its target).
    semantic_languages: list[SemanticLanguage] = Field(
        default_factory=lambda: list(SEMANTIC_LANGUAGES), min_length=1
    )
    # Semantic only: a floor on the verifier's threshold for this alias (stricter, never looser).
    semantic_min_score: float | None = Field(default=None, gt=0, le=1)
    # Semantic only: small talk (feelings, greetings, personal news) is cached for exact
    # repeats alone unless this is true: a reply to one remark rarely fits another that reads
    # alike (docs/CACHE.md, "The small-talk gate").
    semantic_small_talk: bool = False

    @field_validator("semantic_languages")
    @classmethod
    def _unique(cls, value: list[SemanticLanguage]) -> list[SemanticLanguage]:
        return list(dict.fromkeys(value))


class AliasSpec(_Strict):
    """What clients ask for by name, and the deployments that can serve it."""

    tier: Tier = "small"
    enabled: bool = True
    deployments: list[DeploymentSpec] = Field(min_length=1)
    price: PriceSpec = Field(default_factory=PriceSpec)
    context_window: int = Field(default=8192, ge=1)
    max_output_tokens: int = Field(default=4096, ge=1)
    capabilities: CapabilitiesSpec = Field(default_factory=CapabilitiesSpec)
    fallbacks: list[str] = Field(default_factory=list)
    routing: RoutingStrategy = "weighted"
    owned_by: str | None = None
    description: str = ""
    cache: CacheSpec = Field(default_factory=CacheSpec)


class DefaultsSpec(_Strict):
    """Default aliases per tier (the first enabled one in each list wins) and timeouts."""

    small: list[str] = Field(default_factory=list)
    large: list[str] = Field(default_factory=list)
    timeouts: TimeoutsSpec = Field(default_factory=TimeoutsSpec)

    @field_validator("small", "large", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class ModelRouteSpec(_Strict):
    """A model name that is not an alias, matched by a glob, routed to the first enabled target.

    ``to`` lists aliases or the words ``small`` / ``large`` (the registry's default alias of that
    tier), so e.g. Claude Code's ``claude-sonnet-4-5-20250929`` reaches a configured alias.
    """

    match: str = Field(min_length=1, max_length=200)
    to: list[str] = Field(min_length=1)

    @field_validator("to", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class RegistrySpec(_Strict):
    """The whole file."""

    version: Literal[1] = 1
    defaults: DefaultsSpec = Field(default_factory=DefaultsSpec)
    aliases: dict[str, AliasSpec] = Field(min_length=1)
    model_routes: list[ModelRouteSpec] = Field(default_factory=list)

    @field_validator("aliases")
    @classmethod
    def _names(cls, value: dict[str, AliasSpec]) -> dict[str, AliasSpec]:
        for name in value:
            if not _ALIAS.match(name):
                raise ValueError(f"alias {name!r} must be 1-128 of letters, digits and ._:/@-")
        return value

    @model_validator(mode="after")
    def _references(self) -> RegistrySpec:
        for name, spec in self.aliases.items():
            for i, target in enumerate(spec.fallbacks):
                if target not in self.aliases:
                    raise ValueError(f"aliases.{name}.fallbacks[{i}]: unknown alias {target!r}")
                if target == name:
                    raise ValueError(
                        f"aliases.{name}.fallbacks[{i}]: an alias cannot fall back to itself"
                    )
        for tier in ("small", "large"):
            for i, target in enumerate(getattr(self.defaults, tier)):
                if target not in self.aliases:
                    raise ValueError(f"defaults.{tier}[{i}]: unknown alias {target!r}")
        for i, route in enumerate(self.model_routes):
            for j, target in enumerate(route.to):
                if target not in self.aliases and target not in ("small", "large"):
                    raise ValueError(
                        f"model_routes[{i}].to[{j}]: unknown alias {target!r} "
                        "(an alias, 'small' or 'large')"
                    )
        return self


def key_path(loc: tuple[str | int, ...]) -> str:
    """A pydantic ``loc`` as ``aliases.gpt-4o.deployments[0].base_url``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
