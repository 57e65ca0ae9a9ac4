"""The agent graph's own cost: everything a ``model: auto`` run adds besides the model calls.

Method: a zero-latency in-process ``LLMClient`` answers instantly (a fixed 60-word reply, streamed
as one chunk per word). Each scenario times N runs of the compiled graph through
``AgentRunner.run`` and N direct calls of the same client with the request the graph would send;
the difference of the medians (and of the p95s) is the graph's overhead per request: intent
fast pass, input and output guardrails, routing, state updates, LangGraph's scheduling and the
event stream. TTFT compares the first ``TokenEvent`` of a streamed run with the first chunk of a
direct stream. Nothing here touches the network, so the figures are CPU time on this machine.

    .venv/bin/python bench/agent_overhead.py [--runs 1000] [--markdown]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from llm_gateway.agent.context import AgentDeps, AgentOptions
from llm_gateway.agent.events import TokenEvent
from llm_gateway.agent.intent import DEFAULT_TOOLS, IntentAnalyzer
from llm_gateway.agent.ports import ChatRequest, ChatResponse, UpstreamAttempt
from llm_gateway.agent.runner import AgentRunner
from llm_gateway.core.config import AgentSettings, GuardrailSettings
from llm_gateway.guardrails.engine import GuardrailEngine
from llm_gateway.services.auth.principal import Principal

PROMPT = "What is the capital of France, and why did it become the capital?"
# A /chat-sized history (~40 KB, English and Korean): costs that grow with the conversation
# (token estimate for the context check, input guardrail, intent pass) show up here.
LONG_CHAT = [
    {"role": role, "content": text * 12}
    for _ in range(20)
    for role, text in (
        ("user", "Tell me more about the history of Paris and its old districts, please. "),
        ("assistant", "파리는 오랜 역사를 가진 도시이며 여러 구역으로 나뉘어 있습니다. "),
    )
] + [{"role": "user", "content": PROMPT}]
REPLY_WORDS = [f"word{i}" for i in range(60)]
USAGE = {"prompt_tokens": 16, "completion_tokens": len(REPLY_WORDS), "total_tokens": 76}


class ZeroLatencyLLM:
    """Answers at once: the cost left in a run is the pipeline's own.

    ``gap_s`` > 0 paces a stream like a real model (one chunk every ``gap_s``), to show how much
    of the pipeline's CPU time hides in the gaps between tokens.
    """

    def __init__(self, gap_s: float = 0.0) -> None:
        self.gap_s = gap_s

    async def chat(
        self, request: ChatRequest, attempts: list[UpstreamAttempt] | None = None
    ) -> ChatResponse:
        return {
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "model": request["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": " ".join(REPLY_WORDS)},
                    "finish_reason": "stop",
                }
            ],
            "usage": USAGE,
        }

    async def chat_stream(
        self, request: ChatRequest, attempts: list[UpstreamAttempt] | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        start = loop.time()
        for i, word in enumerate(REPLY_WORDS):
            if self.gap_s:
                # Chunks fall due on the upstream's clock, not when the consumer asks: a real
                # upstream keeps generating while the gateway processes the previous chunk.
                delay = start + (i + 1) * self.gap_s - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            text = word if i == len(REPLY_WORDS) - 1 else word + " "
            yield {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}
        yield {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        yield {"choices": [], "usage": USAGE}


@dataclass(frozen=True)
class _Capabilities:
    tools: bool = True


@dataclass(frozen=True)
class _Model:
    alias: str
    tier: str
    context_window: int = 128_000
    capabilities: _Capabilities = _Capabilities()


class _Catalog:
    default_small = "demo"
    default_large = "demo-large"
    _models: Mapping[str, _Model] = {
        "demo": _Model("demo", "small"),
        "demo-large": _Model("demo-large", "large"),
    }

    def find(self, alias: str) -> _Model | None:
        return self._models.get(alias)

    def cost(self, alias: str, prompt: int, completion: int, cached: int = 0) -> float:
        return (prompt * 0.15 + completion * 0.6) / 1_000_000


def _intent_analyzer() -> IntentAnalyzer:
    """The real analyzer; the benchmark prompt is one its fast pass decides without an LLM."""
    return IntentAnalyzer(DEFAULT_TOOLS, small_alias="demo")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


Timed = Callable[[], Awaitable[float | None]]


async def _time(direct: Timed, agent: Timed, runs: int) -> dict[str, list[float]]:
    """Interleaved runs (so load from other processes hits both sides alike).

    Per run: wall ms, CPU ms of this thread (the event loop; immune to other processes' load)
    and wall ms to the first token where the callable reports it.
    """
    out: dict[str, list[float]] = {
        f"{side}{suffix}": [] for side in ("direct", "agent") for suffix in ("", "_cpu", "_first")
    }
    for _ in range(max(20, runs // 10)):  # warm-up: imports, regex and attribute caches
        await direct()
        await agent()
    gc.collect()
    for _ in range(runs):
        for name, fn in (("direct", direct), ("agent", agent)):
            cpu = time.thread_time()
            started = time.perf_counter()
            first = await fn()
            out[name].append((time.perf_counter() - started) * 1000)
            out[name + "_cpu"].append((time.thread_time() - cpu) * 1000)
            if first is not None:
                out[name + "_first"].append((first - started) * 1000)
    return out


def _request(stream: bool, messages: list[dict[str, Any]]) -> ChatRequest:
    request: ChatRequest = {"model": "demo", "messages": messages}
    if stream:
        request.update(stream=True, stream_options={"include_usage": True})
    return request


async def _scenario(
    name: str,
    runner: AgentRunner,
    llm: ZeroLatencyLLM,
    *,
    stream: bool,
    runs: int,
    messages: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    principal = Principal(auth_method="api_key", role="user", tier="pro")
    messages = messages or [{"role": "user", "content": PROMPT}]
    options = AgentOptions(stream=stream)
    request = _request(stream, messages)

    async def direct() -> float | None:
        if not stream:
            await llm.chat(dict(request))
            return None
        first = None
        async for _ in llm.chat_stream(dict(request)):
            first = first or time.perf_counter()
        return first

    async def agent() -> float | None:
        first = None
        async for event in runner.run(messages, principal, "auto", options):
            if first is None and isinstance(event, TokenEvent):
                first = time.perf_counter()
        return first

    t = await _time(direct, agent, runs)
    row = {
        "scenario": name,
        "direct_median": statistics.median(t["direct"]),
        "agent_median": statistics.median(t["agent"]),
        "added_median": statistics.median(t["agent"]) - statistics.median(t["direct"]),
        "added_p95": _percentile(t["agent"], 0.95) - _percentile(t["direct"], 0.95),
        "added_cpu_median": statistics.median(t["agent_cpu"]) - statistics.median(t["direct_cpu"]),
    }
    if stream:
        first_agent, first_direct = t["agent_first"], t["direct_first"]
        row["ttft_added_median"] = statistics.median(first_agent) - statistics.median(first_direct)
        row["ttft_added_p95"] = _percentile(first_agent, 0.95) - _percentile(first_direct, 0.95)
    return row


def _runner(llm: ZeroLatencyLLM, intent: IntentAnalyzer, guardrails: bool) -> AgentRunner:
    guard_settings = GuardrailSettings(agent_input=guardrails, agent_output=guardrails)
    settings = AgentSettings(guardrails=guard_settings)
    deps = AgentDeps(
        llm=llm,
        catalog=_Catalog(),
        intent=intent,
        settings=settings,
        guardrails=GuardrailEngine(guard_settings),
        tools=None,
    )
    return AgentRunner(deps)  # compiled once, reused for every run as in the lifespan


async def main(runs: int, markdown: bool) -> None:
    llm = ZeroLatencyLLM()
    intent = _intent_analyzer()
    paced = ZeroLatencyLLM(gap_s=0.002)
    paced_runs = max(20, runs // 10)
    rows = [
        await _scenario(
            "buffered, guardrails on", _runner(llm, intent, True), llm, stream=False, runs=runs
        ),
        await _scenario(
            "streamed, guardrails off", _runner(llm, intent, False), llm, stream=True, runs=runs
        ),
        await _scenario(
            "streamed, guardrails on", _runner(llm, intent, True), llm, stream=True, runs=runs
        ),
        await _scenario(
            "buffered, guardrails on, 41-message chat",
            _runner(llm, intent, True),
            llm,
            stream=False,
            runs=runs,
            messages=LONG_CHAT,
        ),
        await _scenario(
            "streamed, guardrails on, 2 ms/token",
            _runner(paced, intent, True),
            paced,
            stream=True,
            runs=paced_runs,
        ),
    ]
    header = (
        "| scenario | direct median ms | agent median ms | added median ms | added p95 ms "
        "| added CPU median ms | TTFT added median ms | TTFT added p95 ms |"
    )
    print(f"runs per scenario: {runs} (paced: {paced_runs}); reply: {len(REPLY_WORDS)} chunks")
    print(header if markdown else header.replace("|", " "))
    if markdown:
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        cells = [
            r["scenario"],
            f"{r['direct_median']:.3f}",
            f"{r['agent_median']:.3f}",
            f"{r['added_median']:.3f}",
            f"{r['added_p95']:.3f}",
            f"{r['added_cpu_median']:.3f}",
            f"{r['ttft_added_median']:.3f}" if "ttft_added_median" in r else "n/a",
            f"{r['ttft_added_p95']:.3f}" if "ttft_added_p95" in r else "n/a",
        ]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.markdown))
