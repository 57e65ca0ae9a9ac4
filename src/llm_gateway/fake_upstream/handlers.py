"""The fake upstream's handlers: chat in three protocols with faults, embeddings, models."""

from __future__ import annotations

import asyncio
import base64
import random
import time
from array import array
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, NoReturn

import orjson
from aiohttp import web

from llm_gateway.fake_upstream.behaviour import Behaviour, Knobs, Script
from llm_gateway.fake_upstream.content import Prompt, build_reply, embedding
from llm_gateway.fake_upstream.wire import BadRequest, Wire

_JSON = "application/json"


@dataclass(slots=True)
class FakeState:
    """Everything the handlers share; owned by one ``FakeUpstream``."""

    knobs: Knobs
    models: tuple[str, ...]
    api_key: str | None
    record: bool
    script: Script = field(default_factory=Script)
    log: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=2000))
    rng: random.Random = field(default_factory=random.Random)
    closing: asyncio.Event = field(default_factory=asyncio.Event)
    aborted_streams: int = 0  # streams the client closed before the end

    def knobs_for(self, model: str) -> Knobs:
        return self.knobs.merged(self.script.knobs_for(model))


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type=_JSON, headers=headers)


async def read_body(request: web.Request) -> dict[str, Any]:
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        raise BadRequest("the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    return body


def _authorized(state: FakeState, request: web.Request) -> bool:
    if state.api_key is None:
        return True
    bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    return state.api_key in (bearer, request.headers.get("x-api-key"))


def _record(state: FakeState, request: web.Request, body: dict[str, Any], model: str) -> None:
    if state.record:
        entry = {
            "path": request.path,
            "model": model,
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "body": body,
        }
        state.log.append(entry)


async def _wait(state: FakeState, seconds: float) -> None:
    """Sleep, but wake when the server shuts down so tests never wait on a hung handler."""
    if seconds > 0:
        try:
            await asyncio.wait_for(state.closing.wait(), seconds)
        except TimeoutError:
            pass


def _drop(request: web.Request) -> NoReturn:
    """Close the connection abruptly (the client sees a disconnect)."""
    if request.transport is not None:
        request.transport.close()
    raise asyncio.CancelledError


def _error(wire: Wire, status: int, message: str, retry_after: float | None) -> web.Response:
    headers = {"retry-after": f"{retry_after:g}"} if retry_after is not None else None
    return json_response(wire.error_body(status, message), status, headers)


def _pre_head_fault(
    state: FakeState, wire: Wire, behaviour: Behaviour, knobs: Knobs
) -> web.Response | None:
    if behaviour.kind == "status":
        retry = behaviour.retry_after_s
        if retry is None and behaviour.status in (429, 503, 529):
            retry = knobs.retry_after_s
        message = behaviour.message or f"fake upstream scripted HTTP {behaviour.status}"
        return _error(wire, behaviour.status, message, retry)
    if behaviour.kind == "non_json":
        return web.Response(
            body=b"<html><body>502 Bad Gateway</body></html>", content_type="text/html"
        )
    if knobs.error_rate > 0 and state.rng.random() < knobs.error_rate:
        retry = knobs.retry_after_s if knobs.error_status in (429, 503, 529) else None
        return _error(wire, knobs.error_status, "fake upstream random failure", retry)
    return None


async def chat(state: FakeState, wire: Wire, request: web.Request) -> web.StreamResponse:
    """One chat call in ``wire``'s protocol, applying the model's script and knobs."""
    if not _authorized(state, request):
        return json_response(wire.error_body(401, "invalid api key"), 401)
    try:
        if message := wire.check_headers(request.headers):
            raise BadRequest(message)
        body = await read_body(request)
        prompt = wire.parse(body)
    except BadRequest as exc:
        return json_response(wire.error_body(400, str(exc)), 400)
    _record(state, request, body, prompt.model)
    behaviour = state.script.next(prompt.model)
    knobs = state.knobs_for(prompt.model)
    if (response := _pre_head_fault(state, wire, behaviour, knobs)) is not None:
        return response
    pre_head = behaviour.after_chunks is None or not prompt.stream
    if behaviour.kind == "hang" and pre_head:
        await _wait(state, behaviour.seconds)
    if behaviour.kind == "disconnect" and pre_head:
        _drop(request)
    await _wait(state, knobs.latency_s)
    reply = build_reply(
        prompt,
        reply_words=knobs.reply_words,
        cached_tokens=knobs.cached_tokens,
        cache_write_tokens=knobs.cache_write_tokens,
    )
    if not prompt.stream:
        await _wait(state, knobs.ttft_s + knobs.inter_token_s * max(len(reply.pieces) - 1, 0))
        if behaviour.kind == "malformed":
            return web.Response(body=wire.malformed_body, content_type=_JSON)
        return json_response(wire.render(prompt, reply))
    return await _stream(state, wire, request, prompt, reply, behaviour, knobs)


async def _stream(
    state: FakeState,
    wire: Wire,
    request: web.Request,
    prompt: Prompt,
    reply: Any,
    behaviour: Behaviour,
    knobs: Knobs,
) -> web.StreamResponse:
    response = web.StreamResponse(
        headers={"content-type": wire.stream_content_type, "cache-control": "no-cache"}
    )
    await response.prepare(request)
    try:
        await _frames(state, wire, request, response, prompt, reply, behaviour, knobs)
    except asyncio.CancelledError:
        _count_abort(state, behaviour)
        raise
    except ConnectionResetError:
        # The client (the gateway, when this is its demo upstream) closed the stream: a normal
        # end, not a handler failure for aiohttp to log as an error with a traceback.
        _count_abort(state, behaviour)
    return response


def _count_abort(state: FakeState, behaviour: Behaviour) -> None:
    if behaviour.kind != "disconnect" and not state.closing.is_set():
        state.aborted_streams += 1  # the client went away mid-stream


async def _frames(
    state: FakeState,
    wire: Wire,
    request: web.Request,
    response: web.StreamResponse,
    prompt: Prompt,
    reply: Any,
    behaviour: Behaviour,
    knobs: Knobs,
) -> None:
    fault_at = behaviour.after_chunks if behaviour.kind != "ok" else None
    for sent, frame in enumerate(wire.frames(prompt, reply)):
        if sent == fault_at:
            if behaviour.kind == "disconnect":
                _drop(request)
            if behaviour.kind == "hang":
                await _wait(state, behaviour.seconds)
            elif behaviour.kind == "malformed":
                await response.write(wire.malformed_frame())
                return
            elif behaviour.kind == "stream_error":
                await response.write(
                    wire.error_frame(behaviour.message or "fake upstream failed mid-stream")
                )
                return
        await _wait(state, knobs.ttft_s if sent == 0 else knobs.inter_token_s)
        await response.write(frame)
    await response.write_eof()


def _embedding_inputs(body: dict[str, Any]) -> list[str]:
    raw = body.get("input")
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list) and raw:
        return [x if isinstance(x, str) else orjson.dumps(x).decode() for x in raw]
    raise BadRequest("'input' must be a string or a non-empty list")


class _Embedding(NamedTuple):
    body: dict[str, Any]
    model: str
    inputs: list[str]
    dimensions: int


async def _embedding_call(
    state: FakeState, wire: Wire, request: web.Request
) -> _Embedding | web.Response:
    """What both embedding protocols share: auth, parsing, the script and the error knobs."""
    if not _authorized(state, request):
        return json_response(wire.error_body(401, "invalid api key"), 401)
    try:
        body = await read_body(request)
        inputs = _embedding_inputs(body)
    except BadRequest as exc:
        return json_response(wire.error_body(400, str(exc)), 400)
    model = str(body.get("model", ""))
    _record(state, request, body, model)
    knobs = state.knobs_for(model)
    if (error := _pre_head_fault(state, wire, state.script.next(model), knobs)) is not None:
        return error
    return _Embedding(
        body, model, inputs, int(body.get("dimensions") or knobs.embedding_dimensions)
    )


async def openai_embeddings(state: FakeState, wire: Wire, request: web.Request) -> web.Response:
    call = await _embedding_call(state, wire, request)
    if isinstance(call, web.Response):
        return call
    data = []
    for i, text in enumerate(call.inputs):
        vector: Any = embedding(text, call.dimensions)
        if call.body.get("encoding_format") == "base64":
            vector = base64.b64encode(array("f", vector).tobytes()).decode()
        data.append({"object": "embedding", "index": i, "embedding": vector})
    tokens = sum(len(t.split()) for t in call.inputs)
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return json_response({"object": "list", "data": data, "model": call.model, "usage": usage})


async def ollama_embed(state: FakeState, wire: Wire, request: web.Request) -> web.Response:
    call = await _embedding_call(state, wire, request)
    if isinstance(call, web.Response):
        return call
    return json_response(
        {
            "model": call.model,
            "embeddings": [embedding(t, call.dimensions) for t in call.inputs],
            "total_duration": 1000,
            "load_duration": 100,
            "prompt_eval_count": sum(len(t.split()) for t in call.inputs),
        }
    )


def model_names(state: FakeState) -> list[str]:
    scripted = [m for m in state.script.queues if m != "*" and m not in state.models]
    return [*state.models, *scripted]


async def openai_models(state: FakeState, request: web.Request) -> web.Response:
    data = [
        {"id": m, "object": "model", "created": 1700000000, "owned_by": "fake-upstream"}
        for m in model_names(state)
    ]
    return json_response({"object": "list", "data": data})


async def ollama_tags(state: FakeState, request: web.Request) -> web.Response:
    modified = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1700000000))
    models = [
        {
            "name": m,
            "model": m,
            "modified_at": modified,
            "size": 1024,
            "digest": "0" * 64,
            "details": {
                "format": "gguf",
                "family": "fake",
                "parameter_size": "1B",
                "quantization_level": "Q4_0",
            },
        }
        for m in model_names(state)
    ]
    return json_response({"models": models})
