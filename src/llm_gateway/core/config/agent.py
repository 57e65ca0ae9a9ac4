"""Settings groups for the agent pipeline, guardrails, tools and conversations."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

GuardrailOutputAction = Literal["allow", "mask", "regenerate"]
# What a tier's policy does with a flagged category: refuse the request, redact (PII only),
# replace with a keyed hash (PII only), record it and pass, or not check it at all.
AttackAction = Literal["block", "log", "off"]
PiiAction = Literal["block", "mask", "hash", "log", "off"]
# What a policy does with a tool result that holds instructions aimed at the model (indirect
# injection): refuse the request, replace the result by a notice and go on, record it, or not look.
ToolResultAction = Literal["block", "withhold", "log", "off"]


class GuardrailPolicy(BaseModel):
    """One tier's guardrail policy: an action per category (see docs/GUARDRAILS.md).

    ``injection`` covers injection and jailbreak. ``pii_input`` is personal data in prompts;
    ``leak_output`` is secrets and PII in answers, on both paths (on the agent path ``block``
    regenerates a buffered answer and stops a stream; under ``mask`` the settings'
    ``secret_action``/``pii_action`` decide per family, and may also regenerate).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    injection: AttackAction = "block"
    prompt_extraction: AttackAction = "block"
    harmful_request: AttackAction = "block"
    pii_input: PiiAction = "off"
    leak_output: PiiAction = "mask"
    # The trained classifier on top of the exact rules (off: rules only, the cheapest setting).
    classifier: bool = True
    # Apply this policy on explicit aliases too (the lean proxy path: /v1/chat/completions,
    # /v1/messages, /v1/responses). Off, that path checks nothing for the caller unless the
    # operator switched ``proxy_input``/``proxy_output`` on for everyone.
    proxy: bool = False
    # The e5 harmful-request stage (~20-30 ms of CPU) for this policy's callers on the proxy path
    # too. The agent path runs it whenever ``GuardrailSettings.harm_stage`` is on, since a model
    # call follows anyway; on the proxy path it is opt-in per tier or key, for its latency.
    harm_stage: bool = False
    # The e5 attack heads (injection/jailbreak, prompt extraction) for this policy's callers,
    # wherever the e5 stage runs. None follows ``GuardrailSettings.attack_stage`` (on). False
    # spares a tier or key whose traffic is full of persona set-ups and bot mentions, where the
    # heads' own blocks are mostly harmless prompts (docs/GUARDRAILS.md, "Session 25, round 26").
    attack_stage: bool | None = None
    # Tool results (the client's ``tool`` messages, Anthropic ``tool_result`` blocks, Responses
    # ``function_call_output`` items, and on the agent path the gateway's own tools' output)
    # screened for injection and extraction aimed at the model: off by default, since a web page
    # or a file may quote such text for its human readers (docs/GUARDRAILS.md, "Tool results").
    tool_results: ToolResultAction = "off"

    def merged(self, patch: Mapping[str, object] | None) -> GuardrailPolicy:
        """This policy with the fields ``patch`` sets replaced (an admin's per-key override)."""
        if not patch:
            return self
        return GuardrailPolicy.model_validate({**self.model_dump(), **patch})

    @property
    def checks_input(self) -> bool:
        """Whether any input category is checked at all."""
        return (
            self.injection != "off"
            or self.prompt_extraction != "off"
            or self.harmful_request != "off"
            or self.pii_input != "off"
        )


class GuardrailPolicyPatch(BaseModel):
    """Part of a ``GuardrailPolicy``: what an admin overrides for one API key or user."""

    model_config = ConfigDict(extra="forbid", strict=True)

    injection: AttackAction | None = None
    prompt_extraction: AttackAction | None = None
    harmful_request: AttackAction | None = None
    pii_input: PiiAction | None = None
    leak_output: PiiAction | None = None
    classifier: bool | None = None
    proxy: bool | None = None
    harm_stage: bool | None = None
    attack_stage: bool | None = None
    tool_results: ToolResultAction | None = None

    def fields_set(self) -> dict[str, object]:
        """The fields given (a null field is left out: it inherits the tier's value)."""
        return {
            k: v for k, v in self.model_dump(include=self.model_fields_set).items() if v is not None
        }


JudgeCategory = Literal["injection", "prompt_extraction", "harmful_request"]


def _default_bands() -> dict[JudgeCategory, tuple[float, float]]:
    return {
        "injection": (0.35, 0.97),
        "prompt_extraction": (0.35, 0.97),
        "harmful_request": (0.30, 0.97),
    }


class GuardJudgeSettings(BaseModel):
    """The optional LLM judge for the classifier's grey zone (off by default; see GUARDRAILS.md).

    A prompt whose score for a category falls inside that category's ``bands`` ``[low, high]``
    (and that no exact rule already decided) is shown to the ``alias`` model, which answers SAFE
    or UNSAFE; its answer replaces the classifier's decision for that category. On a timeout, an
    error, an unreadable answer or a spent budget, the classifier's decision stands.
    """

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    alias: str | None = None  # unset: the registry's default small alias
    # Score bands per category in which the judge is asked (scores at or over ``high`` are
    # blocked and under ``low`` allowed by the classifier alone). For ``harmful_request`` the
    # score is the higher of the n-gram head and the e5 stage (when it ran).
    bands: dict[JudgeCategory, tuple[float, float]] = Field(default_factory=_default_bands)
    timeout_s: float = Field(default=2.0, gt=0, le=30)
    # Judge calls allowed per rolling minute in one process; over it the classifier decides.
    budget_per_minute: int = Field(default=30, ge=0)
    max_prompt_chars: int = Field(default=2000, ge=100)  # of the user text shown to the judge

    @field_validator("bands")
    @classmethod
    def _ordered(
        cls, value: dict[JudgeCategory, tuple[float, float]]
    ) -> dict[JudgeCategory, tuple[float, float]]:
        for name, (low, high) in value.items():
            if not 0.0 <= low <= high <= 1.0:
                raise ValueError(f"band {name}: need 0 <= low <= high <= 1")
        return value


class GuardrailSettings(BaseModel):
    """Input (injection/jailbreak) and output (secrets/PII) guardrails for both request paths."""

    # Input rules refuse injection/jailbreak prompts; output rules mask or regenerate leaks.
    agent_input: bool = True
    agent_output: bool = True
    # Explicit aliases take the lean proxy path: guardrails there are opt-in.
    proxy_input: bool = False
    proxy_output: bool = False
    # What to do when a finding of each output family appears.
    secret_action: GuardrailOutputAction = "mask"  # noqa: S105 - an action name, not a secret
    pii_action: GuardrailOutputAction = "mask"
    # Regenerations allowed before the agent gives a safe refusal (0 = refuse at once).
    max_regenerations: int = Field(default=2, ge=0, le=5)
    # Input rule score at which a prompt is blocked (rules add weights; 1.0 = one strong rule).
    input_block_score: float = Field(default=1.0, gt=0)
    # Characters a streamed answer is held back so a secret split across chunks is caught
    # (whole words are held anyway; this must cover spaced ones: cards, phones, PEM headers).
    stream_holdback_chars: int = Field(default=48, ge=40, le=4096)
    # Largest unreleased stream buffer; an unfinished secret longer than this stops the stream.
    stream_max_buffer_chars: int = Field(default=8192, ge=256)
    # Rule ids switched off (escape hatch for false positives), e.g. ["pii.phone"].
    disabled_rules: list[str] = Field(default_factory=list)
    # The policy for callers whose tier has none of its own, and policies by tier name.
    default_policy: GuardrailPolicy = Field(default_factory=GuardrailPolicy)
    policies: dict[str, GuardrailPolicy] = Field(default_factory=dict)
    # Classifier thresholds by category (injection, prompt_extraction, harmful_request) that
    # override the ones shipped with the model (chosen on out-of-source dev data).
    classifier_thresholds: dict[str, float] = Field(default_factory=dict)
    # The harmful-request second stage (e5 embeddings, ~20 ms CPU per prompt) on the agent path
    # (``auto``, ``/chat``), where a model call follows anyway; on the proxy path only for
    # policies with ``harm_stage: true``.
    harm_stage: bool = True
    # Where the harm stage runs, e5 heads for injection/jailbreak and prompt extraction on the
    # same embedding (a head's cost: well under a millisecond), for policies that do not say
    # (``GuardrailPolicy.attack_stage``). On by default since session 11: its gate is a real
    # agreement (e5 counts alone only far above its threshold), which answers everyday code-run
    # and paste asks; leaving one of 15 writers out it met the ship rule written beforehand
    # (docs/GUARDRAILS.md, "Dev results, session 11"). Round 26 (session 25) declared it off by
    # default and failed its rule on fresh judges (same section, "Session 25, round 26").
    attack_stage: bool = True
    # The grey-zone LLM judge (``agent.guardrails.judge``), off by default.
    judge: GuardJudgeSettings = Field(default_factory=GuardJudgeSettings)
    # Key for ``hash`` actions (HMAC-SHA256, so a phone number cannot be found by brute force);
    # unset: a random key per process (hashes then match only within one process).
    hash_key: str | None = Field(default=None, repr=False)


class ToolSettings(BaseModel):
    """Agent tools: calculator, current_time, web_search, code_executor (see docs/TOOLS.md)."""

    calculator_enabled: bool = True
    current_time_enabled: bool = True
    web_search_enabled: bool = True
    # Largest tool output handed to the model; longer output is cut and marked truncated.
    max_output_chars: int = Field(default=8000, ge=256)
    # Largest raw JSON arguments string accepted from the model.
    max_argument_chars: int = Field(default=100_000, ge=1024)
    calculator_timeout_s: float = Field(default=2.0, gt=0)
    calculator_max_expression_chars: int = Field(default=1000, ge=16)
    current_time_default_timezone: str = "UTC"  # IANA name used when the model gives none
    # SearxNG base URL (e.g. http://127.0.0.1:8888); unset → web_search reports "not configured".
    web_search_url: str | None = None
    web_search_backend: Literal["searxng"] = "searxng"
    web_search_timeout_s: float = Field(default=8.0, gt=0)
    web_search_max_results: int = Field(default=5, ge=1, le=20)
    # sandbox = bubblewrap (refuses if unavailable); unsafe-rlimits-only = rlimits, no isolation.
    code_executor_mode: Literal["sandbox", "unsafe-rlimits-only", "disabled"] = "sandbox"
    code_executor_bwrap: str = "bwrap"  # bubblewrap binary (name on PATH or absolute path)
    code_executor_python: Path = Path("/usr/bin/python3")  # system interpreter run in the sandbox
    code_executor_wall_timeout_s: float = Field(default=10.0, gt=0, le=300)
    code_executor_cpu_s: int = Field(default=5, ge=1, le=300)
    code_executor_memory_mb: int = Field(default=256, ge=32)  # address-space limit per process
    code_executor_max_processes: int = Field(default=32, ge=1)
    # Memory bound of a whole run, all its processes and its /tmp together (docs/TOOLS.md).
    code_executor_run_memory_mb: int = Field(default=1024, ge=64)
    # Parent cgroup v2 directory for per-run cgroups ("" = never use cgroups: rlimit fallback).
    code_executor_cgroup: str = "/sys/fs/cgroup/llm-gateway-sandbox"
    code_executor_max_file_mb: int = Field(default=16, ge=1)  # largest file it may write
    code_executor_max_open_files: int = Field(default=64, ge=16)
    code_executor_tmpfs_mb: int = Field(default=64, ge=1)  # size of the private writable /tmp
    code_executor_max_output_chars: int = Field(default=16_000, ge=256)
    code_executor_max_code_chars: int = Field(default=50_000, ge=256)
    code_executor_max_concurrency: int = Field(default=2, ge=1)  # runs at once per process

    @field_validator("current_time_default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA timezone {value!r}") from None
        return value

    @field_validator("code_executor_cgroup")
    @classmethod
    def _absolute_or_empty(cls, value: str) -> str:
        if value and not value.startswith("/"):
            raise ValueError("must be an absolute path, or empty to disable cgroups")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _run_fits_two_processes(self) -> ToolSettings:
        # The sandbox's init and the interpreter both count against the fallback's process limit.
        if self.code_executor_run_memory_mb < 2 * self.code_executor_memory_mb:
            raise ValueError(
                "code_executor_run_memory_mb must be at least twice code_executor_memory_mb "
                f"({2 * self.code_executor_memory_mb})"
            )
        return self

    @field_validator("web_search_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with 'http://' or 'https://'")
        return value.rstrip("/") if value else None


class AgentSettings(BaseModel):
    """The LangGraph agent pipeline: intent, routing, tools, guardrails (agent issue)."""

    guardrails: GuardrailSettings = Field(default_factory=GuardrailSettings)  # input/output rules
    # Aliases for simple and complex requests; unset = the registry's default small/large alias.
    small_model: str | None = None
    large_model: str | None = None
    # Principal tiers allowed to be routed to the large model (others always get the small one).
    large_model_tiers: list[str] = Field(default_factory=lambda: ["pro", "enterprise"])
    # Budget for the intent analyzer's LLM call; on timeout the fast local pass decides.
    intent_timeout_s: float = Field(default=4.0, gt=0, le=60)
    # Let models with native tool calling call tools themselves (else the intent picks the tool).
    native_tools: bool = True
    # Model→tool→model rounds allowed per run, then the model must answer in text (0: no tools).
    max_tool_rounds: int = Field(default=3, ge=0, le=10)
    # Tokens kept free for the answer when checking a conversation against a context window.
    context_reserve_tokens: int = Field(default=1024, ge=0)
    # When the routed alias fails (after the router's own retries), try the other tier's alias.
    fallback_other_tier: bool = True
    # LangGraph steps per run; the tool and regeneration bounds stop loops well before this.
    recursion_limit: int = Field(default=40, ge=10, le=200)
    # Build the graph (LangGraph, the intent stack: ~50 MB) at startup instead of on the first
    # ``auto`` or /chat request; a gateway that only proxies never loads it when this is off.
    preload: bool = False

    @model_validator(mode="after")
    def _limit_covers_the_loops(self) -> AgentSettings:
        # Worst case: intent + intent tool step, 3 steps per tool round and per answer attempt
        # (route, model, tools/guardrail), two failed aliases' extra steps, then the last node.
        needed = 10 + 3 * self.max_tool_rounds + 3 * self.guardrails.max_regenerations
        if self.recursion_limit < needed:
            raise ValueError(
                f"recursion_limit must be at least {needed} for max_tool_rounds="
                f"{self.max_tool_rounds} and guardrails.max_regenerations="
                f"{self.guardrails.max_regenerations}"
            )
        return self


class ChatSettings(BaseModel):
    """Conversations, /chat streaming and context-window management (conversations issue)."""

    heartbeat_interval_s: float = Field(default=15.0, gt=0)  # SSE ": ping" while the model is idle
    max_message_chars: int = Field(default=32_000, ge=1)  # longer user messages are a 422
    reserved_output_tokens: int = Field(default=1024, ge=1)  # room kept for the reply (≤ model max)
    default_context_window: int = Field(default=8192, ge=256)  # for models the registry lacks
    system_prompt: str = ""  # prepended to every conversation's context (empty: none)
    history_max_messages: int = Field(default=400, ge=2)  # newest messages loaded before trimming
    summary_enabled: bool = True  # summarize turns that fall out of the window (small model)
    summary_trigger_ratio: float = Field(default=0.75, gt=0, le=1)  # compact above this share
    summary_target_ratio: float = Field(default=0.5, gt=0, le=1)  # ... down to this share
    summary_max_tokens: int = Field(default=400, ge=16)  # length cap of the running summary
    titles_enabled: bool = True  # title new conversations from the first exchange (small model)
    # Alias for titles and summaries; unset: the registry's small default.
    small_model: str | None = None
    page_size: int = Field(default=20, ge=1, le=200)  # default page of conversations/messages
    max_page_size: int = Field(default=100, ge=1, le=1000)  # largest ?limit= accepted
    ws_auth_timeout_s: float = Field(default=10.0, gt=0)  # wait for the WebSocket auth message
    background_concurrency: int = Field(default=4, ge=1)  # parallel title/summary jobs
    background_drain_s: float = Field(default=10.0, ge=0)  # shutdown wait for background jobs
