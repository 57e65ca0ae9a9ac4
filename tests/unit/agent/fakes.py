"""In-process stand-ins for the agent's collaborators: a scripted LLM, a catalog, an analyzer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from llm_gateway.agent.context import AgentContext, AgentDeps, AgentOptions
from llm_gateway.agent.ports import ChatRequest, ChatResponse, IntentLLM, Permits, UpstreamAttempt
from llm_gateway.core.config import AgentSettings, GuardrailSettings
from llm_gateway.core.exceptions import GatewayError, NotFoundError
from llm_gateway.guardrails.engine import GuardrailEngine
from llm_gateway.services.auth.principal import Principal
from llm_gateway.tools.base import Tool, ToolError, ToolErrorCode, ToolRegistry, ToolResult

Reply = Callable[[ChatRequest], "ChatResponse | GatewayError"]


def completion(
    content: str = "", tool_calls: list[dict[str, Any]] | None = None, model: str = "small"
) -> ChatResponse:
    message: dict[str, Any] = {"role": "assistant", "content": content or None}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if tool_calls else "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": max(1, len(content.split()))},
    }


def tool_call(name: str, arguments: str, call_id: str = "call_1") -> dict[str, Any]:
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": arguments},
    }


def last_message(request: ChatRequest) -> Mapping[str, Any]:
    return request["messages"][-1]


def echo_reply(request: ChatRequest) -> ChatResponse:
    """'You said: <last user text>', or 'Tool result: ...' after a tool message."""
    last = last_message(request)
    if last.get("role") == "tool":
        return completion(f"Tool result: {last['content']}", model=request["model"])
    users = [m for m in request["messages"] if m.get("role") == "user"]
    return completion(f"You said: {users[-1]['content']}", model=request["model"])


@dataclass
class FakeLLM:
    """Answers per alias with a reply function; records every request and attempt."""

    replies: dict[str, Reply] = field(default_factory=dict)
    default: Reply = echo_reply
    requests: list[ChatRequest] = field(default_factory=list)
    fail_after_chunks: int | None = None  # streams raise after this many chunks

    def _answer(self, request: ChatRequest, attempts: list[UpstreamAttempt] | None) -> Any:
        self.requests.append(request)
        result = self.replies.get(request["model"], self.default)(request)
        if attempts is not None:
            attempts.append(
                UpstreamAttempt(
                    alias=request["model"],
                    deployment=f"{request['model']}/fake/0",
                    ok=not isinstance(result, GatewayError),
                    error_code=result.code if isinstance(result, GatewayError) else None,
                    ms=0.0,
                )
            )
        if isinstance(result, GatewayError):
            raise result
        return result

    async def chat(
        self,
        request: ChatRequest,
        attempts: list[UpstreamAttempt] | None = None,
        permits: Permits | None = None,
    ) -> ChatResponse:
        response: ChatResponse = self._answer(request, attempts)
        return response

    async def chat_stream(
        self,
        request: ChatRequest,
        attempts: list[UpstreamAttempt] | None = None,
        permits: Permits | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        response = self._answer(request, attempts)
        choice = response["choices"][0]
        message = choice["message"]
        sent = 0
        for i, call in enumerate(message.get("tool_calls") or ()):
            yield _chunk({"tool_calls": [{"index": i, **call}]})
        words = (message.get("content") or "").split(" ")
        for i, word in enumerate(words):
            if self.fail_after_chunks is not None and sent >= self.fail_after_chunks:
                raise GatewayError("upstream broke mid-stream", code="upstream_error")
            yield _chunk({"content": word if i == len(words) - 1 else word + " "})
            sent += 1
        yield _chunk({}, finish=choice["finish_reason"])
        yield {"choices": [], "usage": response["usage"]}


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


@dataclass(frozen=True)
class FakeCapabilities:
    tools: bool = True


@dataclass(frozen=True)
class FakeModel:
    alias: str
    tier: str
    context_window: int = 8000
    capabilities: FakeCapabilities = field(default_factory=FakeCapabilities)


@dataclass
class FakeCatalog:
    models: dict[str, FakeModel] = field(
        default_factory=lambda: {
            "small": FakeModel("small", "small"),
            "large": FakeModel("large", "large", context_window=100_000),
        }
    )
    default_small: str = "small"
    default_large: str = "large"

    def find(self, alias: str) -> FakeModel | None:
        return self.models.get(alias)

    def cost(
        self,
        alias: str,
        prompt_tokens: int,
        completion_tokens: int,
        cached_tokens: int = 0,
        cache_write_tokens: int = 0,
    ) -> float:
        if alias not in self.models:
            raise NotFoundError("gone")
        return (prompt_tokens + completion_tokens) / 1_000_000


@dataclass(frozen=True)
class FakeIntentResult:
    label: str = "general"
    complexity: str = "simple"
    language: str = "en"
    confidence: float = 0.9
    reason: str = "fake"
    source: str = "rules"
    withhold_tools: bool = False


@dataclass
class FakeIntent:
    """Labels by keyword: 'hack' → dangerous, 'tool:<name>' → that tool, 'complex' → complex;
    'unsure' → the guess is the fallback's (the LLM could not confirm it)."""

    calls: int = 0
    use_llm: bool = False

    async def analyze(
        self, messages: Sequence[Mapping[str, Any]], llm: IntentLLM | None, timeout_s: float
    ) -> FakeIntentResult:
        self.calls += 1
        text = str(messages[-1].get("content", ""))
        if self.use_llm and llm is not None:
            await llm({"messages": [{"role": "user", "content": text}]})
        label = "general"
        if "hack" in text:
            label = "dangerous"
        elif (i := text.find("tool:")) >= 0:
            label = text[i:].split()[0]
        complexity = "complex" if "complex" in text else "simple"
        language = "ko" if any("\uac00" <= ch <= "\ud7a3" for ch in text) else "en"
        source = "fallback" if "unsure" in text else "rules"
        return FakeIntentResult(
            label=label, complexity=complexity, language=language, source=source
        )


class EchoTool(Tool):
    name: ClassVar[str] = "echo"
    description: ClassVar[str] = "Repeat the text"
    parameters: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "properties": {"text": {"type": "string"}},
        "required": ["text"],
        "additionalProperties": False,
    }

    async def run(self, args: dict[str, Any]) -> ToolResult:
        if args["text"] == "fail":
            raise ToolError(ToolErrorCode.INVALID_INPUT, "cannot echo 'fail'")
        return ToolResult.success(f"echo: {args['text']}")


class SlowTool(Tool):
    name: ClassVar[str] = "slow"
    description: ClassVar[str] = "Never finishes in time"
    parameters: ClassVar[Mapping[str, Any]] = {"type": "object", "properties": {}}

    async def run(self, args: dict[str, Any]) -> ToolResult:
        await asyncio.sleep(10)
        return ToolResult.success("late")


def make_tools() -> ToolRegistry:
    return ToolRegistry(
        [
            EchoTool(timeout_s=1.0, max_output_chars=500),
            SlowTool(timeout_s=0.05, max_output_chars=50),
        ]
    )


def make_deps(
    llm: FakeLLM | None = None,
    *,
    settings: AgentSettings | None = None,
    guardrails: GuardrailSettings | None = None,
    catalog: FakeCatalog | None = None,
    intent: FakeIntent | None = None,
    tools: ToolRegistry | None = None,
    with_tools: bool = True,
) -> AgentDeps:
    settings = settings or AgentSettings()
    if guardrails is not None:
        settings = settings.model_copy(update={"guardrails": guardrails})
    return AgentDeps(
        llm=llm or FakeLLM(),
        catalog=catalog or FakeCatalog(),
        intent=intent or FakeIntent(),
        settings=settings,
        guardrails=GuardrailEngine(settings.guardrails),
        tools=(tools or make_tools()) if with_tools else None,
    )


def principal(tier: str = "pro") -> Principal:
    return Principal(auth_method="api_key", role="user", tier=tier)


def make_context(
    deps: AgentDeps, *, tier: str = "pro", model: str = "auto", stream: bool = False
) -> AgentContext:
    return AgentContext(deps, principal(tier), model, AgentOptions(stream=stream))
