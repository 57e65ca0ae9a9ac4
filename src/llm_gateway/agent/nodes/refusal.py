"""The refusal: a fixed, safe answer in the user's language, with no model call.

Reached from a dangerous intent (or a blocked input) and from an output that stayed unsafe
after the allowed regenerations. The text is a constant, so it can be streamed at once.
"""

from __future__ import annotations

import time
from typing import Any

from langgraph.runtime import Runtime

from llm_gateway.agent.context import AgentContext
from llm_gateway.agent.events import TokenEvent
from llm_gateway.agent.nodes.response_formatter import build_response
from llm_gateway.agent.state import AgentState, step

REFUSALS: dict[str, dict[str, str]] = {
    "input_blocked": {
        "en": "I can't help with that request: it looks like an attempt to override my "
        "instructions or safety rules.",
        "ko": "이 요청은 도와드릴 수 없습니다. 지시나 안전 규칙을 무력화하려는 시도로 보입니다.",
    },
    "dangerous_intent": {
        "en": "I can't help with that request.",
        "ko": "이 요청은 도와드릴 수 없습니다.",
    },
    "regenerate_limit": {
        "en": "I couldn't produce an answer without including sensitive information, "
        "so I'm not able to answer this one.",
        "ko": "민감한 정보를 포함하지 않고는 답변을 만들 수 없어 "
        "이 질문에는 답변드리기 어렵습니다.",
    },
    "output_blocked": {
        "en": "I can't share that answer.",
        "ko": "해당 답변은 제공할 수 없습니다.",
    },
}


def refusal_text(reason: str, language: str) -> str:
    texts = REFUSALS.get(reason, REFUSALS["dangerous_intent"])
    return texts.get(language, texts["en"])


async def refusal(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Answer with the refusal for ``state['refusal_reason']``."""
    started = time.perf_counter()
    intent = state.get("intent")
    language = intent["language"] if intent else "en"
    text = refusal_text(state.get("refusal_reason") or "dangerous_intent", language)
    runtime.stream_writer(TokenEvent(text))
    done = [step("refusal", (time.perf_counter() - started) * 1000)]
    final: AgentState = {**state, "steps": [*state.get("steps", ()), *done]}
    response = build_response(final, runtime.context, text, "content_filter")
    return {
        "answer": text,
        "finish_reason": "content_filter",
        "response": response,
        "outcome": "refusal",
        "steps": done,
    }
