"""Guardrails on the plain proxy path (explicit aliases on /v1/chat/completions and /v1/messages).

Off by default (``proxy_input``/``proxy_output``): then :func:`screen_request` is one attribute
read and the stream is not wrapped, so the lean path pays nothing. When on, the caller's tier
policy decides:

* input: the user turns are checked (rules, classifier, the e5 harmful-request stage when the
  policy has ``harm_stage``, the grey-zone judge when it is on, PII); a ``block`` category refuses
  the request with 400 ``guardrail_blocked`` in the API's own error format, before any upstream
  call; ``mask``/``hash`` PII is redacted in the user messages that go upstream; ``log``
  categories are named in the ``x-gateway-guardrails`` header and the log;
* tool results (``tool_results``, off by default): instructions aimed at the model inside the
  tool results the client sends back refuse the request, are withheld (replaced by a notice) or
  are logged;
* output: secrets and PII in the answer are masked, hashed, logged or stop the answer, streamed or
  not. Streams go through a ``StreamGuard`` per choice, so a key split across chunks is caught;
  the canonical chunks are guarded before either API's framing, so both APIs get the same check.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from typing import Any

import structlog

from llm_gateway.agent.conversation import PROMPT_ROLES, redact_user_turns, tool_text, user_text
from llm_gateway.core.config import GuardrailPolicy
from llm_gateway.core.exceptions import InvalidRequestError
from llm_gateway.guardrails.prompt_leak import PromptLeakRule, prompt_leak_rule
from llm_gateway.guardrails.stream import StreamGuard, passthrough_guard
from llm_gateway.guardrails.tool_results import (
    blocked_in_tool_result,
    newest_turn,
    screen_messages,
)
from llm_gateway.guardrails.types import Finding
from llm_gateway.providers.base import ChatChunk
from llm_gateway.services.guardrails.stats import EndpointKind
from llm_gateway.services.proxy.context import CallContext
from llm_gateway.state import AppState

_log = structlog.get_logger("llm_gateway.guardrails")
HEADER = "x-gateway-guardrails"
PROMPT_LEAK = "prompt_leak"  # ``ctx.extras`` key: the request's system prompt leak rule


def _note(ctx: CallContext, entry: str) -> None:
    """Add ``entry`` to the guardrail header once (a stage and action named twice says nothing)."""
    current = ctx.response_headers.get(HEADER)
    if not current:
        ctx.response_headers[HEADER] = entry
    elif entry not in current.split(","):
        ctx.response_headers[HEADER] = f"{current},{entry}"


def _kind(ctx: CallContext) -> EndpointKind:
    if ctx.endpoint == "responses":
        return "responses"
    return "anthropic_messages" if ctx.api == "anthropic" else "openai_chat"


async def screen_request(
    state: AppState, ctx: CallContext, request: dict[str, Any]
) -> GuardrailPolicy | None:
    """Check (and maybe redact) ``request``; return the policy for the answer, or None.

    Raises ``InvalidRequestError`` (400 ``guardrail_blocked``) when the policy blocks a category.
    When no caller can have proxy checks (the shipped default) this is one attribute read.
    """
    policies = state.guard_policies
    if not policies.proxy_possible:
        return None
    policy = policies.resolve(ctx.principal)
    check_input, check_output = policies.proxy_sides(policy)
    if check_input:
        await _screen_input(state, ctx, request, policy)
    if not check_output:
        return None
    if policy.leak_output != "off":
        rule = prompt_leak_rule(request.get("messages") or ())
        if rule is not None:
            ctx.extras[PROMPT_LEAK] = rule
    return policy


async def _screen_input(
    state: AppState, ctx: CallContext, request: dict[str, Any], policy: GuardrailPolicy
) -> None:
    engine = state.guardrails
    messages = request.get("messages") or []
    text = user_text(messages)
    if policy.harm_stage:  # the e5 stage embeds the prompt (~20-30 ms of CPU): off the loop,
        # on the shared embedder's own thread (queued with the other embeddings) when there is one
        embedder = engine.harm_stage.embedder
        if embedder is not None:
            verdict = await embedder.call(engine.check_input, text, policy, second_stage=True)
        else:
            verdict = await asyncio.to_thread(engine.check_input, text, policy, second_stage=True)
    else:
        verdict = engine.check_input(text, policy)
    kind = _kind(ctx)
    if engine.judge is not None:
        # The judge is a model too: under mask/hash it sees the prompt as the upstream will
        # (redacted only when it will be asked: most prompts are not in its grey zone).
        judged = engine.redact_input(text, policy) if engine.judge.grey(verdict, policy) else text
        verdict, asked = await engine.judge.review(verdict, judged, policy)
        if asked:
            _note(ctx, "input:judge")
    if verdict.findings:
        _log.info(
            "proxy input guardrail",
            request_id=ctx.request_id,
            action=verdict.action,
            rules=list(verdict.rule_ids),
            logged=list(verdict.logged),
        )
        if verdict.logged:
            state.guard_stats.observe(verdict.logged, "log", "input", kind)
            _note(ctx, "input:log")
        if verdict.action == "block":
            state.guard_stats.observe(verdict.blocked, "block", "input", kind)
            _note(ctx, "input:block")
            raise InvalidRequestError(
                "The request was blocked by the gateway's input guardrail ("
                + ", ".join(sorted(verdict.blocked))
                + ").",
                code="guardrail_blocked",
            )
    if policy.tool_results != "off":
        await _screen_tool_injection(state, ctx, messages, policy)
    action = policy.pii_input
    if action in ("block", "log"):
        _screen_tool_results(state, ctx, messages, action)
    elif action in ("mask", "hash"):
        found: set[str] = set()
        redact = functools.partial(engine.redact_input, policy=policy, categories=found)
        if redact_user_turns(messages, redact, PROMPT_ROLES):
            state.guard_stats.observe(sorted(found), action, "input", kind)
            _note(ctx, f"input:{action}")


async def _screen_tool_injection(
    state: AppState, ctx: CallContext, messages: list[Any], policy: GuardrailPolicy
) -> None:
    """``tool_results``: instructions aimed at the model inside the tool results the client
    sends back. ``block`` refuses the request, ``withhold`` replaces each flagged result by a
    notice (the request goes on), ``log`` names it in the header and the log.

    Every result is screened (and withheld), but a result resent from an earlier turn was
    recorded on the turn that brought it: only the newest turn's are logged and counted. A
    refusal is recorded whatever turn the result came from: it is this request's.
    """
    outcome = await screen_messages(state.guardrails.tool_screen, messages, policy)
    if outcome is None:
        return
    action = policy.tool_results
    recorded = outcome if action == "block" else outcome.newest
    if recorded is not None:
        _log.info(
            "proxy tool result guardrail",
            request_id=ctx.request_id,
            action=action,
            rules=list(recorded.rules),
        )
        state.guard_stats.observe(recorded.categories, action, "input", _kind(ctx))
        _note(ctx, f"tool:{action}")
    if action == "block":
        raise blocked_in_tool_result(outcome.categories)


def _screen_tool_results(
    state: AppState, ctx: CallContext, messages: Sequence[Any], action: str
) -> None:
    """``pii_input: block``/``log`` over the tool results the client sends back: personal data
    there reaches the upstream like a user turn's (the attack checks stay on user turns, where
    an injection-looking string is an instruction rather than data).

    ``block`` reads every result; ``log`` names and counts only the newest turn's (a result
    resent from an earlier turn was recorded then).
    """
    text = tool_text(messages if action == "block" else messages[newest_turn(messages) :])
    found = state.guardrails.leak_findings(text) if text else []
    if not found:
        return
    categories = sorted({f.category for f in found})
    rules = sorted({f.rule_id for f in found})
    _log.info("proxy tool result guardrail", request_id=ctx.request_id, action=action, rules=rules)
    state.guard_stats.observe(categories, action, "input", _kind(ctx))
    _note(ctx, f"input:{action}")
    if action == "block":
        raise blocked_in_tool_result(categories)


def _output_noted(
    state: AppState, ctx: CallContext, policy: GuardrailPolicy, findings: Sequence[Finding]
) -> None:
    """Header, log line and counts for the first output findings of a response."""
    action = policy.leak_output
    _note(ctx, f"output:{action}")
    _log.info(
        "proxy output guardrail",
        request_id=ctx.request_id,
        action=action,
        rules=sorted({f.rule_id for f in findings}),
    )
    state.guard_stats.observe((f.category for f in findings), action, "output", _kind(ctx))


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
        guard = state.guardrails.leak_guard(policy, ctx.extras.get(PROMPT_LEAK))
        if guard is None:
            return
        first = guard.feed(content)
        last = guard.finish()
        if guard.findings:
            _output_noted(state, ctx, policy, guard.findings)
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
    every: list[StreamGuard] = []  # finished choices' guards too, for the counts at the end
    leak: PromptLeakRule | None = ctx.extras.get(PROMPT_LEAK)
    template: ChatChunk | None = None
    try:
        async for chunk in chunks:
            template = chunk
            released, stopped = _guard_choices(state, policy, guards, chunk, every, leak)
            for index, tail in released:
                yield _content_chunk(chunk, index, tail)
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
    finally:
        found = [f for g in every for f in g.findings]
        if found:
            _output_noted(state, ctx, policy, found)


def _guard_choices(
    state: AppState,
    policy: GuardrailPolicy,
    guards: dict[int, StreamGuard],
    chunk: ChatChunk,
    every: list[StreamGuard],
    leak: PromptLeakRule | None,
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
            guard = guards[index] = state.guardrails.leak_guard(policy, leak) or passthrough_guard()
            every.append(guard)
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
