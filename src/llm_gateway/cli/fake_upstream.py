"""``llm-gateway fake-upstream``: serve the fake OpenAI/Anthropic/Ollama upstream until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

import uvloop

from llm_gateway.fake_upstream import FakeUpstream, Knobs


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "fake-upstream",
        help="run the fake LLM upstream (OpenAI, Anthropic and Ollama protocols)",
        description="Deterministic fake upstream for tests, demos and benchmarks. Scripted "
        "faults per model: POST /_fake/script; request log: GET /_fake/requests.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before the head")
    parser.add_argument("--ttft", type=float, default=0.0, help="seconds to the first chunk")
    parser.add_argument("--inter-token", type=float, default=0.0, help="seconds between chunks")
    parser.add_argument("--error-rate", type=float, default=0.0, help="0..1 random failures")
    parser.add_argument("--error-status", type=int, default=500, help="status of those failures")
    parser.add_argument("--retry-after", type=float, help="Retry-After seconds on 429/503")
    parser.add_argument("--reply-words", type=int, help="fixed reply length in words")
    parser.add_argument("--api-key", help="require this key (Bearer or x-api-key)")
    parser.add_argument("--seed", type=int, help="seed for random failures")
    parser.add_argument("--no-record", action="store_true", help="do not keep a request log")
    parser.set_defaults(handler=_run)


async def _serve(server: FakeUpstream) -> None:
    await server.start()
    sys.stderr.write(
        f"llm-gateway: fake upstream on {server.base_url} "
        f"(OpenAI: {server.base_url}/v1, Anthropic: {server.base_url}, Ollama: {server.base_url})\n"
    )
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


def _run(args: argparse.Namespace) -> int:
    knobs = Knobs(
        latency_s=args.latency,
        ttft_s=args.ttft,
        inter_token_s=args.inter_token,
        error_rate=args.error_rate,
        error_status=args.error_status,
        retry_after_s=args.retry_after,
        reply_words=args.reply_words,
    )
    server = FakeUpstream(
        args.host,
        args.port,
        knobs=knobs,
        api_key=args.api_key,
        record_requests=not args.no_record,
        seed=args.seed,
    )
    uvloop.run(_serve(server))
    return 0
