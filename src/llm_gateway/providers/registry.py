"""The model registry: aliases from ``config/models.yaml`` → deployments, prices and capabilities.

Loaded once in the lifespan (``AppState.models``) and read-only afterwards. Aliases whose API-key
variable is unset are disabled (logged once) rather than failing startup; a malformed file stops
startup with ``SettingsError`` naming the file, the key path and the problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from pydantic import ValidationError

from llm_gateway.core.config import ProviderSettings, SettingsError, read_env_secret
from llm_gateway.core.exceptions import NotFoundError
from llm_gateway.core.logging import get_logger
from llm_gateway.providers.anthropic import AnthropicAdapter
from llm_gateway.providers.base import Deployment, ProviderAdapter, ProviderName, Timeouts
from llm_gateway.providers.ollama import OllamaAdapter
from llm_gateway.providers.openai import OpenAIAdapter
from llm_gateway.providers.registry_schema import (
    AliasSpec,
    CacheSpec,
    DeploymentSpec,
    RegistrySpec,
    RoutingStrategy,
    Tier,
    TimeoutsSpec,
    key_path,
)

_log = get_logger("llm_gateway.providers.registry")
_GATEWAY_PREFIX = "LLMGW_PROVIDERS__"

DEFAULT_BASE_URLS: Mapping[str, str] = MappingProxyType(
    {
        "openai": "https://api.openai.com/v1",
        "anthropic": "https://api.anthropic.com",
        "ollama": "http://127.0.0.1:11434",
    }
)


@dataclass(frozen=True, slots=True)
class Price:
    """USD per one million tokens; ``cached_input`` prices prompt tokens read from the provider's
    cache, ``cache_write`` those written to it (Anthropic charges more for writes)."""

    input: float = 0.0
    output: float = 0.0
    cached_input: float | None = None
    cache_write: float | None = None


@dataclass(frozen=True, slots=True)
class Capabilities:
    tools: bool = False
    vision: bool = False
    json: bool = False
    embeddings: bool = False


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One enabled alias: what ``/v1/models`` lists and what the router chooses among."""

    alias: str
    tier: Tier
    deployments: tuple[Deployment, ...]
    price: Price
    context_window: int
    max_output_tokens: int
    capabilities: Capabilities
    fallbacks: tuple[str, ...]  # as configured; ``ModelRegistry.fallbacks`` skips disabled ones
    routing: RoutingStrategy
    owned_by: str
    description: str = ""
    cache: CacheSpec = field(default_factory=CacheSpec)


class ModelRegistry:
    """Read-only lookup of aliases, their deployments and prices, plus one adapter per provider."""

    def __init__(
        self,
        models: Mapping[str, ModelInfo],
        *,
        disabled: Mapping[str, str] | None = None,
        default_small: Sequence[str] = (),
        default_large: Sequence[str] = (),
        source: Path | None = None,
        routes: Sequence[tuple[str, Sequence[str]]] = (),
    ) -> None:
        self._models = MappingProxyType(dict(models))
        self.disabled: Mapping[str, str] = MappingProxyType(dict(disabled or {}))
        self.source = source
        self.default_small = _pick_default(self._models, default_small, "small")
        self.default_large = _pick_default(self._models, default_large, "large")
        self._adapters: Mapping[str, ProviderAdapter] = MappingProxyType(
            {"openai": OpenAIAdapter(), "anthropic": AnthropicAdapter(), "ollama": OllamaAdapter()}
        )
        self.routes: tuple[tuple[str, str], ...] = tuple(
            (pattern, target)
            for pattern, targets in routes
            if (target := self._first_enabled(targets)) is not None
        )

    def _first_enabled(self, targets: Sequence[str]) -> str | None:
        for target in targets:
            alias = {"small": self.default_small, "large": self.default_large}.get(target, target)
            if alias in self._models:
                return alias
        return None

    def resolve(self, name: str) -> str:
        """The alias serving ``name``: itself, else the first ``model_routes`` glob it matches.

        Unknown names are returned unchanged (``get`` then answers 404 naming them).
        """
        if name in self._models:
            return name
        for pattern, alias in self.routes:
            if fnmatchcase(name, pattern):
                return alias
        return name

    def get(self, alias: str) -> ModelInfo:
        """The alias, or 404 ``model_not_found`` listing the available aliases."""
        info = self._models.get(alias)
        if info is None:
            available = ", ".join(self._models) or "none"
            reason = self.disabled.get(alias)
            detail = f" ({reason})" if reason else ""
            raise NotFoundError(
                f"The model '{alias}' does not exist or is not enabled{detail}. "
                f"Available models: {available}",
                code="model_not_found",
                param="model",
            )
        return info

    def find(self, alias: str) -> ModelInfo | None:
        return self._models.get(alias)

    def __contains__(self, alias: object) -> bool:
        return alias in self._models

    def aliases(self) -> tuple[str, ...]:
        """Enabled aliases in file order."""
        return tuple(self._models)

    def models(self) -> tuple[ModelInfo, ...]:
        return tuple(self._models.values())

    def upstream_models(self) -> list[str]:
        """Every deployment's upstream model name (what token counting needs built)."""
        return [d.model for info in self.models() for d in info.deployments]

    def deployments(self, alias: str) -> tuple[Deployment, ...]:
        return self.get(alias).deployments

    def fallbacks(self, alias: str) -> tuple[str, ...]:
        """The alias's fallback chain, keeping only enabled aliases."""
        return tuple(a for a in self.get(alias).fallbacks if a in self._models)

    def adapter(self, provider: ProviderName) -> ProviderAdapter:
        """The shared, stateless adapter for a deployment's ``provider``."""
        return self._adapters[provider]

    def cost(
        self,
        alias: str,
        prompt_tokens: int,
        completion_tokens: int,
        cached_tokens: int = 0,
        cache_write_tokens: int = 0,
    ) -> float:
        """USD for one call. ``prompt_tokens`` includes the cache reads (``cached_tokens``) and
        writes (``cache_write_tokens``), each priced at its own rate."""
        price = self.get(alias).price
        cached = min(max(cached_tokens, 0), prompt_tokens)
        written = min(max(cache_write_tokens, 0), prompt_tokens - cached)
        cached_rate = price.input if price.cached_input is None else price.cached_input
        write_rate = price.input if price.cache_write is None else price.cache_write
        return (
            (prompt_tokens - cached - written) * price.input
            + cached * cached_rate
            + written * write_rate
            + completion_tokens * price.output
        ) / 1_000_000


def _pick_default(models: Mapping[str, ModelInfo], configured: Sequence[str], tier: Tier) -> str:
    """The first enabled configured alias, else the first enabled chat alias of the tier."""
    for alias in configured:
        if alias in models:
            return alias
    for info in models.values():
        if info.tier == tier and not info.capabilities.embeddings:
            return info.alias
    for info in models.values():
        if not info.capabilities.embeddings:
            return info.alias
    return next(iter(models), "")


def _timeouts(spec: TimeoutsSpec | None, default: TimeoutsSpec) -> Timeouts:
    t = spec or default
    return Timeouts(
        connect_s=t.connect_s,
        first_byte_s=t.first_byte_s,
        response_s=t.response_s,
        total_s=t.total_s,
    )


def _base_url(spec: DeploymentSpec, settings: ProviderSettings, configured: str | None) -> str:
    if configured:
        return configured.rstrip("/")
    if spec.base_url == "demo":
        root = f"http://{settings.demo_upstream_host}:{settings.demo_upstream_port}"
        return root + "/v1" if spec.provider == "openai" else root
    return spec.base_url or DEFAULT_BASE_URLS[spec.provider]


def _missing_reason(missing: set[str]) -> str:
    """Why an alias is off; names a client-side variable that is set but deliberately not read."""
    reason = f"set {' or '.join(sorted(missing))} to enable it"
    for name in sorted(missing):
        client_side = name.removeprefix(_GATEWAY_PREFIX)
        if client_side != name and read_env_secret(client_side) is not None:
            reason += (
                f" ({client_side} is set but not read: the gateway takes upstream keys only from"
                f" its own {_GATEWAY_PREFIX}* variables, so a client's key is never forwarded)"
            )
    return reason


def _build_alias(
    name: str, spec: AliasSpec, registry: RegistrySpec, settings: ProviderSettings
) -> ModelInfo | str:
    """The alias, or the reason it is disabled."""
    if not spec.enabled:
        return "disabled in the model registry"
    deployments: list[Deployment] = []
    missing: list[str] = []
    for i, dep in enumerate(spec.deployments):
        api_key = base_url = None
        if dep.api_key_env:
            api_key = read_env_secret(dep.api_key_env)
            if api_key is None:
                missing.append(dep.api_key_env)
                continue
        if dep.base_url_env:
            base_url = read_env_secret(dep.base_url_env)
            if base_url is None:
                missing.append(dep.base_url_env)
                continue
            if not base_url.startswith(("http://", "https://")):
                raise SettingsError(f"{dep.base_url_env} must be an http(s):// URL")
        deployments.append(
            Deployment(
                id=f"{name}/{dep.provider}/{i}",
                alias=name,
                provider=dep.provider,
                model=dep.model,
                base_url=_base_url(dep, settings, base_url),
                api_key=api_key,
                weight=dep.weight,
                rpm=dep.rpm,
                tpm=dep.tpm,
                timeouts=_timeouts(dep.timeouts, registry.defaults.timeouts),
                extra_headers=tuple(dep.headers.items()),
                max_output_tokens=spec.max_output_tokens,
            )
        )
    if not deployments:
        return _missing_reason(set(missing))
    caps = spec.capabilities
    return ModelInfo(
        alias=name,
        tier=spec.tier,
        deployments=tuple(deployments),
        price=Price(
            spec.price.input, spec.price.output, spec.price.cached_input, spec.price.cache_write
        ),
        context_window=spec.context_window,
        max_output_tokens=spec.max_output_tokens,
        capabilities=Capabilities(caps.tools, caps.vision, caps.json_mode, caps.embeddings),
        fallbacks=tuple(spec.fallbacks),
        routing=spec.routing,
        owned_by=spec.owned_by or deployments[0].provider,
        description=spec.description,
        cache=spec.cache,
    )


def build_registry(
    data: Any, settings: ProviderSettings, *, source: Path | str = "models.yaml"
) -> ModelRegistry:
    """Validate parsed YAML ``data`` and build the registry (``SettingsError`` when invalid)."""
    try:
        spec = RegistrySpec.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = key_path(err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"{where}: {msg}" if where else msg)
        raise SettingsError(f"invalid model registry {source}:\n  " + "\n  ".join(lines)) from None
    models: dict[str, ModelInfo] = {}
    disabled: dict[str, str] = {}
    for name, alias_spec in spec.aliases.items():
        built = _build_alias(name, alias_spec, spec, settings)
        if isinstance(built, str):
            disabled[name] = built
            _log.info("model alias disabled", alias=name, reason=built)
        else:
            models[name] = built
    return ModelRegistry(
        models,
        disabled=disabled,
        default_small=spec.defaults.small,
        default_large=spec.defaults.large,
        source=Path(source),
        routes=[(route.match, route.to) for route in spec.model_routes],
    )


def load_registry(settings: ProviderSettings) -> ModelRegistry:
    """Read ``settings.models_file``; any problem is a ``SettingsError`` naming the file."""
    path = settings.models_file
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"cannot read model registry {path}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SettingsError(f"invalid YAML in model registry {path}: {exc}") from None
    if not isinstance(data, dict):
        raise SettingsError(f"invalid model registry {path}: the top level must be a mapping")
    return build_registry(data, settings, source=path)
