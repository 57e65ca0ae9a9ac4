"""Ollama ``/api/chat`` and ``/api/embed`` ⇄ canonical (OpenAI) shapes, as pure functions."""

from __future__ import annotations

import base64
from array import array
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

import orjson

from llm_gateway.core.exceptions import InvalidRequestError
from llm_gateway.providers.base import (
    ChatChunk,
    ChatRequest,
    ChatResponse,
    Deployment,
    EmbeddingRequest,
    EmbeddingResponse,
    UpstreamCallError,
)
from llm_gateway.providers.params import chunk as make_chunk
from llm_gateway.providers.params import (
    content_text,
    max_output_tokens,
    new_id,
    now,
    parse_arguments,
    parse_data_url,
    stop_list,
    unsupported,
    usage,
    usage_chunk,
)
from llm_gateway.providers.streaming import bad_upstream_response

PROVIDER = "ollama"
# OpenAI param → Ollama ``options`` key.
_OPTIONS = {
    "temperature": "temperature",
    "top_p": "top_p",
    "top_k": "top_k",
    "seed": "seed",
    "presence_penalty": "presence_penalty",
    "frequency_penalty": "frequency_penalty",
}
_NEUTRAL = {"n": 1, "logprobs": False, "top_logprobs": None, "logit_bias": None, "audio": None}


def _user(msg: dict[str, Any], request: ChatRequest) -> dict[str, Any]:
    content = msg.get("content")
    out: dict[str, Any] = {"role": "user", "content": content_text(content)}
    images = []
    for part in content if isinstance(content, list) else ():
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "image_url":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else image
            data = parse_data_url(url) if isinstance(url, str) else None
            if data is None:
                unsupported(request, "messages", PROVIDER, "images must be data: URLs")
            else:
                images.append(data[1])
        elif kind != "text":
            unsupported(request, "messages", PROVIDER, f"content part type {kind!r}")
    if images:
        out["images"] = images
    return out


def _messages(request: ChatRequest) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    tool_names: dict[str, str] = {}  # tool_call_id → function name, for Ollama's tool_name
    for msg in request.get("messages") or ():
        role = msg.get("role")
        if role in ("system", "developer"):
            out.append({"role": "system", "content": content_text(msg.get("content"))})
        elif role == "user":
            out.append(_user(msg, request))
        elif role == "assistant":
            item: dict[str, Any] = {
                "role": "assistant",
                "content": content_text(msg.get("content")),
            }
            calls = []
            for call in msg.get("tool_calls") or ():
                fn = call.get("function") or {}
                tool_names[call.get("id", "")] = fn.get("name", "")
                calls.append(
                    {
                        "function": {
                            "name": fn.get("name", ""),
                            "arguments": parse_arguments(fn.get("arguments")),
                        }
                    }
                )
            if calls:
                item["tool_calls"] = calls
            out.append(item)
        elif role == "tool":
            item = {"role": "tool", "content": content_text(msg.get("content"))}
            if name := tool_names.get(msg.get("tool_call_id", "")):
                item["tool_name"] = name
            out.append(item)
        else:
            raise InvalidRequestError(f"Unknown message role {role!r}", param="messages")
    return out


def _format(request: ChatRequest) -> Any:
    fmt = request.get("response_format")
    if not isinstance(fmt, dict) or fmt.get("type") in (None, "text"):
        return None
    if fmt["type"] == "json_object":
        return "json"
    if fmt["type"] == "json_schema":
        schema = (fmt.get("json_schema") or {}).get("schema")
        return schema if isinstance(schema, dict) else "json"
    unsupported(request, "response_format", PROVIDER, f"type {fmt['type']!r}")
    return None


def to_ollama_chat(request: ChatRequest, deployment: Deployment, *, stream: bool) -> dict[str, Any]:
    """A canonical request as an ``/api/chat`` body (``stream`` is explicit: Ollama defaults on)."""
    for param, neutral in _NEUTRAL.items():
        if request.get(param) is not None and request[param] != neutral:
            unsupported(request, param, PROVIDER)
    body: dict[str, Any] = {
        "model": deployment.model,
        "messages": _messages(request),
        "stream": stream,
    }
    options = {dst: request[src] for src, dst in _OPTIONS.items() if request.get(src) is not None}
    if (limit := max_output_tokens(request)) is not None:
        options["num_predict"] = limit
    if stop := stop_list(request):
        options["stop"] = stop
    if options:
        body["options"] = options
    if (fmt := _format(request)) is not None:
        body["format"] = fmt
    choice = request.get("tool_choice")
    if request.get("tools") and choice != "none":
        if choice not in (None, "auto"):
            unsupported(request, "tool_choice", PROVIDER, "Ollama only chooses tools itself")
        body["tools"] = request["tools"]
    return body


def _tool_calls(message: dict[str, Any], start: int) -> list[dict[str, Any]]:
    calls = []
    for i, call in enumerate(message.get("tool_calls") or (), start):
        fn = call.get("function") or {}
        args = fn.get("arguments")
        calls.append(
            {
                "index": i,
                "id": call.get("id") or new_id("call_"),
                "type": "function",
                "function": {
                    "name": fn.get("name", ""),
                    "arguments": args
                    if isinstance(args, str)
                    else orjson.dumps(args or {}).decode(),
                },
            }
        )
    return calls


def _finish(data: dict[str, Any], saw_tools: bool) -> str:
    if saw_tools:
        return "tool_calls"
    return "length" if data.get("done_reason") == "length" else "stop"


def _usage(data: dict[str, Any]) -> dict[str, Any]:
    return usage(int(data.get("prompt_eval_count") or 0), int(data.get("eval_count") or 0))


def from_ollama_chat(data: dict[str, Any], source: str) -> ChatResponse:
    """A non-streaming ``/api/chat`` answer as a canonical ``chat.completion``."""
    message = data.get("message")
    if not isinstance(message, dict):
        raise bad_upstream_response(source, orjson.dumps(data))
    calls = _tool_calls(message, 0)
    for call in calls:
        del call["index"]
    out: dict[str, Any] = {
        "role": "assistant",
        "content": message.get("content") or None,
        "refusal": None,
    }
    if calls:
        out["tool_calls"] = calls
    elif out["content"] is None:
        out["content"] = ""
    return {
        "id": new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": now(),
        "model": data.get("model", ""),
        "choices": [
            {
                "index": 0,
                "message": out,
                "logprobs": None,
                "finish_reason": _finish(data, bool(calls)),
            }
        ],
        "usage": _usage(data),
    }


async def ollama_lines_to_chunks(
    lines: AsyncIterable[Any], *, source: str
) -> AsyncIterator[ChatChunk]:
    """Translate parsed NDJSON lines into canonical chunks, ending with a usage chunk."""
    chunk_id, created, model = new_id("chatcmpl-"), now(), ""
    first, tools = True, 0
    async for data in lines:
        if not isinstance(data, dict):
            raise bad_upstream_response(source, orjson.dumps(data))
        if "error" in data:
            raise UpstreamCallError(
                f"{source} failed mid-stream: {data['error']}",
                retryable=True,  # server-side; only acted on before the first chunk
                code="upstream_stream_error",
            )
        model = data.get("model", model)
        message = data.get("message") or {}
        delta: dict[str, Any] = {"role": "assistant"} if first else {}
        first = False
        if message.get("content") or "role" in delta:
            delta["content"] = message.get("content") or ""
        if calls := _tool_calls(message, tools):
            tools += len(calls)
            delta["tool_calls"] = calls
        if delta:
            yield make_chunk(chunk_id, model, created, delta)
        if data.get("done"):
            yield make_chunk(chunk_id, model, created, {}, _finish(data, tools > 0))
            yield usage_chunk(chunk_id, model, created, _usage(data))
            return
    raise UpstreamCallError(
        f"{source} ended the stream before done", retryable=True, code="upstream_disconnected"
    )


def to_ollama_embed(request: EmbeddingRequest, deployment: Deployment) -> dict[str, Any]:
    """An OpenAI embeddings body as an ``/api/embed`` body (text input only)."""
    inputs = request.get("input")
    if isinstance(inputs, list) and inputs and not all(isinstance(i, str) for i in inputs):
        raise InvalidRequestError(
            "Ollama embeds text only, not token arrays", param="input", code="unsupported_parameter"
        )
    if not isinstance(inputs, str | list):
        raise InvalidRequestError("'input' must be a string or a list of strings", param="input")
    body: dict[str, Any] = {"model": deployment.model, "input": inputs}
    if request.get("dimensions") is not None:
        body["dimensions"] = request["dimensions"]
    return body


def _encode(vector: list[float], encoding: str | None) -> Any:
    if encoding == "base64":  # what the openai SDK asks for by default: little-endian float32
        return base64.b64encode(array("f", vector).tobytes()).decode()
    return vector


def from_ollama_embed(
    data: dict[str, Any], request: EmbeddingRequest, source: str
) -> EmbeddingResponse:
    """An ``/api/embed`` answer in OpenAI's embeddings shape, honouring ``encoding_format``."""
    vectors = data.get("embeddings")
    if not isinstance(vectors, list):
        raise bad_upstream_response(source, orjson.dumps(data))
    encoding = request.get("encoding_format")
    prompt = int(data.get("prompt_eval_count") or 0)
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": i, "embedding": _encode(v, encoding)}
            for i, v in enumerate(vectors)
        ],
        "model": data.get("model", ""),
        "usage": {"prompt_tokens": prompt, "total_tokens": prompt},
    }
