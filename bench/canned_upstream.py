"""A canned OpenAI-compatible upstream for the proxy benchmark: raw asyncio, keep-alive, no parsing.

The fake upstream (aiohttp, scripted faults, request log) would be the bottleneck at the request
rates measured here; this one answers a fixed completion, a fixed SSE stream or fixed embeddings
as fast as the event loop allows, so the benchmark measures the gateway, not the upstream.

Streams send the head and the first chunk at once, then the remaining chunks ``--chunk-gap-ms``
apart, so time to first token is well defined.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import orjson

try:
    import uvloop
except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
    uvloop = None  # type: ignore[assignment]

COMPLETION = orjson.dumps(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "bench",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hello from the canned upstream."},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 6, "total_tokens": 18},
    }
)
EMBEDDINGS = orjson.dumps(
    {
        "object": "list",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.1] * 16}],
        "model": "bench",
        "usage": {"prompt_tokens": 2, "total_tokens": 2},
    }
)


def _chunk(delta: dict[str, object], finish: str | None = None) -> bytes:
    body = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "bench",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }
    return b"data: " + orjson.dumps(body) + b"\n\n"


USAGE_EVENT = (
    b"data: "
    + orjson.dumps(
        {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": 1700000000,
            "model": "bench",
            "choices": [],
            "usage": {"prompt_tokens": 12, "completion_tokens": 6, "total_tokens": 18},
        }
    )
    + b"\n\n"
)
STREAM_EVENTS = [
    _chunk({"role": "assistant", "content": "Hello"}),
    *(_chunk({"content": w}) for w in (" from", " the", " canned", " upstream", ".")),
    _chunk({}, "stop"),
    USAGE_EVENT,
    b"data: [DONE]\n\n",
]


def _response(body: bytes) -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
        % len(body)
        + body
    )


CHAT_RESPONSE = _response(COMPLETION)
EMBED_RESPONSE = _response(EMBEDDINGS)
STREAM_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
)


def _chunked(data: bytes) -> bytes:
    return b"%x\r\n" % len(data) + data + b"\r\n"


def _content_length(head: bytes) -> int:
    at = head.find(b"content-length:")
    if at < 0:
        return 0
    stop = head.find(b"\r\n", at)
    return int(head[at + 15 : stop if stop >= 0 else len(head)])


class Upstream(asyncio.Protocol):
    """One keep-alive connection: requests are answered in order as soon as they are complete."""

    def __init__(self, gap_s: float) -> None:
        self.gap_s = gap_s
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].lower()
            total = end + 4 + _content_length(head)
            if len(self.buffer) < total:
                return
            body = self.buffer[end + 4 : total]
            self.buffer = self.buffer[total:]
            self._answer(head, body)

    def _answer(self, head: bytes, body: bytes) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if b"/embeddings" in head[: head.find(b"\r\n")]:
            transport.write(EMBED_RESPONSE)
        elif b'"stream":true' in body or b'"stream": true' in body:
            transport.write(STREAM_HEAD + _chunked(STREAM_EVENTS[0]))
            asyncio.get_running_loop().create_task(self._rest_of_stream(transport))
        else:
            transport.write(CHAT_RESPONSE)

    async def _rest_of_stream(self, transport: asyncio.Transport) -> None:
        for event in STREAM_EVENTS[1:]:
            if self.gap_s:
                await asyncio.sleep(self.gap_s)
            if transport.is_closing():
                return
            transport.write(_chunked(event))
        transport.write(b"0\r\n\r\n")


async def serve(host: str, port: int, gap_s: float) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Upstream(gap_s), host, port, backlog=1024)
    print(f"canned upstream on http://{host}:{port} ({time.strftime('%H:%M:%S')})", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18001)
    parser.add_argument("--chunk-gap-ms", type=float, default=2.0)
    args = parser.parse_args()
    coro = serve(args.host, args.port, args.chunk_gap_ms / 1000)
    if uvloop is not None:
        uvloop.run(coro)
    else:
        asyncio.run(coro)


if __name__ == "__main__":
    main()
