"""How many prompt tokens a turn may use: the chosen model's window minus the reply's reserve."""

from __future__ import annotations

from dataclasses import dataclass

from llm_gateway.core.config import ChatSettings
from llm_gateway.providers.registry import ModelInfo, ModelRegistry

AUTO_MODEL = "auto"


@dataclass(frozen=True, slots=True)
class ModelWindow:
    """The limits trimming works to, for one alias (or the tightest "auto" candidate)."""

    label: str  # how errors name the model
    context_window: int
    reserved_output: int
    tokenizer_model: str | None  # upstream model name, so OpenAI models are counted exactly

    @property
    def budget(self) -> int:
        return max(1, self.context_window - self.reserved_output)


def _window(label: str, info: ModelInfo, settings: ChatSettings) -> ModelWindow:
    upstream = info.deployments[0] if info.deployments else None
    tokenizer = upstream.model if upstream and upstream.provider == "openai" else None
    return ModelWindow(
        label=label,
        context_window=info.context_window,
        reserved_output=min(settings.reserved_output_tokens, info.max_output_tokens),
        tokenizer_model=tokenizer,
    )


def model_window(registry: ModelRegistry | None, alias: str, settings: ChatSettings) -> ModelWindow:
    """The window for ``alias``; for "auto", the smaller of the small and large defaults.

    "auto" is decided by the agent after trimming, so the history must fit whichever model it
    picks. Unknown aliases get ``default_context_window`` (the agent rejects them later).
    """
    fallback = ModelWindow(
        label=f"model '{alias}'",
        context_window=settings.default_context_window,
        reserved_output=settings.reserved_output_tokens,
        tokenizer_model=None,
    )
    if registry is None:
        return fallback
    if alias != AUTO_MODEL:
        info = registry.find(alias)
        return _window(f"model '{alias}'", info, settings) if info else fallback
    candidates = [
        info
        for name in (registry.default_small, registry.default_large)
        if name and (info := registry.find(name)) is not None
    ]
    if not candidates:
        return fallback
    windows = [
        _window(f"model 'auto' (it may route to '{info.alias}')", info, settings)
        for info in candidates
    ]
    return min(windows, key=lambda window: window.budget)
