"""Guardrails on the plain proxy path (explicit aliases on /v1/chat/completions and /v1/messages).

Off by default (``proxy_input``/``proxy_output``): then :func:`screen_request` is one attribute
read and the stream is not wrapped, so the lean path pays nothing. When on, the caller's tier
policy decides:

* input: the user turns are checked (rules, classifier, PII); a ``block`` category refuses the
  request with 400 ``guardrail_blocked`` in the API's own error format, before any upstream call;
  ``mask``/``hash`` PII is redacted in the user messages that go upstream; ``log`` categories are
  named in the ``x-gateway-guardrails`` header and the log;
* output: secrets and PII in the answer are masked, hashed, logged or stop the answer, streamed or
  not. Streams go through a ``StreamGuard`` per choice, so a key split across chunks is caught;
  the canonical chunks are guarded before either API's framing, so both APIs get the same check.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

import structlog

from llm_gateway.agent.conversation import user_text
from llm_gateway.core.config import GuardrailPolicy
from llm_gateway.core.exceptions import InvalidRequestError
from llm_gateway.core.state import AppState
from llm_gateway.guardrails.engine import GuardrailEngine
from llm_gateway.guardrails.stream import StreamGuard, passthrough_guard
from llm_gateway.providers.base import ChatChunk
from llm_gateway.services.proxy.context import CallContext

_log = structlog.get_logger("llm_gateway.guardrails")
HEADER = "x-gateway-guardrails"


def _note(ctx: CallContext, entry: str) -> None:
    current = ctx.response_headers.get(HEADER)
    ctx.response_headers[HEADER] = f"{current},{entry}" if current else entry


def screen_request(
    state: AppState, ctx: CallContext, request: dict[str, Any]
) -> GuardrailPolicy | None:
    """Check (and maybe redact) ``request``; return the policy for the answer, or None.

    Raises ``InvalidRequestError`` (400 ``guardrail_blocked``) when the policy blocks a category.
    """
    settings = state.settings.agent.guardrails
    if not (settings.proxy_input or settings.proxy_output):
        return None
    engine = state.guardrails
    policy = engine.policy(ctx.principal.tier if ctx.principal is not None else None)
    if settings.proxy_input:
        messages = request.get("messages") or []
        verdict = engine.check_input(user_text(messages), policy)
        if verdict.findings:
            categories = sorted({f.category for f in verdict.findings})
            _log.info(
                "proxy input guardrail",
                request_id=ctx.request_id,
                action=verdict.action,
                rules=list(verdict.rule_ids),
                logged=list(verdict.logged),
            )
            if verdict.action == "block":
                _note(ctx, "input:block")
                raise InvalidRequestError(
                    "The request was blocked by the gateway's input guardrail ("
                    + ", ".join(categories)
                    + ").",
                    code="guardrail_blocked",
                )
            if verdict.logged:
                _note(ctx, "input:log")
        if policy.pii_input in ("mask", "hash"):
            if redact_messages(engine, messages, policy):
                _note(ctx, f"input:{policy.pii_input}")
    return policy if settings.proxy_output else None


def redact_messages(engine: GuardrailEngine, messages: list[Any], policy: GuardrailPolicy) -> bool:
    """Redact PII in the user messages in place; True if anything changed."""
    changed = False
    for message in messages:
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            redacted = engine.redact_input(content, policy)
            changed |= redacted != content
            message["content"] = redacted
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    redacted = engine.redact_input(part["text"], policy)
                    changed |= redacted != part["text"]
                    part["text"] = redacted
    return changed


def _blocked_output() -> InvalidRequestError:
    return InvalidRequestError(
        "The answer was withheld by the gateway's output guardrail (secret or personal data).",
        code="guardrail_output_blocked",
    )


def guard_response(
    state: AppState, ctx: CallContext, policy: GuardrailPolicy, response: dict[str, Any]
) -> None:
    """Apply ``policy.leak_output`` to a complete (canonical) chat response, in place."""
    for choice in response.get("choices") or ():
        message = choice.get("message") or {}
        content = message.get("content")
        if not isinstance(content, str) or not content:
            continue
        guard = state.guardrails.leak_guard(policy)
        if guard is None:
            return
        first = guard.feed(content)
        last = guard.finish()
        if guard.findings:
            _note(ctx, f"output:{policy.leak_output}")
            _log.info(
                "proxy output guardrail",
                request_id=ctx.request_id,
                action=policy.leak_output,
                rules=sorted({f.rule_id for f in guard.findings}),
            )
        if first.stop or last.stop:
            raise _blocked_output()
        message["content"] = first.text + last.text


def _content_chunk(template: ChatChunk, index: int, text: str) -> ChatChunk:
    chunk = {k: v for k, v in template.items() if k not in ("choices", "usage")}
    chunk["choices"] = [{"index": index, "delta": {"content": text}, "finish_reason": None}]
    return chunk


async def guard_stream(
    state: AppState, ctx: CallContext, policy: GuardrailPolicy, chunks: AsyncIterable[ChatChunk]
) -> AsyncIterator[ChatChunk]:
    """``chunks`` with each choice's text passed through its own ``StreamGuard``.

    Text is held back until it is safe (a secret may continue in the next chunk); the held tail
    goes out in a chunk of its own before the choice's finishing chunk. A ``block`` policy ends
    the stream with ``guardrail_output_blocked`` at the first finding.
    """
    guards: dict[int, StreamGuard] = {}
    template: ChatChunk | None = None
    noted = False
    async for chunk in chunks:
        template = chunk
        released, stopped = _guard_choices(state, policy, guards, chunk)
        tails = [_content_chunk(chunk, index, tail) for index, tail in released]
        if not noted and any(g.findings for g in guards.values()):
            noted = True
            _note(ctx, f"output:{policy.leak_output}")
            _log.info(
                "proxy output guardrail", request_id=ctx.request_id, action=policy.leak_output
            )
        for tail in tails:
            yield tail
        if stopped:  # the clean text before the leak went out above
            raise _blocked_output()
        if not _empty(chunk):
            yield chunk
    for index, guard in guards.items():  # a stream that ended without a finish_reason
        if template is not None:
            end = guard.finish()
            if end.text:
                yield _content_chunk(template, index, end.text)
            if end.stop:
                raise _blocked_output()


def _guard_choices(
    state: AppState, policy: GuardrailPolicy, guards: dict[int, StreamGuard], chunk: ChatChunk
) -> tuple[list[tuple[int, str]], bool]:
    """Guard each choice's delta text in place.

    Returns the held-back tails of choices that finished, and whether a guard stopped the stream
    (then the tails hold the clean text released before the leak).
    """
    tails: list[tuple[int, str]] = []
    for choice in chunk.get("choices") or ():
        index = int(choice.get("index") or 0)
        guard = guards.get(index)
        if guard is None:
            guard = guards[index] = state.guardrails.leak_guard(policy) or passthrough_guard()
        delta = choice.get("delta") or {}
        text = delta.get("content")
        if isinstance(text, str) and text:
            decision = guard.feed(text)
            if decision.stop:
                return [(index, decision.text)] if decision.text else [], True
            if decision.text:
                delta["content"] = decision.text
            else:
                del delta["content"]
        if choice.get("finish_reason") is not None:
            end = guard.finish()
            del guards[index]
            if end.text:
                tails.append((index, end.text))
            if end.stop:
                return tails, True
    return tails, False


def _empty(chunk: ChatChunk) -> bool:
    if chunk.get("usage"):
        return False
    choices = chunk.get("choices")
    if not choices:
        return False
    return all(not (c.get("delta") or {}) and c.get("finish_reason") is None for c in choices)
