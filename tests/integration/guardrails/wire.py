"""One request helper and one text reader per wire protocol (OpenAI chat, Anthropic, Responses)."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

PATHS = {
    "openai": "/v1/chat/completions",
    "anthropic": "/v1/messages",
    "responses": "/v1/responses",
}


def body(
    api: str, text: str, *, stream: bool, model: str = "small-plain", system: str | None = None
) -> dict[str, Any]:
    if api == "responses":
        extra = {"instructions": system} if system else {}
        return {"model": model, "input": text, "stream": stream, **extra}
    messages = [{"role": "user", "content": text}]
    if api == "anthropic":
        extra = {"system": system} if system else {}
        return {"model": model, "messages": messages, "stream": stream, "max_tokens": 200, **extra}
    if system:
        messages.insert(0, {"role": "system", "content": system})
    return {"model": model, "messages": messages, "stream": stream}


def headers(api: str, credential: str) -> dict[str, str]:
    if api == "anthropic":
        return {"x-api-key": credential, "anthropic-version": "2023-06-01"}
    return {"authorization": f"Bearer {credential}"}


async def post(
    client: httpx.AsyncClient,
    api: str,
    text: str,
    credential: str,
    *,
    stream: bool = False,
    system: str | None = None,
) -> httpx.Response:
    return await client.post(
        PATHS[api],
        json=body(api, text, stream=stream, system=system),
        headers=headers(api, credential),
    )


def _events(response: httpx.Response) -> list[dict[str, Any]]:
    return [
        orjson.loads(line[6:]) for line in response.text.split("\n") if line.startswith("data: {")
    ]


def text_of(api: str, response: httpx.Response) -> str:
    """The answer's text, from a JSON body or from the stream's text deltas."""
    streamed = response.headers["content-type"].startswith("text/event-stream")
    if api == "openai":
        if not streamed:
            return str(response.json()["choices"][0]["message"]["content"])
        return "".join(
            (c.get("delta") or {}).get("content") or ""
            for e in _events(response)
            for c in e.get("choices") or ()
        )
    if api == "anthropic":
        if not streamed:
            return "".join(b["text"] for b in response.json()["content"] if b["type"] == "text")
        return "".join(
            e["delta"].get("text", "")
            for e in _events(response)
            if e["type"] == "content_block_delta"
        )
    if not streamed:
        return "".join(
            part["text"]
            for item in response.json()["output"]
            if item["type"] == "message"
            for part in item["content"]
        )
    return "".join(
        e["delta"] for e in _events(response) if e["type"] == "response.output_text.delta"
    )


def stream_error(api: str, response: httpx.Response) -> str | None:
    """The in-band error of a stream that was stopped, in the wire's own shape, else None."""
    for event in _events(response):
        if api == "openai" and "error" in event:
            return str(event["error"]["code"])
        if api == "anthropic" and event.get("type") == "error":
            return str(event["error"]["message"])
        if api == "responses" and event.get("type") == "response.failed":
            return str(event["response"]["error"]["code"])
    return None
