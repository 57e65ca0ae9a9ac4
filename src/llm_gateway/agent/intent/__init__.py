"""Intent analysis: a fast local pass (rules), the intent LLM when unsure, the pass as fallback."""

from llm_gateway.agent.intent.analyzer import DEFAULT_TOOLS, IntentAnalyzer, IntentLLM
from llm_gateway.agent.intent.features import detect_language
from llm_gateway.agent.intent.llm import build_intent_request, parse_intent_response
from llm_gateway.agent.intent.rules import FastPass, estimate_complexity
from llm_gateway.agent.intent.types import IntentParseError, IntentResult

__all__ = [
    "DEFAULT_TOOLS",
    "FastPass",
    "IntentAnalyzer",
    "IntentLLM",
    "IntentParseError",
    "IntentResult",
    "build_intent_request",
    "detect_language",
    "estimate_complexity",
    "parse_intent_response",
]
