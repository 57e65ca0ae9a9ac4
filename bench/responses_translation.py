"""CPU cost of the Responses API translation: parse a Codex-sized body, answer, frame a stream.

Method: a synthetic body shaped like what Codex CLI 0.171 sends (a ~30 KB developer prompt, a
user message, 8 function tools with nested schemas, one namespace of 4 functions, reasoning and
client metadata) is parsed and translated N times (fresh copies made beforehand, so copying is
not timed); a canonical completion becomes a ``response`` object N times; 100 text chunks are
framed as Responses events. Medians of N runs, CPU time on this machine (no network).

    .venv/bin/python bench/responses_translation.py [--runs 2000]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
from collections.abc import Callable
from typing import Any

from llm_gateway.services.responses import objects
from llm_gateway.services.responses.request import parse_request
from llm_gateway.services.responses.stream import EventWriter


def _function(name: str) -> dict[str, Any]:
    props = {f"arg{i}": {"type": "string", "description": "x" * 80} for i in range(6)}
    return {
        "type": "function",
        "name": name,
        "description": "d" * 400,
        "strict": False,
        "parameters": {"type": "object", "properties": props, "required": ["arg0"]},
    }


def codex_like_body() -> dict[str, Any]:
    text = {"type": "input_text", "text": "You are a coding agent. " * 1250}
    return {
        "model": "demo",
        "stream": True,
        "store": False,
        "tool_choice": "auto",
        "parallel_tool_calls": True,
        "reasoning": {"summary": "auto"},
        "include": ["reasoning.encrypted_content"],
        "prompt_cache_key": "k",
        "client_metadata": {"thread_id": "t"},
        "tools": [
            *(_function(f"tool_{i}") for i in range(8)),
            {
                "type": "namespace",
                "name": "multi_agent_v1",
                "description": "Sub-agents",
                "tools": [_function(f"agent_{i}") for i in range(4)],
            },
        ],
        "input": [
            {"type": "message", "role": "developer", "content": [text]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]},
        ],
    }


def _median_us(fn: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=2000)
    runs = parser.parse_args().runs
    body = codex_like_body()
    bodies = iter([copy.deepcopy(body) for _ in range(runs)])
    parse_us = _median_us(lambda: parse_request(next(bodies)), runs)
    call = parse_request(copy.deepcopy(body))
    completion = {
        "choices": [
            {"message": {"role": "assistant", "content": "Done."}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 9000, "completion_tokens": 2},
    }
    build_us = _median_us(lambda: objects.from_completion(call, completion, "resp_x", "demo"), runs)
    chunks = [{"choices": [{"delta": {"content": f"w{i} "}}]} for i in range(100)]

    def stream() -> None:
        writer = EventWriter(call, objects.base_response(call, "resp_x", "demo"))
        writer.start()
        for chunk in chunks:
            writer.chunk(chunk)
        writer.close()
        writer.completed()

    stream_us = _median_us(stream, max(runs // 10, 10))
    print(f"parse + translate a Codex-sized body: {parse_us:.0f} us (median of {runs})")
    print(f"canonical completion -> response object: {build_us:.1f} us")
    per_chunk = stream_us / 100
    print(f"100-chunk stream as Responses events: {stream_us:.0f} us ({per_chunk:.1f} us/chunk)")


if __name__ == "__main__":
    main()
